package server_test

import (
	"fmt"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// mustInsertQuarter writes an approved or submitted quarterly submission as the owner.
func mustInsertQuarter(tb testing.TB, e *testenv.Env, region string, year, q int, status string, values map[string]float64) {
	tb.Helper()
	r := e.Cache.Regions().Get(region)
	var id int64
	per := fmt.Sprintf("%dQ%d", year, q)
	if err := e.Owner.Raw(`INSERT INTO submissions (plan_id, region_code, region_path, period, period_year, period_quarter, status, version, updated_by)
		VALUES ((SELECT id FROM plans LIMIT 1), ?, ?, ?, ?, ?, ?, 1, 'test') RETURNING id`, region, r.Path, per, year, q, status).Scan(&id).Error; err != nil {
		tb.Fatalf("insert submission: %v", err)
	}
	for code, v := range values {
		if err := e.Owner.Exec(`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
			VALUES (?, (SELECT id FROM data_elements WHERE code = ?), ?, ?, 'test')`, id, code, r.Path, v).Error; err != nil {
			tb.Fatalf("insert value %s: %v", code, err)
		}
	}
}

// TestAncestorTotalsOverRangesDoNotRevealANeighbour holds the small-cell rule to ranges and
// to years built from quarters (found by an adversarial review): a county must not get a
// neighbour's figures for a period whose city total is withheld by asking for a range that
// holds it, a range less a shorter one, a year less its quarters, or a cumulative assessment.
func TestAncestorTotalsOverRangesDoNotRevealANeighbour(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	// 西城区 is the only county with 2024 figures; its 2025 ones await review.
	MustInsertSubmission(t, e, countyB, "2024", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 137, "IP_BATCHES_FAILED": 4, "PCT_APPLICATIONS": 9})
	MustInsertSubmission(t, e, countyB, "2025", "SUBMITTED", map[string]float64{"IP_BATCHES_INSPECTED": 200, "IP_BATCHES_FAILED": 5})
	// 2026 from quarters: Q1 approved, Q2 awaiting review.
	mustInsertQuarter(t, e, countyB, 2026, 1, "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 37, "IP_BATCHES_FAILED": 2})
	mustInsertQuarter(t, e, countyB, 2026, 2, "SUBMITTED", map[string]float64{"IP_BATCHES_INSPECTED": 50, "IP_BATCHES_FAILED": 1})
	clerk := e.Token(t, countyA, auth.RoleReporter)
	// The city publishes what it has; a county reads only that (NOT_FOUND for a range, or
	// for a period not published).
	for _, p := range []string{"2024", "2025", "2026"} {
		MustPublish(t, e, city, p)
	}
	den := func(p string) *float64 {
		t.Helper()
		var out struct {
			IndicatorValues []struct {
				Denominator *float64
				Withheld    bool
			}
		}
		r := e.Do(t, clerk, `query($p: String!) { indicatorValues(regionCode: "419900", period: $p, indicatorCodes: ["2.10"]) { denominator withheld } }`,
			map[string]any{"p": p})
		if r.Code() == "NOT_FOUND" {
			return nil
		}
		r.Decode(t, &out)
		return out.IndicatorValues[0].Denominator
	}
	for _, p := range []string{"2024", "2024..2025", "2023Q1..2024", "2022..2024", "2026", "2026Q1", "2026Q1..2026Q2"} {
		if d := den(p); d != nil {
			t.Errorf("%s: the city total %v is readable; it holds only 西城区's figures for a period", p, *d)
		}
	}
	// A published period with every county in it is readable.
	if d := den("2021"); d == nil || *d != 538 {
		t.Errorf("2021 = %v, want 538 batches", d)
	}
	// Through a cumulative assessment: the running total as of 2024 holds 西城区's 2024 alone.
	for _, asOf := range []string{"2024", "2025"} {
		var as struct {
			Indicator struct {
				Assessment struct {
					Latest *struct {
						Period string
						Value  *float64
					}
				}
			}
		}
		e.MustOK(t, clerk, `query($a: String!) { indicator(code: "1.2") { assessment(regionCode: "419900", asOf: $a) { latest { period value } } } }`,
			map[string]any{"a": asOf}, &as)
		if l := as.Indicator.Assessment.Latest; l != nil && l.Value != nil && l.Period != "2021..2022" && l.Period != "2022" && l.Period != "2021" {
			t.Errorf("1.2 as of %s: latest %s = %v, which includes 西城区's 2024 PCT applications", asOf, l.Period, *l.Value)
		}
	}
	// The city itself sees everything, and completeness says who is in the value.
	admin := e.Token(t, city, auth.RoleAdmin)
	var own struct {
		IndicatorValues []struct {
			Denominator  *float64
			Completeness struct{ Approved int }
		}
	}
	e.MustOK(t, admin, `{ indicatorValues(regionCode: "419900", period: "2024", indicatorCodes: ["2.10"]) { denominator completeness { approved } } }`, nil, &own)
	if v := own.IndicatorValues[0]; v.Denominator == nil || *v.Denominator != 137 || v.Completeness.Approved != 1 {
		t.Errorf("the city's own 2024: %+v, want 137 batches from 1 approved unit", v)
	}
}

// TestTaskRollupRangeDoesNotRevealANeighbour: a county reading its city's key-task roll-up
// over a range must not get the outputs of a period only one neighbour reported (the range
// less the shorter range, asked separately, would give them).
func TestTaskRollupRangeDoesNotRevealANeighbour(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	mustReportTasks(t, e, countyB, "2024", taskSave{task: "2.3.3", status: "DONE", outputs: map[string]float64{"CASES": 7, "FINES": 3.21}})
	MustPublish(t, e, city, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	for _, p := range []string{"2024", "2023Q1..2024", "2021..2024"} {
		var out struct {
			TaskRollup []struct {
				Task    struct{ Code string }
				Outputs []struct{ Code string }
			}
		}
		r := e.Do(t, clerk, `query($p: String!) { taskRollup(regionCode: "419900", period: $p) { task { code } outputs { code } } }`, map[string]any{"p": p})
		if r.Code() == "NOT_FOUND" {
			continue // not published (a range never is): not readable at all
		}
		r.Decode(t, &out)
		for _, tr := range out.TaskRollup {
			if len(tr.Outputs) > 0 {
				t.Errorf("%s: task %s shows outputs %v; the range holds 西城区's 2024 alone", p, tr.Task.Code, tr.Outputs)
				break
			}
		}
	}
}
