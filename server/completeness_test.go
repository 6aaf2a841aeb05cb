package server_test

import (
	"math"
	"sort"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// TestCompletenessAndPreview: in 2024, 东城区 has submitted (awaiting approval), 西城区 is
// approved, 南山县 has only a draft, and the others have nothing. The city's value counts the
// approved county only; the preview adds the submitted one; completeness says who is missing.
func TestCompletenessAndPreview(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	reviewer := e.Token(t, city, auth.RoleReviewer)
	save := func(region string, inspected, failed float64) {
		t.Helper()
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, e.Token(t, region, auth.RoleReporter), saveMutation, saveVars(region, "2024", 0,
			vals{"element": "IP_BATCHES_INSPECTED", "value": inspected},
			vals{"element": "IP_BATCHES_FAILED", "value": failed}), &out)
	}
	submit := func(region string) {
		t.Helper()
		var out map[string]any
		MustDeclareRestMissing(t, e, region, "2024") // required figures are not this test's subject
		e.MustOK(t, e.Token(t, region, auth.RoleReporter), `mutation($r: String!) { submitSubmission(regionCode: $r, period: "2024", expectedVersion: 1) { status } }`, map[string]any{"r": region}, &out)
	}
	save(countyA, 100, 10) // 90 %
	submit(countyA)
	save(countyB, 300, 3) // 99 %
	submit(countyB)
	var out map[string]any
	e.MustOK(t, reviewer, `mutation { approveSubmission(regionCode: "419903", period: "2024", expectedVersion: 2) { status } }`, nil, &out)
	save("419921", 50, 0) // a draft: never counted

	tok := e.Token(t, city, auth.RoleAnalyst)
	approved := values(t, e, tok, city, "2024", "2.10")["2.10"]
	if approved.Value == nil || round(*approved.Value, 4) != 99 || *approved.Denominator != 300 {
		t.Errorf("approved-only value = %v over %v, want 99 over 300", approved.Value, approved.Denominator)
	}
	if approved.IncludesUnapproved {
		t.Errorf("approved-only value says it includes unapproved figures")
	}
	c := approved.Completeness
	var missing []string
	for _, m := range c.Missing {
		missing = append(missing, m.Code)
	}
	sort.Strings(missing)
	if c.Expected != 5 || c.Reported != 2 || c.Approved != 1 || len(missing) != 3 ||
		missing[0] != "419921" || missing[1] != "419922" || missing[2] != "419923" {
		t.Errorf("completeness = %+v missing %v, want 5 expected, 2 reported, 1 approved, missing 419921 419922 419923", c, missing)
	}

	var prev struct{ IndicatorValues []valueJSON }
	e.MustOK(t, tok, valuesQuery, map[string]any{"r": city, "p": "2024", "codes": []string{"2.10"}, "u": true}, &prev)
	p := prev.IndicatorValues[0]
	if !p.IncludesUnapproved || p.Value == nil || math.Abs(*p.Value-(100.0*(400-13)/400)) > 1e-9 {
		t.Errorf("preview = %+v, want (387/400)×100 including the submitted county", p)
	}
	if p.Completeness.Reported != 2 || p.Completeness.Approved != 1 {
		t.Errorf("preview completeness = %+v", p.Completeness)
	}
	// A county's own total counts its own approved figures only.
	if v := values(t, e, tok, countyA, "2024", "2.10")["2.10"]; v.Value != nil || v.Completeness.Reported != 1 || v.Completeness.Approved != 0 {
		t.Errorf("东城区 approved-only = %v, completeness %+v; want null, reported 1, approved 0", v.Value, v.Completeness)
	}
}

type taskRollupJSON struct {
	Task struct {
		Code  string `json:"code"`
		Level int    `json:"level"`
	} `json:"task"`
	Outputs []struct {
		Code  string  `json:"code"`
		Unit  string  `json:"unit"`
		Value float64 `json:"value"`
	} `json:"outputs"`
	Expected  int      `json:"expected"`
	Reporting int      `json:"reporting"`
	Done      int      `json:"done"`
	DoneShare *float64 `json:"doneShare"`
}

