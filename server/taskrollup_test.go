package server_test

import (
	"strings"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

const rollupQuery = `query($r: String!, $p: String!) { taskRollup(regionCode: $r, period: $p) {
	task { code level } outputs { code unit value } expected reporting done doneShare } }`

// taskRollupBy runs taskRollup and indexes the rows by task code.
func taskRollupBy(tb testing.TB, e *testenv.Env, token, region, per string) map[string]taskRollupJSON {
	tb.Helper()
	var out struct{ TaskRollup []taskRollupJSON }
	e.MustOK(tb, token, rollupQuery, map[string]any{"r": region, "p": per}, &out)
	by := map[string]taskRollupJSON{}
	for _, r := range out.TaskRollup {
		by[r.Task.Code] = r
	}
	return by
}

// outputOf returns a row's output of a code, and its unit.
func outputOf(r taskRollupJSON, code string) (float64, string, bool) {
	for _, o := range r.Outputs {
		if o.Code == code {
			return o.Value, o.Unit, true
		}
	}
	return 0, "", false
}

// taskSave is one measure's progress in a save.
type taskSave struct {
	task, status string
	outputs      map[string]float64
}

// mustReportTasks saves key-task progress for a region and period, submits it and has the city
// approve it.
func mustReportTasks(tb testing.TB, e *testenv.Env, region, per string, tasks ...taskSave) {
	tb.Helper()
	var list []any
	for _, ts := range tasks {
		var outs []any
		for k, v := range ts.outputs {
			outs = append(outs, map[string]any{"key": k, "value": v})
		}
		list = append(list, map[string]any{"task": ts.task, "status": ts.status, "outputs": outs})
	}
	in := saveVars(region, per, 0)
	in["in"].(map[string]any)["tasks"] = list
	clerk := e.Token(tb, region, auth.RoleReporter)
	var out map[string]any
	e.MustOK(tb, clerk, saveMutation, in, &out)
	MustDeclareRestMissing(tb, e, region, per) // key-task progress only: the figures are not the point here
	e.MustOK(tb, clerk, `mutation($r: String!, $p: String!) { submitSubmission(regionCode: $r, period: $p, expectedVersion: 1) { status } }`,
		map[string]any{"r": region, "p": per}, &out)
	e.MustOK(tb, e.Token(tb, city, auth.RoleReviewer), `mutation($r: String!, $p: String!) { approveSubmission(regionCode: $r, period: $p, expectedVersion: 2) { status } }`,
		map[string]any{"r": region, "p": per}, &out)
}

// TestTaskRollupExact: key-task figures are exact decimal sums, one row per output code, a
// task counts the counties that finished every measure they report, and a range FROM..TO
// reproduces the report's running totals without counting a county's year twice.
func TestTaskRollupExact(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	admin := e.Token(t, city, auth.RoleAdmin)

	t.Run("RangeReproducesReport", func(t *testing.T) {
		by := taskRollupBy(t, e, admin, city, "2021..2023Q1")
		// The report's running totals since 2021 (catalogue `reported`), measure by measure.
		for _, tt := range []struct {
			task, code, unit string
			want             float64
		}{
			{"2.3.3", "INSPECTIONS", "家次", 17162},
			{"2.3.3", "CASES", "起", 28},
			{"2.3.3", "FINES", "万元", 233.77},
			{"2.5.1", "CASES", "起", 14}, // 14件: 件 and 起 both count cases
			{"2.5.1", "FINES", "万元", 53.83},
			{"2.6.3", "CASES", "起", 53},
			{"3.3.1", "CASES", "起", 35},
			{"3.3.1", "FINES", "万元", 93.31},
			{"3.3.2", "CASES", "起", 9},
			{"3.3.2", "FINES", "万元", 4.89},
			{"4.1.3", "CASES", "起", 1158},
			{"4.2.4", "CASES", "起", 311},
			{"4.2.4", "EVENTS", "次", 20},
			// Tasks and sub-tasks, exactly: 233.77 + 53.83 is 287.6, not 287.59999999999997.
			{"2", "FINES", "万元", 287.6},
			{"2", "CASES", "起", 28 + 14 + 53},
			{"3.3", "FINES", "万元", 98.2},
			{"3", "CASES", "起", 44},
			{"4", "CASES", "起", 1158 + 311},
		} {
			t.Run(tt.task+"_"+tt.code, func(t *testing.T) {
				v, unit, ok := outputOf(by[tt.task], tt.code)
				if !ok || v != tt.want || unit != tt.unit {
					t.Errorf("%s %s = %v %s (present %v), want exactly %v %s", tt.task, tt.code, v, unit, ok, tt.want, tt.unit)
				}
			})
		}
		// Progress over the range is the latest period's: everyone was at work in 2021; by
		// 2023 Q1 four of five counties report 2.3.3 DONE.
		if m := by["2.3.3"]; m.Done != 4 || m.Reporting != 5 || m.DoneShare == nil || *m.DoneShare != 0.8 {
			t.Errorf("2.3.3 over 2021..2023Q1 = %+v, want 4 of 5 done", m)
		}
		if m := taskRollupBy(t, e, admin, city, "2021")["2.3.3"]; m.Done != 0 || m.Reporting != 5 {
			t.Errorf("2.3.3 in 2021 = %+v, want 5 reporting, none done", m)
		}
	})

	t.Run("OneRowPerCode", func(t *testing.T) {
		for _, per := range []string{"2022", "2021..2023Q1"} {
			for code, r := range taskRollupBy(t, e, admin, city, per) {
				seen := map[string]string{}
				for _, o := range r.Outputs {
					if u, dup := seen[o.Code]; dup {
						t.Errorf("%s task %s: %s twice (%s and %s)", per, code, o.Code, u, o.Unit)
					}
					seen[o.Code] = o.Unit
				}
			}
		}
	})

	// 2024: every county reports 2.3.3; four report 2.5.1 too. 南山县 (419921) leaves 2.5.1 out:
	// a measure a county does not report does not apply to it. 中原县 (419923) is still at
	// work on 2.5.1. Fines 0.1 + 0.2 must read 0.3.
	MustOpen(t, e, "2024")
	for _, c := range []struct {
		region, status251 string
		fines             float64
	}{
		{countyA, "DONE", 0.1}, {countyB, "DONE", 0.2}, {"419921", "", 0}, {"419922", "DONE", 0}, {"419923", "IN_PROGRESS", 0},
	} {
		tasks := []taskSave{{task: "2.3.3", status: "DONE", outputs: map[string]float64{"CASES": 1, "FINES": c.fines}}}
		if c.status251 != "" {
			tasks = append(tasks, taskSave{task: "2.5.1", status: c.status251, outputs: map[string]float64{"CASES": 2}})
		}
		mustReportTasks(t, e, c.region, "2024", tasks...)
	}
	t.Run("DoneCountsFinishedCounties", func(t *testing.T) {
		by := taskRollupBy(t, e, admin, city, "2024")
		for _, tt := range []struct {
			task            string
			reporting, done int
			doneShare       float64
		}{
			{"2", 5, 4, 0.8},
			{"2.3", 5, 5, 1},
			{"2.5", 4, 3, 0.6},
			{"2.5.1", 4, 3, 0.6},
			{"3", 0, 0, 0},
		} {
			t.Run(tt.task, func(t *testing.T) {
				r := by[tt.task]
				if r.Expected != 5 || r.Reporting != tt.reporting || r.Done != tt.done || r.DoneShare == nil || *r.DoneShare != tt.doneShare {
					t.Errorf("task %s = %+v, want 5 expected, %d reporting, %d done (%v)", tt.task, r, tt.reporting, tt.done, tt.doneShare)
				}
			})
		}
		if v, _, _ := outputOf(by["2.3.3"], "FINES"); v != 0.3 {
			t.Errorf("2.3.3 FINES = %v, want exactly 0.3", v)
		}
		if v, _, _ := outputOf(by["2"], "CASES"); v != 5+2*4 {
			t.Errorf("task 2 CASES = %v, want 13 (5 of 2.3.3 起, 8 of 2.5.1 件)", v)
		}
	})

	// 2025: 东城区 has a yearly submission (10 cases, DONE) and quarters (3, IN_PROGRESS; 4,
	// DONE); 西城区 has quarters only (2 and 5, both IN_PROGRESS).
	for _, p := range []string{"2025", "2025Q1", "2025Q2"} {
		MustOpen(t, e, p)
	}
	report := func(region, per, status string, cases float64) {
		t.Helper()
		mustReportTasks(t, e, region, per, taskSave{task: "2.3.3", status: status, outputs: map[string]float64{"CASES": cases}})
	}
	report(countyA, "2025", "DONE", 10)
	report(countyA, "2025Q1", "IN_PROGRESS", 3)
	report(countyA, "2025Q2", "DONE", 4)
	report(countyB, "2025Q1", "IN_PROGRESS", 2)
	report(countyB, "2025Q2", "IN_PROGRESS", 5)
	t.Run("RangeCountsAYearOnce", func(t *testing.T) {
		for _, tt := range []struct {
			name, per       string
			cases           float64
			reporting, done int
		}{
			// The whole year: 东城区's yearly submission, not its quarters too; 西城区's quarters.
			{"WholeYear", "2025Q1..2025Q4", 10 + 2 + 5, 2, 1},
			{"YearAsRange", "2025..2025", 10 + 2 + 5, 2, 1},
			// Half a year: the quarters; the status is the latest quarter's (东城区 DONE in Q2).
			{"HalfYear", "2025..2025Q2", 3 + 4 + 2 + 5, 2, 1},
			{"FirstQuarter", "2025Q1..2025Q1", 3 + 2, 2, 0},
			// 2024 and 2025: 西城区's latest word is 2025 Q2's IN_PROGRESS.
			{"AcrossYears", "2024..2025", 5 + 10 + 2 + 5, 5, 4},
		} {
			t.Run(tt.name, func(t *testing.T) {
				m := taskRollupBy(t, e, admin, city, tt.per)["2.3.3"]
				if v, _, _ := outputOf(m, "CASES"); v != tt.cases || m.Reporting != tt.reporting || m.Done != tt.done {
					t.Errorf("2.3.3 over %s: %v cases, %d reporting, %d done; want %v, %d, %d", tt.per, v, m.Reporting, m.Done, tt.cases, tt.reporting, tt.done)
				}
			})
		}
	})

	// Above a county, the city's roll-up is read only as published, period by period: a range
	// is not visible; in 2025 only 东城区 and 西城区 reported, so the published 2025 total is
	// withheld from every county (two counties' figures: each would read the other's).
	t.Run("RangeSmallCell", func(t *testing.T) {
		if r := e.Do(t, e.Token(t, countyA, auth.RoleReporter), rollupQuery, map[string]any{"r": city, "p": "2025..2025Q2"}); r.Code() != "NOT_FOUND" {
			t.Errorf("a county reads the city's roll-up over a range: %s %+v", r.Code(), r.Errors)
		}
		MustPublish(t, e, city, "2025")
		for _, county := range []string{countyA, "419921"} {
			for code, r := range taskRollupBy(t, e, e.Token(t, county, auth.RoleReporter), city, "2025") {
				if len(r.Outputs) > 0 {
					t.Errorf("to %s, task %s outputs of two counties shown: %+v", county, code, r.Outputs)
				}
			}
		}
		if r := e.Do(t, e.Token(t, countyA, auth.RoleReporter), `{ taskRollup(regionCode: "419900", period: "2021..2025", includeUnapproved: true) { outputs { value } } }`, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("a county's preview of the city over a range: %s", r.Code())
		}
	})

	t.Run("BadRange", func(t *testing.T) {
		// Refused naming the field, the value and what is wrong with it.
		for _, tt := range []struct{ name, per, reason string }{
			{"EndsBeforeStart", "2023..2021", "截止期间早于起始期间"},
			{"MalformedEnd", "2021..2023Q5", `截止期间 "2023Q5"`},
			{"MalformedStart", "21..2023", `起始期间 "21"`},
			{"NoEnd", "2021..", `截止期间 ""`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := e.Do(t, admin, rollupQuery, map[string]any{"r": city, "p": tt.per})
				if r.Code() != "BAD_USER_INPUT" {
					t.Fatalf("period %q: %s %+v, want BAD_USER_INPUT", tt.per, r.Code(), r.Errors)
				}
				if ext := r.Errors[0].Extensions; ext["field"] != "period" || ext["value"] != tt.per || !strings.Contains(r.Errors[0].Message, tt.per) || !strings.Contains(r.Errors[0].Message, tt.reason) {
					t.Errorf("period %q: error %+v does not name the field and the value", tt.per, r.Errors[0])
				}
			})
		}
	})
}
