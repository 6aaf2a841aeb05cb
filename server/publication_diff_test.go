package server_test

import (
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// Regression tests from an adversarial review of publication: no two published cells may differ
// by one or two counties' figures (auth.SuppressDifferences).

// A county reads its city's published 1.1 (patents / population) and 2.11 (ADR / population).
// A neighbour that lacks DRUG_ADR_REPORTS counts in 1.1 and not in 2.11, so the two
// denominators differ by exactly that neighbour's RESIDENT_POPULATION, and the approved lists
// say which neighbour it is. Each cell has >= 3 groups, so neither is withheld.
func TestPublishedDifferencesSharedElement(t *testing.T) {
	e := testenv.New(t)
	vals := map[string]float64{"RESIDENT_POPULATION": 0, "HV_INVENTION_PATENTS": 10, "DRUG_ADR_REPORTS": 5}
	pops := map[string]float64{"419902": 100000, "419903": 200000, "419921": 300000, "419922": 123457}
	for region, pop := range pops {
		v := map[string]float64{}
		for k, x := range vals {
			v[k] = x
		}
		v["RESIDENT_POPULATION"] = pop
		if region == "419922" {
			delete(v, "DRUG_ADR_REPORTS")
		}
		MustInsertSubmission(t, e, region, "2024", "APPROVED", v)
	}
	MustPublish(t, e, "419900", "2024")
	clerk := e.Token(t, "419902", auth.RoleReporter)
	var out struct {
		IndicatorValues []struct {
			Indicator    struct{ Code string }
			Denominator  *float64
			Withheld     bool
			Completeness struct{ Approved int }
		}
	}
	e.MustOK(t, clerk, `{ indicatorValues(regionCode: "419900", period: "2024", indicatorCodes: ["1.1", "2.11"]) {
		indicator { code } denominator withheld completeness { approved } } }`, nil, &out)
	t.Logf("%+v", out)
	a, b := out.IndicatorValues[0], out.IndicatorValues[1]
	if a.Denominator != nil && b.Denominator != nil {
		diff := *a.Denominator - *b.Denominator
		if diff == pops["419922"] {
			t.Errorf("1.1 denominator - 2.11 denominator = %v = 419922's RESIDENT_POPULATION", diff)
		}
	}
}

// Task hierarchy: 3.3.1 and 3.3.2 both have a CASES output. Three counties report 3.3.1, one
// neighbour alone reports 3.3.2. 3.3.2's CASES is withheld (one group), but 3.3's CASES
// (four groups) and 3.3.1's (three) are published: their difference is the neighbour's figure.
func TestPublishedDifferencesTaskTree(t *testing.T) {
	e := testenv.New(t)
	ids := map[string]int64{}
	for _, region := range []string{"419902", "419903", "419921", "419922"} {
		ids[region] = MustInsertSubmission(t, e, region, "2024", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 10, "IP_BATCHES_FAILED": 1})
	}
	var keys []string
	if err := e.Owner.Raw(`SELECT o->>'key' FROM tasks t, jsonb_array_elements(t.outputs) o WHERE t.code IN ('3.3.1','3.3.2') AND o->>'code' = 'CASES' ORDER BY t.code`).Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	t.Logf("keys %v", keys)
	report := func(region, task, key string, v float64, status string) {
		r := e.Cache.Regions().Get(region)
		if err := e.Owner.Exec(`INSERT INTO task_reports (submission_id, task_id, region_path, status, outputs, updated_by)
			VALUES (?, (SELECT id FROM tasks WHERE code = ?), ?, ?, jsonb_build_object(?::text, ?::numeric), 'test')`,
			ids[region], task, r.Path, status, key, v).Error; err != nil {
			t.Fatal(err)
		}
	}
	report("419902", "3.3.1", keys[0], 10, "IN_PROGRESS")
	report("419903", "3.3.1", keys[0], 20, "DONE")
	report("419921", "3.3.1", keys[0], 30, "DONE")
	report("419922", "3.3.2", keys[1], 777, "DONE")
	MustPublish(t, e, "419900", "2024")
	clerk := e.Token(t, "419902", auth.RoleReporter)
	var out struct {
		TaskRollup []struct {
			Task    struct{ Code string }
			Outputs []struct {
				Code  string
				Value float64
			}
			Reporting    int
			Done         int
			DoneWithheld bool
		}
	}
	e.MustOK(t, clerk, `{ taskRollup(regionCode: "419900", period: "2024") { task { code } outputs { code value } reporting done doneWithheld } }`, nil, &out)
	cases := map[string]*float64{}
	for _, tr := range out.TaskRollup {
		// 419902 knows its own 3.3.1 is in progress: "3 of 4 done" would tell it the other
		// three, 419922 among them, are done.
		if (tr.Task.Code == "3.3" || tr.Task.Code == "3") && !tr.DoneWithheld {
			t.Errorf("task %s done = %d of %d reporting shown to a county", tr.Task.Code, tr.Done, tr.Reporting)
		}
		switch tr.Task.Code {
		case "3", "3.3", "3.3.1", "3.3.2":
			t.Logf("%s %+v reporting=%d done=%d withheld=%v", tr.Task.Code, tr.Outputs, tr.Reporting, tr.Done, tr.DoneWithheld)
			for _, o := range tr.Outputs {
				if o.Code == "CASES" {
					v := o.Value
					cases[tr.Task.Code] = &v
				}
			}
		}
	}
	if cases["3.3"] != nil && cases["3.3.1"] != nil && *cases["3.3"]-*cases["3.3.1"] == 777 {
		t.Errorf("3.3 CASES - 3.3.1 CASES = 777 = 419922's 3.3.2 figure (withheld on its own)")
	}
	if cases["3"] != nil && cases["3.3.1"] != nil && *cases["3"]-*cases["3.3.1"] == 777 {
		t.Errorf("3 CASES - 3.3.1 CASES = 777")
	}
}