// TestTaskRollup rolls the demo counties' key-task progress since 2021 (2021..2023Q1) up to
// the city: the report's running totals for measure 2.3.3, the share of counties reporting it
// DONE, and sub-tasks and tasks summing their measures by code.
func TestTaskRollup(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	var out struct{ TaskRollup []taskRollupJSON }
	e.MustOK(t, e.Token(t, city, auth.RoleAnalyst), `{ taskRollup(regionCode: "419900", period: "2021..2023Q1") {
		task { code level } outputs { code unit value } expected reporting done doneShare } }`, nil, &out)
	by := map[string]taskRollupJSON{}
	for _, r := range out.TaskRollup {
		by[r.Task.Code] = r
	}
	m := by["2.3.3"]
	got := map[string]float64{}
	for _, o := range m.Outputs {
		got[o.Code] = o.Value
	}
	// 2021年以来检查17162家次, 查处不正当竞争案件28起, 罚没款233.77万元.
	if got["INSPECTIONS"] != 17162 || got["CASES"] != 28 || round(got["FINES"], 2) != 233.77 {
		t.Errorf("2.3.3 outputs = %v, want 17162 inspections, 28 cases, 233.77 万元", got)
	}
	if m.Expected != 5 || m.Reporting != 5 || m.Done != 4 || m.DoneShare == nil || *m.DoneShare != 0.8 {
		t.Errorf("2.3.3 progress = %+v, want 5 expected, 5 reporting, 4 done (0.8)", m)
	}
	// Every task and sub-task sums the outputs of its measures by code (起 and 件 are both
	// cases; the demo reports no ITEMS).
	for code, node := range by {
		if node.Task.Level == 3 {
			continue
		}
		want := map[string]float64{}
		for c2, child := range by {
			if child.Task.Level == 3 && len(c2) > len(code) && c2[:len(code)+1] == code+"." {
				for _, o := range child.Outputs {
					want[o.Code] += o.Value
				}
			}
		}
		have := map[string]float64{}
		for _, o := range node.Outputs {
			have[o.Code] = o.Value
		}
		if len(have) != len(want) {
			t.Errorf("task %s outputs %v, want %v", code, have, want)
			continue
		}
		for k, v := range want {
			if math.Abs(have[k]-v) > 1e-9 {
				t.Errorf("task %s %v = %v, want %v", code, k, have[k], v)
			}
		}
	}
	if len(by["2"].Outputs) == 0 {
		t.Errorf("task 2 rolls up no outputs")
	}
	// A county's own roll-up covers itself alone.
	var own struct{ TaskRollup []taskRollupJSON }
	e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), `{ taskRollup(regionCode: "419902", period: "2022") { task { code } expected reporting } }`, nil, &own)
	for _, r := range own.TaskRollup {
		if r.Task.Code == "2.3.3" && (r.Expected != 1 || r.Reporting != 1) {
			t.Errorf("东城区's own 2.3.3 = %+v, want 1 expected and reporting", r)
		}
	}
	// A neighbour's roll-up is hidden.
	if r := e.Do(t, e.Token(t, countyA, auth.RoleReporter), `{ taskRollup(regionCode: "419903", period: "2022") { task { code } } }`, nil); r.Code() != "NOT_FOUND" {
		t.Errorf("a neighbour's task roll-up: %s", r.Code())
	}
}

// TestDashboardVisibility: the city sees a cell per county; a county sees the city's total
// and its own cell only; a neighbour's dashboard is hidden.
func TestDashboardVisibility(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	type dash struct {
		Dashboard struct {
			Columns []struct{ Code string } `json:"columns"`
			Rows    []struct {
				Indicator struct{ Code string } `json:"indicator"`
				Total     valueJSON             `json:"total"`
				Cells     []valueJSON           `json:"cells"`
			} `json:"rows"`
		} `json:"dashboard"`
	}
	q := `query($r: String!) { dashboard(regionCode: $r, period: "2021") { columns { code } rows { indicator { code } total { value numerator denominator } cells { region { code } value numerator } } } }`
	var cityView, countyView dash
	e.MustOK(t, e.Token(t, city, auth.RoleAnalyst), q, map[string]any{"r": city}, &cityView)
	e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), q, map[string]any{"r": city}, &countyView)
	if len(cityView.Dashboard.Columns) != 5 || len(cityView.Dashboard.Rows) != 26 {
		t.Fatalf("city view: %d columns, %d rows; want 5 and 26", len(cityView.Dashboard.Columns), len(cityView.Dashboard.Rows))
	}
	if len(countyView.Dashboard.Columns) != 1 || countyView.Dashboard.Columns[0].Code != countyA {
		t.Errorf("county view columns = %+v, want only its own", countyView.Dashboard.Columns)
	}
	for i, row := range cityView.Dashboard.Rows {
		cr := countyView.Dashboard.Rows[i]
		if (row.Total.Value == nil) != (cr.Total.Value == nil) || (row.Total.Value != nil && *row.Total.Value != *cr.Total.Value) {
			t.Errorf("%s: the county sees total %v, the city %v", row.Indicator.Code, cr.Total.Value, row.Total.Value)
		}
		if len(row.Cells) != 5 || len(cr.Cells) != 1 || cr.Cells[0].Region.Code != countyA {
			t.Errorf("%s: cells %d (city) and %d (county)", row.Indicator.Code, len(row.Cells), len(cr.Cells))
		}
		if row.Indicator.Code == "2.10" && *row.Total.Denominator != 538 {
			t.Errorf("2.10 total denominator = %v, want 538", *row.Total.Denominator)
		}
	}
	if r := e.Do(t, e.Token(t, countyA, auth.RoleReporter), q, map[string]any{"r": countyB}); r.Code() != "NOT_FOUND" {
		t.Errorf("a neighbour's dashboard: %s", r.Code())
	}
}
