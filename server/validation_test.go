package server_test

// Every validation rule of saveDataValues, the version and period checks, and the workflow's
// state checks, through the real handler with real tokens. Each refusal is checked three
// ways: the error (code, extensions.refused, message), the submission as the API shows it,
// and the rows the owner counts past row-level security — a refused request changes nothing.

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"planapi/auth"
	"planapi/testenv"
)

// saveInput builds saveDataValues variables with values and key-task progress.
func saveInput(region, period string, version int, values []vals, tasks []vals) map[string]any {
	list := make([]any, len(values))
	for i, v := range values {
		list[i] = map[string]any(v)
	}
	in := map[string]any{"regionCode": region, "period": period, "expectedVersion": version, "values": list}
	if tasks != nil {
		tl := make([]any, len(tasks))
		for i, t := range tasks {
			tl[i] = map[string]any(t)
		}
		in["tasks"] = tl
	}
	return map[string]any{"in": in}
}

// submissionSnapshot is everything a refused request must leave as it was.
type submissionSnapshot struct {
	// Submission is the submission as the API shows it ("null" when there is none).
	Submission string
	// Rows counts, as the owner sees them past row-level security, the region's submissions,
	// data values, task reports and audit rows over all periods.
	Rows [4]int64
}

const snapshotQuery = `query($r: String!, $p: String!) {
  submission(regionCode: $r, period: $p) {
    status version createdAt updatedAt updatedBy
    values { element { code } value comment updatedAt updatedBy }
    taskProgress { task { code } status narrative outputs { output { key } value } updatedAt updatedBy }
  }
}`

// mustSnapshot reads a region's submission for a period through the API (as the city's
// analyst) and counts the region's rows as the owner.
func mustSnapshot(tb testing.TB, e *testenv.Env, region, period string) submissionSnapshot {
	tb.Helper()
	var out struct{ Submission json.RawMessage }
	e.MustOK(tb, e.Token(tb, city, auth.RoleAnalyst), snapshotQuery, map[string]any{"r": region, "p": period}, &out)
	s := submissionSnapshot{Submission: string(out.Submission)}
	err := e.Owner.Raw(`WITH s AS (SELECT id FROM submissions WHERE region_code = ?)
		SELECT (SELECT count(*) FROM s),
		       (SELECT count(*) FROM data_values WHERE submission_id IN (SELECT id FROM s)),
		       (SELECT count(*) FROM task_reports WHERE submission_id IN (SELECT id FROM s)),
		       (SELECT count(*) FROM audit_log WHERE submission_id IN (SELECT id FROM s))`, region).
		Row().Scan(&s.Rows[0], &s.Rows[1], &s.Rows[2], &s.Rows[3])
	if err != nil {
		tb.Fatalf("count rows of %s: %v", region, err)
	}
	return s
}

// mustUnchanged fails the test when the region's submission for period or its rows differ
// from before.
func mustUnchanged(tb testing.TB, e *testenv.Env, region, period string, before submissionSnapshot) {
	tb.Helper()
	after := mustSnapshot(tb, e, region, period)
	if after.Submission != before.Submission {
		tb.Errorf("submission %s %s changed:\nbefore %s\nafter  %s", region, period, before.Submission, after.Submission)
	}
	if after.Rows != before.Rows {
		tb.Errorf("rows of %s (submissions, data_values, task_reports, audit_log) = %v, were %v", region, after.Rows, before.Rows)
	}
}

// mustVersion returns the version of a submission, 0 when there is none.
func mustVersion(tb testing.TB, e *testenv.Env, region, period string) int {
	tb.Helper()
	var out struct{ Submission *struct{ Version int } }
	e.MustOK(tb, e.Token(tb, city, auth.RoleAnalyst), `query($r: String!, $p: String!) { submission(regionCode: $r, period: $p) { version } }`,
		map[string]any{"r": region, "p": period}, &out)
	if out.Submission == nil {
		return 0
	}
	return out.Submission.Version
}

// mustRefuse checks that a response is exactly one error with the code, on no data.
func mustRefuse(tb testing.TB, r *testenv.Response, code string) testenv.Error {
	tb.Helper()
	if r.Status != http.StatusOK {
		tb.Fatalf("status %d, want 200: %+v", r.Status, r.Errors)
	}
	if len(r.Errors) != 1 || r.Code() != code {
		tb.Fatalf("errors = %+v, want one %s", r.Errors, code)
	}
	if d := strings.TrimSpace(string(r.Data)); d != "null" && d != "" {
		tb.Errorf("data = %s, want null", d)
	}
	return r.Errors[0]
}

// refusedValues returns extensions.refused of a BAD_USER_INPUT error as "ELEMENT RULE value"
// lines ("-" for no value), sorted, checking that each entry's message names its element.
func refusedValues(tb testing.TB, r *testenv.Response) []string {
	tb.Helper()
	err := mustRefuse(tb, r, "BAD_USER_INPUT")
	list, ok := err.Extensions["refused"].([]any)
	if !ok {
		tb.Fatalf("extensions.refused = %#v, want a list", err.Extensions["refused"])
	}
	var out []string
	for _, item := range list {
		m, _ := item.(map[string]any)
		el, _ := m["element"].(string)
		rule, _ := m["rule"].(string)
		msg, _ := m["message"].(string)
		if !strings.Contains(msg, strings.TrimPrefix(el, "task ")) {
			tb.Errorf("refused message %q does not name %s", msg, el)
		}
		v := "-"
		if f, ok := m["value"].(float64); ok {
			v = strconv.FormatFloat(f, 'f', -1, 64)
		} else if m["value"] != nil {
			tb.Errorf("refused value %#v is not a number", m["value"])
		}
		out = append(out, el+" "+rule+" "+v)
	}
	slices.Sort(out)
	return out
}

// TestSaveRefusesInvalidValues sends every kind of refused value, on a submission that
// already exists and on one that does not, and checks that the error names each refused
// value and that nothing was saved.
func TestSaveRefusesInvalidValues(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	for _, p := range []string{"2023", "2024", "2025", "2024Q1", "2025Q1"} {
		MustOpen(t, e, p)
	}
	clerks := map[string]string{}
	for _, r := range []string{countyA, countyB, city} {
		clerks[r] = e.Token(t, r, auth.RoleReporter)
	}
	countyClerk, cityClerk := clerks[countyA], clerks[city]

	type target struct{ region, period string }
	// Where each kind of case runs: an existing submission (seeded below) and a new one.
	// Refused requests change nothing, so cases share these submissions and run in parallel.
	targets := map[string]map[string]target{
		"county":      {"Existing": {countyA, "2024"}, "New": {countyB, "2024"}},
		"city":        {"Existing": {city, "2024"}, "New": {city, "2025"}},
		"cityQuarter": {"Existing": {city, "2024Q1"}, "New": {city, "2025Q1"}},
	}
	var seeded struct{ SaveDataValues subJSON }
	e.MustOK(t, countyClerk, saveMutation, saveInput(countyA, "2024", 0, []vals{
		{"element": "TIPS_RECEIVED", "value": 10}, {"element": "TIPS_VERIFIED_ON_TIME", "value": 8},
		{"element": "IP_BATCHES_INSPECTED", "value": 10, "comment": "含专项抽查"},
	}, []vals{{"task": "2.1.2", "status": "IN_PROGRESS", "narrative": "已立案", "outputs": []any{map[string]any{"key": "CASES", "value": 1}}}}), &seeded)
	e.MustOK(t, cityClerk, saveMutation, saveVars(city, "2024", 0,
		vals{"element": "SMART_PLATFORM_INTEGRATION", "value": 50}, vals{"element": "DRUG_SAFETY_SATISFACTION", "value": 80},
		vals{"element": "PRO_BUSINESS_POLICIES", "value": 3}), &seeded)
	e.MustOK(t, cityClerk, saveMutation, saveVars(city, "2024Q1", 0, vals{"element": "PRO_BUSINESS_POLICIES", "value": 1}), &seeded)

	long := strings.Repeat("长", 2001)
	// NOT_A_NUMBER is not here: JSON has no NaN or Infinity, so no request can carry one.
	// BAD_TASK_STATUS neither: TaskStatus is an enum the executor checks first.
	cases := []struct {
		name         string
		at           string // a key of targets
		existingOnly bool   // the case needs the seeded values
		values       []vals
		tasks        []vals
		want         []string // refusedValues lines
		msgHas       []string // the error message names these
		msgPeriod    bool     // ... and the target's period
	}{
		{name: "ErrNegative", at: "county",
			values: []vals{{"element": "FOOD_SAMPLE_BATCHES", "value": -3}},
			want:   []string{"FOOD_SAMPLE_BATCHES NEGATIVE -3"}, msgHas: []string{"FOOD_SAMPLE_BATCHES", "-3"}},
		{name: "ErrNotInteger", at: "county",
			values: []vals{{"element": "FOOD_SAMPLE_BATCHES", "value": 2.5}},
			want:   []string{"FOOD_SAMPLE_BATCHES NOT_INTEGER 2.5"}, msgHas: []string{"FOOD_SAMPLE_BATCHES", "2.5"}},
		{name: "ErrNegativeFraction", at: "county",
			values: []vals{{"element": "FOOD_SAMPLE_BATCHES", "value": -0.5}},
			want:   []string{"FOOD_SAMPLE_BATCHES NEGATIVE -0.5", "FOOD_SAMPLE_BATCHES NOT_INTEGER -0.5"}, msgHas: []string{"FOOD_SAMPLE_BATCHES", "-0.5"}},
		{name: "ErrPercentRange", at: "city",
			values: []vals{{"element": "SMART_PLATFORM_INTEGRATION", "value": 100.5}},
			want:   []string{"SMART_PLATFORM_INTEGRATION PERCENT_RANGE 100.5"}, msgHas: []string{"SMART_PLATFORM_INTEGRATION", "100.5"}},
		{name: "ErrPercentNegative", at: "city",
			values: []vals{{"element": "SMART_PLATFORM_INTEGRATION", "value": -1}},
			want:   []string{"SMART_PLATFORM_INTEGRATION NEGATIVE -1"}, msgHas: []string{"SMART_PLATFORM_INTEGRATION", "-1"}},
		{name: "ErrScoreRange", at: "city",
			values: []vals{{"element": "DRUG_SAFETY_SATISFACTION", "value": 101}},
			want:   []string{"DRUG_SAFETY_SATISFACTION SCORE_RANGE 101"}, msgHas: []string{"DRUG_SAFETY_SATISFACTION", "101"}},
		{name: "ErrPartExceedsWhole", at: "county",
			values: []vals{{"element": "IP_BATCHES_INSPECTED", "value": 5}, {"element": "IP_BATCHES_FAILED", "value": 6}},
			want:   []string{"IP_BATCHES_FAILED PART_EXCEEDS_WHOLE 6"}, msgHas: []string{"IP_BATCHES_FAILED", "6", "IP_BATCHES_INSPECTED", "5"}},
		{name: "ErrPartExceedsSavedWhole", at: "county", existingOnly: true, // inspected 10 saved
			values: []vals{{"element": "IP_BATCHES_FAILED", "value": 11}},
			want:   []string{"IP_BATCHES_FAILED PART_EXCEEDS_WHOLE 11"}, msgHas: []string{"IP_BATCHES_FAILED", "11", "IP_BATCHES_INSPECTED", "10"}},
		{name: "ErrWholeBelowSavedPart", at: "county", existingOnly: true, // verified 8 of 10 saved
			values: []vals{{"element": "TIPS_RECEIVED", "value": 7}},
			want:   []string{"TIPS_VERIFIED_ON_TIME PART_EXCEEDS_WHOLE 8"}, msgHas: []string{"TIPS_VERIFIED_ON_TIME", "8", "TIPS_RECEIVED", "7"}},
		{name: "ErrWrongLevelCountyEntersCityElement", at: "county",
			values: []vals{{"element": "PRO_BUSINESS_POLICIES", "value": 2}},
			want:   []string{"PRO_BUSINESS_POLICIES WRONG_LEVEL 2"}, msgHas: []string{"PRO_BUSINESS_POLICIES", "由市级填报"}},
		{name: "ErrWrongLevelCityEntersCountyElement", at: "city",
			values: []vals{{"element": "TIPS_RECEIVED", "value": 4}},
			want:   []string{"TIPS_RECEIVED WRONG_LEVEL 4"}, msgHas: []string{"TIPS_RECEIVED", "由县级填报"}},
		{name: "ErrWrongPeriodType", at: "cityQuarter", // SMART_PLATFORM_INTEGRATION is YEARLY only
			values: []vals{{"element": "SMART_PLATFORM_INTEGRATION", "value": 60}},
			want:   []string{"SMART_PLATFORM_INTEGRATION WRONG_PERIOD_TYPE 60"}, msgHas: []string{"SMART_PLATFORM_INTEGRATION", "不按季度填报"}, msgPeriod: true},
		{name: "ErrUnknownElement", at: "county",
			values: []vals{{"element": "NO_SUCH_ELEMENT", "value": 1}},
			want:   []string{"NO_SUCH_ELEMENT UNKNOWN_ELEMENT 1"}, msgHas: []string{"NO_SUCH_ELEMENT"}},
		{name: "ErrDuplicateElement", at: "county",
			values: []vals{{"element": "TIPS_RECEIVED", "value": 12}, {"element": "TIPS_RECEIVED", "value": 13}},
			want:   []string{"TIPS_RECEIVED DUPLICATE_ELEMENT 13"}, msgHas: []string{"TIPS_RECEIVED"}},
		{name: "ErrCommentTooLong", at: "county",
			values: []vals{{"element": "TIPS_RECEIVED", "value": 12, "comment": long}},
			want:   []string{"TIPS_RECEIVED COMMENT_TOO_LONG 12"}, msgHas: []string{"TIPS_RECEIVED", "2000"}},
		{name: "ErrMixedGoodAndBad", at: "county",
			values: []vals{
				{"element": "TIPS_RECEIVED", "value": 20},            // good
				{"element": "COMPLAINTS_RECEIVED", "value": 9},       // good
				{"element": "FOOD_BUSINESSES", "value": -1},          // NEGATIVE
				{"element": "IP_BATCHES_INSPECTED", "value": 2.5},    // NOT_INTEGER
				{"element": "CATERING_UNITS", "value": -0.5},         // NEGATIVE and NOT_INTEGER
				{"element": "PRO_BUSINESS_POLICIES", "value": 1},     // WRONG_LEVEL
				{"element": "NO_SUCH_ELEMENT", "value": 7},           // UNKNOWN_ELEMENT
				{"element": "TIPS_RECEIVED", "value": 21},            // DUPLICATE_ELEMENT
				{"element": "ELEVATORS_PASSENGER", "value": 5},       // good alone...
				{"element": "ELEVATORS_ON_PLATFORM", "value": 6},     // ...PART_EXCEEDS_WHOLE
				{"element": "COMPLAINTS_CLOSED_ON_TIME", "value": 9}, // good: equals its whole
			},
			tasks: []vals{
				{"task": "9.9.9", "status": "DONE"}, // UNKNOWN_TASK
				{"task": "2.3.3", "status": "IN_PROGRESS", "outputs": []any{map[string]any{"key": "CASES", "value": -1}}}, // NEGATIVE
			},
			want: []string{
				"CATERING_UNITS NEGATIVE -0.5", "CATERING_UNITS NOT_INTEGER -0.5",
				"ELEVATORS_ON_PLATFORM PART_EXCEEDS_WHOLE 6",
				"FOOD_BUSINESSES NEGATIVE -1",
				"IP_BATCHES_INSPECTED NOT_INTEGER 2.5",
				"NO_SUCH_ELEMENT UNKNOWN_ELEMENT 7",
				"PRO_BUSINESS_POLICIES WRONG_LEVEL 1",
				"TIPS_RECEIVED DUPLICATE_ELEMENT 21",
				"task 2.3.3 NEGATIVE -1",
				"task 9.9.9 UNKNOWN_TASK -",
			},
			msgHas: []string{"10 项数据被拒绝", "FOOD_BUSINESSES", "IP_BATCHES_INSPECTED", "2.5", "CATERING_UNITS", "-0.5", "NO_SUCH_ELEMENT", "9.9.9"}},

		// Key-task progress.
		{name: "ErrUnknownTask", at: "county",
			tasks: []vals{{"task": "9.9.9", "status": "IN_PROGRESS"}},
			want:  []string{"task 9.9.9 UNKNOWN_TASK -"}, msgHas: []string{"9.9.9"}},
		{name: "ErrNotAMeasure", at: "county", // a sub-task
			tasks: []vals{{"task": "2.3", "status": "DONE"}},
			want:  []string{"task 2.3 NOT_A_MEASURE -"}, msgHas: []string{"2.3", "子任务"}},
		{name: "ErrNotAMeasureKeyTask", at: "county",
			tasks: []vals{{"task": "2", "narrative": "x"}},
			want:  []string{"task 2 NOT_A_MEASURE -"}, msgHas: []string{"任务 2 ", "重点任务"}},
		{name: "ErrUnknownOutput", at: "county",
			tasks: []vals{{"task": "2.1.2", "outputs": []any{map[string]any{"key": "TRAINEES", "value": 3}}}},
			want:  []string{"task 2.1.2 UNKNOWN_OUTPUT 3"}, msgHas: []string{"2.1.2", "TRAINEES"}},
		{name: "ErrNegativeOutput", at: "county",
			tasks: []vals{{"task": "2.1.2", "outputs": []any{map[string]any{"key": "CASES", "value": -2}}}},
			want:  []string{"task 2.1.2 NEGATIVE -2"}, msgHas: []string{"2.1.2", "CASES", "-2"}},
		{name: "ErrNotIntegerOutput", at: "county", // FINES may be fractional, CASES not
			tasks: []vals{{"task": "2.1.2", "outputs": []any{map[string]any{"key": "CASES", "value": 1.5}, map[string]any{"key": "FINES", "value": 0.25}}}},
			want:  []string{"task 2.1.2 NOT_INTEGER 1.5"}, msgHas: []string{"2.1.2", "CASES", "1.5"}},
		{name: "ErrDuplicateTask", at: "county",
			tasks: []vals{{"task": "2.1.2", "status": "DONE"}, {"task": "2.1.2", "status": "IN_PROGRESS"}},
			want:  []string{"task 2.1.2 DUPLICATE_TASK -"}, msgHas: []string{"2.1.2"}},
		{name: "ErrDuplicateOutput", at: "county",
			tasks: []vals{{"task": "2.1.2", "outputs": []any{map[string]any{"key": "CASES", "value": 1}, map[string]any{"key": "CASES", "value": 2}}}},
			want:  []string{"task 2.1.2 DUPLICATE_OUTPUT 2"}, msgHas: []string{"2.1.2", "CASES"}},
		{name: "ErrNarrativeTooLong", at: "county",
			tasks: []vals{{"task": "2.1.2", "narrative": strings.Repeat("述", 10001)}},
			want:  []string{"task 2.1.2 NARRATIVE_TOO_LONG -"}, msgHas: []string{"2.1.2", "10000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, kind := range []string{"Existing", "New"} {
				if c.existingOnly && kind == "New" {
					continue
				}
				t.Run(kind, func(t *testing.T) {
					tg := targets[c.at][kind]
					clerk := clerks[tg.region]
					before := mustSnapshot(t, e, tg.region, tg.period)
					version := mustVersion(t, e, tg.region, tg.period)
					if (version > 0) != (kind == "Existing") {
						t.Fatalf("%s %s has version %d: the case needs a %s submission", tg.region, tg.period, version, kind)
					}
					r := e.Do(t, clerk, saveMutation, saveInput(tg.region, tg.period, version, c.values, c.tasks))
					got := refusedValues(t, r)
					want := slices.Sorted(slices.Values(c.want))
					if !slices.Equal(got, want) {
						t.Errorf("refused (%d):\n  %s\nwant (%d):\n  %s", len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
					}
					msg := r.Errors[0].Message
					has := c.msgHas
					if c.msgPeriod {
						has = append(slices.Clip(has), tg.period)
					}
					for _, s := range has {
						if !strings.Contains(msg, s) {
							t.Errorf("message %q does not name %q", msg, s)
						}
					}
					if !strings.Contains(msg, "未保存任何数据") {
						t.Errorf("message %q does not say that nothing was saved", msg)
					}
					mustUnchanged(t, e, tg.region, tg.period, before)
				})
			}
		})
	}

	// The limits themselves are allowed: the rules refuse only what they name. Not parallel:
	// it writes the city's 2023 submission, and the parallel cases above count the city's
	// rows; a subtest that is not parallel finishes before they start.
	t.Run("OKBoundaries", func(t *testing.T) {
		const county = "419921"
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, e.Token(t, county, auth.RoleReporter), saveMutation, saveVars(county, "2024", 0,
			vals{"element": "IP_BATCHES_INSPECTED", "value": 0}, vals{"element": "IP_BATCHES_FAILED", "value": 0},
			vals{"element": "TIPS_RECEIVED", "value": 1e6}, vals{"element": "TIPS_VERIFIED_ON_TIME", "value": 1e6},
		), &out)
		if s := out.SaveDataValues; s.Version != 1 || len(s.Values) != 4 {
			t.Errorf("county save = %+v, want version 1 with 4 values", s)
		}
		e.MustOK(t, cityClerk, saveMutation, saveVars(city, "2023", 0,
			vals{"element": "SMART_PLATFORM_INTEGRATION", "value": 100}, vals{"element": "DRUG_SAFETY_SATISFACTION", "value": 0},
			vals{"element": "FOOD_SAFETY_SATISFACTION", "value": 99.5}, vals{"element": "CITY_EMERGENCY_DRILLS", "value": 3},
		), &out)
		s := out.SaveDataValues
		for code, want := range map[string]float64{"SMART_PLATFORM_INTEGRATION": 100, "DRUG_SAFETY_SATISFACTION": 0, "FOOD_SAFETY_SATISFACTION": 99.5, "CITY_EMERGENCY_DRILLS": 3} {
			if v, ok := s.value(code); !ok || v != want {
				t.Errorf("%s = %v (stored %v), want %v", code, v, ok, want)
			}
		}
	})

	t.Run("OKTaskProgress", func(t *testing.T) {
		t.Parallel()
		const county = "419922"
		clerk := e.Token(t, county, auth.RoleReporter)
		const q = `mutation($in: SaveDataValuesInput!) {
		  saveDataValues(input: $in) {
		    version
		    taskProgress { task { code level } status narrative outputs { output { key code } value } updatedBy }
		  }
		}`
		type progress struct {
			Task      struct{ Code string }
			Status    string
			Narrative string
			Outputs   []struct {
				Output struct{ Key, Code string }
				Value  float64
			}
			UpdatedBy string
		}
		var out struct {
			SaveDataValues struct {
				Version      int
				TaskProgress []progress
			}
		}
		e.MustOK(t, clerk, q, saveInput(county, "2024", 0, nil, []vals{
			{"task": "2.1.2", "status": "IN_PROGRESS", "narrative": "查处网络传销案件1起", "outputs": []any{
				map[string]any{"key": "CASES", "value": 1}, map[string]any{"key": "FINES", "value": 12.5}}},
			{"task": "1.4.3", "status": "DONE", "outputs": []any{map[string]any{"key": "ITEMS_2", "value": 148}}},
		}), &out)
		check := func(where string, got []progress) {
			t.Helper()
			byTask := map[string]progress{}
			for _, p := range got {
				byTask[p.Task.Code] = p
			}
			if len(got) != 2 {
				t.Fatalf("%s: taskProgress = %+v, want 2 measures", where, got)
			}
			p := byTask["2.1.2"]
			if p.Status != "IN_PROGRESS" || p.Narrative != "查处网络传销案件1起" || p.UpdatedBy != "reporter-"+county {
				t.Errorf("%s: 2.1.2 = %+v", where, p)
			}
			outs := map[string]float64{}
			for _, o := range p.Outputs {
				outs[o.Output.Key] = o.Value
			}
			if len(outs) != 2 || outs["CASES"] != 1 || outs["FINES"] != 12.5 {
				t.Errorf("%s: 2.1.2 outputs = %v, want CASES 1, FINES 12.5", where, outs)
			}
			p = byTask["1.4.3"]
			if p.Status != "DONE" || p.Narrative != "" || len(p.Outputs) != 1 || p.Outputs[0].Output.Key != "ITEMS_2" || p.Outputs[0].Output.Code != "ITEMS" || p.Outputs[0].Value != 148 {
				t.Errorf("%s: 1.4.3 = %+v, want DONE with ITEMS_2 = 148", where, p)
			}
		}
		if out.SaveDataValues.Version != 1 {
			t.Errorf("version = %d, want 1", out.SaveDataValues.Version)
		}
		check("saveDataValues", out.SaveDataValues.TaskProgress)

		var read struct {
			Submission struct{ TaskProgress []progress }
		}
		e.MustOK(t, e.Token(t, city, auth.RoleReviewer), `{ submission(regionCode: "419922", period: "2024") {
		  taskProgress { task { code level } status narrative outputs { output { key code } value } updatedBy } } }`, nil, &read)
		check("submission", read.Submission.TaskProgress)

		// A later save changes only what it names: the narrative stays, one output is cleared.
		e.MustOK(t, clerk, q, saveInput(county, "2024", 1, nil, []vals{
			{"task": "2.1.2", "status": "DONE", "outputs": []any{map[string]any{"key": "FINES", "value": nil}}},
		}), &out)
		for _, p := range out.SaveDataValues.TaskProgress {
			if p.Task.Code == "2.1.2" && (p.Status != "DONE" || p.Narrative != "查处网络传销案件1起" || len(p.Outputs) != 1 || p.Outputs[0].Output.Key != "CASES") {
				t.Errorf("after the second save: 2.1.2 = %+v, want DONE, the narrative kept, only CASES", p)
			}
		}
	})
}

// TestSaveChecksVersion: a save must name the version it read; anything else is a CONFLICT
// that changes nothing.
func TestSaveChecksVersion(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		clerk := e.Token(t, "419921", auth.RoleReporter)
		var out struct{ SaveDataValues subJSON }
		for v := range 3 {
			e.MustOK(t, clerk, saveMutation, saveVars("419921", "2024", v, vals{"element": "TIPS_RECEIVED", "value": v}), &out)
			if out.SaveDataValues.Version != v+1 {
				t.Fatalf("save %d: version = %d, want %d", v, out.SaveDataValues.Version, v+1)
			}
		}
	})

	t.Run("ErrStaleVersion", func(t *testing.T) {
		t.Parallel()
		clerk := e.Token(t, countyA, auth.RoleReporter)
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 1}), &out)
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 1, vals{"element": "TIPS_RECEIVED", "value": 2}), &out)
		before := mustSnapshot(t, e, countyA, "2024")
		for _, stale := range []int{1, 3} { // behind and ahead of the current version 2
			r := e.Do(t, clerk, saveMutation, saveVars(countyA, "2024", stale, vals{"element": "TIPS_RECEIVED", "value": 99}))
			err := mustRefuse(t, r, "CONFLICT")
			if cv, _ := err.Extensions["currentVersion"].(float64); cv != 2 {
				t.Errorf("expectedVersion %d: currentVersion = %v, want 2", stale, err.Extensions["currentVersion"])
			}
		}
		mustUnchanged(t, e, countyA, "2024", before)
	})

	t.Run("ErrVersionOfMissingSubmission", func(t *testing.T) {
		t.Parallel()
		before := mustSnapshot(t, e, countyB, "2024")
		r := e.Do(t, e.Token(t, countyB, auth.RoleReporter), saveMutation, saveVars(countyB, "2024", 1, vals{"element": "TIPS_RECEIVED", "value": 1}))
		err := mustRefuse(t, r, "CONFLICT")
		if cv, ok := err.Extensions["currentVersion"].(float64); !ok || cv != 0 {
			t.Errorf("currentVersion = %v, want 0", err.Extensions["currentVersion"])
		}
		mustUnchanged(t, e, countyB, "2024", before)
		if before.Submission != "null" {
			t.Errorf("submission = %s before the test, want none", before.Submission)
		}
	})

	t.Run("ErrNegativeVersion", func(t *testing.T) {
		t.Parallel()
		before := mustSnapshot(t, e, "419922", "2024")
		r := e.Do(t, e.Token(t, "419922", auth.RoleReporter), saveMutation, saveVars("419922", "2024", -1, vals{"element": "TIPS_RECEIVED", "value": 1}))
		if err := mustRefuse(t, r, "BAD_USER_INPUT"); !strings.Contains(err.Message, "expectedVersion") {
			t.Errorf("message %q does not name expectedVersion", err.Message)
		}
		mustUnchanged(t, e, "419922", "2024", before)
	})
}

// TestSaveChecksPeriod: entry goes only into a well-formed period the city has opened and
// not closed, before its deadline.
func TestSaveChecksPeriod(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	admin := e.Token(t, city, auth.RoleAdmin)
	const openQ = `mutation($p: String!, $at: Time) { openPeriod(period: $p, closesAt: $at) { period open closesAt } }`
	const closeQ = `mutation($p: String!) { closePeriod(period: $p) { period open closesAt } }`

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		var out struct{ OpenPeriod struct{ Open bool } }
		e.MustOK(t, admin, openQ, map[string]any{"p": "2024Q2", "at": time.Now().Add(time.Hour).Format(time.RFC3339)}, &out)
		var s struct{ SaveDataValues subJSON }
		e.MustOK(t, e.Token(t, "419923", auth.RoleReporter), saveMutation, saveVars("419923", "2024Q2", 0, vals{"element": "TIPS_RECEIVED", "value": 5}), &s)
		if v, _ := s.SaveDataValues.value("TIPS_RECEIVED"); v != 5 || s.SaveDataValues.Version != 1 {
			t.Errorf("save = %+v", s.SaveDataValues)
		}
	})

	for name, bad := range map[string]string{"Q5": "2024Q5", "TwoDigits": "24", "LowerCaseQ": "2024q1", "TrailingSpace": "2024 ", "Month": "2024-01"} {
		t.Run("ErrBadPeriod/"+name, func(t *testing.T) {
			t.Parallel()
			before := mustSnapshot(t, e, countyA, "2024")
			r := e.Do(t, e.Token(t, countyA, auth.RoleReporter), saveMutation, saveVars(countyA, bad, 0, vals{"element": "TIPS_RECEIVED", "value": 1}))
			err := mustRefuse(t, r, "BAD_USER_INPUT")
			if !strings.Contains(err.Message, strconv.Quote(bad)) || !strings.Contains(err.Message, "period") {
				t.Errorf("message %q does not name the period %q", err.Message, bad)
			}
			if err.Extensions["field"] != "period" || err.Extensions["value"] != bad {
				t.Errorf("extensions = %v, want field period, value %q", err.Extensions, bad)
			}
			mustUnchanged(t, e, countyA, "2024", before)
		})
	}

	t.Run("ErrNotOpened", func(t *testing.T) {
		t.Parallel()
		before := mustSnapshot(t, e, countyB, "2025")
		r := e.Do(t, e.Token(t, countyB, auth.RoleReporter), saveMutation, saveVars(countyB, "2025", 0, vals{"element": "TIPS_RECEIVED", "value": 1}))
		err := mustRefuse(t, r, "BAD_USER_INPUT")
		if !strings.Contains(err.Message, "2025") || err.Extensions["field"] != "period" {
			t.Errorf("error %+v does not name the period 2025", err)
		}
		mustUnchanged(t, e, countyB, "2025", before)
	})

	t.Run("ErrDemoPeriodClosed", func(t *testing.T) {
		t.Parallel()
		before := mustSnapshot(t, e, countyB, "2023Q1")
		v := mustVersion(t, e, countyB, "2023Q1")
		r := e.Do(t, e.Token(t, countyB, auth.RoleReporter), saveMutation, saveVars(countyB, "2023Q1", v, vals{"element": "TIPS_RECEIVED", "value": 1}))
		mustRefuse(t, r, "BAD_USER_INPUT")
		mustUnchanged(t, e, countyB, "2023Q1", before)
	})

	t.Run("ErrClosed", func(t *testing.T) {
		t.Parallel()
		clerk := e.Token(t, "419921", auth.RoleReporter)
		MustOpen(t, e, "2024Q3")
		var s struct{ SaveDataValues subJSON }
		e.MustOK(t, clerk, saveMutation, saveVars("419921", "2024Q3", 0, vals{"element": "TIPS_RECEIVED", "value": 1}), &s)
		var out struct{ ClosePeriod struct{ Open bool } }
		e.MustOK(t, admin, closeQ, map[string]any{"p": "2024Q3"}, &out)
		if out.ClosePeriod.Open {
			t.Fatalf("closePeriod answered open")
		}
		before := mustSnapshot(t, e, "419921", "2024Q3")
		r := e.Do(t, clerk, saveMutation, saveVars("419921", "2024Q3", 1, vals{"element": "TIPS_RECEIVED", "value": 2}))
		if err := mustRefuse(t, r, "BAD_USER_INPUT"); !strings.Contains(err.Message, "2024Q3") {
			t.Errorf("message %q does not name the period", err.Message)
		}
		// Nor may the county submit into it.
		r = e.Do(t, clerk, `mutation { submitSubmission(regionCode: "419921", period: "2024Q3", expectedVersion: 1) { status } }`, nil)
		mustRefuse(t, r, "BAD_USER_INPUT")
		mustUnchanged(t, e, "419921", "2024Q3", before)
	})

	t.Run("ErrDeadlinePassed", func(t *testing.T) {
		t.Parallel()
		clerk := e.Token(t, "419922", auth.RoleReporter)
		var out struct{ OpenPeriod struct{ Open bool } }
		e.MustOK(t, admin, openQ, map[string]any{"p": "2024Q4", "at": time.Now().Add(time.Hour).Format(time.RFC3339)}, &out)
		var s struct{ SaveDataValues subJSON }
		e.MustOK(t, clerk, saveMutation, saveVars("419922", "2024Q4", 0, vals{"element": "TIPS_RECEIVED", "value": 1}), &s)
		// The deadline passes (rather than waiting for it).
		if err := e.Owner.Exec(`UPDATE reporting_periods SET closes_at = now() - interval '1 second' WHERE period = '2024Q4'`).Error; err != nil {
			t.Fatal(err)
		}
		before := mustSnapshot(t, e, "419922", "2024Q4")
		r := e.Do(t, clerk, saveMutation, saveVars("419922", "2024Q4", 1, vals{"element": "TIPS_RECEIVED", "value": 2}))
		if err := mustRefuse(t, r, "BAD_USER_INPUT"); !strings.Contains(err.Message, "2024Q4") || !strings.Contains(err.Message, "截止填报") {
			t.Errorf("message %q does not say that 2024Q4 closed", err.Message)
		}
		mustUnchanged(t, e, "419922", "2024Q4", before)
	})
}

// TestOpenClosePeriod: the city admin opens and closes periods; both are idempotent, and a
// deadline must lie ahead.
func TestOpenClosePeriod(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	admin := e.Token(t, city, auth.RoleAdmin)
	const openQ = `mutation($p: String!, $at: Time) { openPeriod(period: $p, closesAt: $at) { period open closesAt updatedAt updatedBy } }`
	const closeQ = `mutation($p: String!) { closePeriod(period: $p) { period open closesAt updatedAt updatedBy } }`
	type periodJSON struct {
		Period    string
		Open      bool
		ClosesAt  *time.Time
		UpdatedAt time.Time
		UpdatedBy string
	}
	type storedPeriod struct {
		Rows      int64
		Open      bool
		ClosesAt  *time.Time
		UpdatedAt time.Time
		UpdatedBy string
	}
	stored := func(t *testing.T, period string) storedPeriod {
		t.Helper()
		var sp storedPeriod
		err := e.Owner.Raw(`SELECT count(*) OVER (), open, closes_at, updated_at, updated_by FROM reporting_periods WHERE period = ?`, period).
			Row().Scan(&sp.Rows, &sp.Open, &sp.ClosesAt, &sp.UpdatedAt, &sp.UpdatedBy)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		return sp
	}
	sameTime := func(a, b *time.Time) bool { return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b)) }
	// twice sends a mutation twice and checks that the second call changed nothing and
	// answered the stored row, and that both answers say the same (updatedAt apart: see
	// AnswersStoredUpdatedAt).
	twice := func(t *testing.T, q string, vars map[string]any, field string) periodJSON {
		t.Helper()
		var out map[string]periodJSON
		e.MustOK(t, admin, q, vars, &out)
		first := out[field]
		s1 := stored(t, vars["p"].(string))
		e.MustOK(t, admin, q, vars, &out)
		second := out[field]
		s2 := stored(t, vars["p"].(string))
		if s1.Rows != 1 || s2.Rows != 1 {
			t.Errorf("%d, then %d rows for %s, want 1", s1.Rows, s2.Rows, vars["p"])
		}
		if s2.Open != s1.Open || !sameTime(s2.ClosesAt, s1.ClosesAt) || !s2.UpdatedAt.Equal(s1.UpdatedAt) || s2.UpdatedBy != s1.UpdatedBy {
			t.Errorf("the second call changed the row from %+v to %+v", s1, s2)
		}
		if second.Open != s2.Open || !sameTime(second.ClosesAt, s2.ClosesAt) || !second.UpdatedAt.Equal(s2.UpdatedAt) || second.UpdatedBy != s2.UpdatedBy {
			t.Errorf("second answer %+v is not the stored row %+v", second, s2)
		}
		if first.Period != second.Period || first.Open != second.Open || !sameTime(first.ClosesAt, second.ClosesAt) || first.UpdatedBy != second.UpdatedBy {
			t.Errorf("second answer %+v differs from the first %+v", second, first)
		}
		return first
	}

	t.Run("OpenTwice", func(t *testing.T) {
		t.Parallel()
		first := twice(t, openQ, map[string]any{"p": "2024"}, "openPeriod")
		if first.Period != "2024" || !first.Open || first.ClosesAt != nil || first.UpdatedBy != "admin-"+city {
			t.Errorf("openPeriod = %+v", first)
		}
	})

	t.Run("OpenWithDeadlineTwice", func(t *testing.T) {
		t.Parallel()
		at := time.Now().Add(24 * time.Hour).Truncate(time.Second)
		first := twice(t, openQ, map[string]any{"p": "2024Q1", "at": at.Format(time.RFC3339)}, "openPeriod")
		if !first.Open || first.ClosesAt == nil || !first.ClosesAt.Equal(at) {
			t.Errorf("openPeriod = %+v, want open until %v", first, at)
		}
	})

	t.Run("CloseTwice", func(t *testing.T) {
		t.Parallel()
		at := time.Now().Add(24 * time.Hour).Truncate(time.Second)
		var out struct{ OpenPeriod periodJSON }
		e.MustOK(t, admin, openQ, map[string]any{"p": "2024Q2", "at": at.Format(time.RFC3339)}, &out)
		first := twice(t, closeQ, map[string]any{"p": "2024Q2"}, "closePeriod")
		if first.Open || first.ClosesAt == nil || !first.ClosesAt.Equal(at) {
			t.Errorf("closePeriod = %+v, want closed, keeping the deadline %v", first, at)
		}
	})

	t.Run("CloseNeverOpened", func(t *testing.T) {
		t.Parallel()
		if first := twice(t, closeQ, map[string]any{"p": "2025Q2"}, "closePeriod"); first.Open {
			t.Errorf("closePeriod = %+v, want closed", first)
		}
	})

	t.Run("AnswersStoredUpdatedAt", func(t *testing.T) {
		t.Parallel()
		for _, step := range []struct{ q, field string }{{openQ, "openPeriod"}, {closeQ, "closePeriod"}, {openQ, "openPeriod"}} {
			var out map[string]periodJSON
			e.MustOK(t, admin, step.q, map[string]any{"p": "2025Q3"}, &out)
			if got, want := out[step.field].UpdatedAt, stored(t, "2025Q3").UpdatedAt; !got.Equal(want) {
				t.Errorf("%s answered updatedAt %v, stored %v", step.field, got, want)
			}
		}
	})

	t.Run("ErrDeadlineInPast", func(t *testing.T) {
		t.Parallel()
		for _, at := range []time.Time{time.Now().Add(-time.Minute), time.Now().Add(-365 * 24 * time.Hour)} {
			r := e.Do(t, admin, openQ, map[string]any{"p": "2025", "at": at.Format(time.RFC3339)})
			if err := mustRefuse(t, r, "BAD_USER_INPUT"); err.Extensions["field"] != "closesAt" {
				t.Errorf("error %+v does not name closesAt", err)
			}
		}
		if n := stored(t, "2025").Rows; n != 0 {
			t.Errorf("%d rows for 2025 after refused openings, want 0", n)
		}
		r := e.Do(t, e.Token(t, countyA, auth.RoleReporter), saveMutation, saveVars(countyA, "2025", 0, vals{"element": "TIPS_RECEIVED", "value": 1}))
		mustRefuse(t, r, "BAD_USER_INPUT")
	})

	t.Run("ErrBadPeriod", func(t *testing.T) {
		t.Parallel()
		for _, q := range []string{openQ, closeQ} {
			r := e.Do(t, admin, q, map[string]any{"p": "2024Q5"})
			if err := mustRefuse(t, r, "BAD_USER_INPUT"); !strings.Contains(err.Message, "2024Q5") {
				t.Errorf("message %q does not name the period", err.Message)
			}
		}
		if n := stored(t, "2024Q5").Rows; n != 0 {
			t.Errorf("%d rows for 2024Q5, want 0", n)
		}
	})
}

// TestTransitionChecks: the workflow refuses what its states do not allow, changing nothing.
func TestTransitionChecks(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	reviewer := e.Token(t, city, auth.RoleReviewer)

	t.Run("ErrSubmitEmpty", func(t *testing.T) {
		t.Parallel()
		clerk := e.Token(t, countyA, auth.RoleReporter)
		var out struct{ SaveDataValues subJSON }
		// A submission whose only value was cleared again.
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 3}), &out)
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 1, vals{"element": "TIPS_RECEIVED", "value": nil}), &out)
		if len(out.SaveDataValues.Values) != 0 || out.SaveDataValues.Version != 2 {
			t.Fatalf("after clearing: %+v", out.SaveDataValues)
		}
		before := mustSnapshot(t, e, countyA, "2024")
		r := e.Do(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 2) { status version } }`, nil)
		if err := mustRefuse(t, r, "BAD_USER_INPUT"); !strings.Contains(err.Message, "报表为空") {
			t.Errorf("message %q does not say the submission is empty", err.Message)
		}
		mustUnchanged(t, e, countyA, "2024", before)
	})

	t.Run("ErrSubmitCreatedEmpty", func(t *testing.T) {
		t.Parallel()
		clerk := e.Token(t, countyB, auth.RoleReporter)
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, clerk, saveMutation, saveVars(countyB, "2024", 0), &out)
		before := mustSnapshot(t, e, countyB, "2024")
		r := e.Do(t, clerk, `mutation { submitSubmission(regionCode: "419903", period: "2024", expectedVersion: 1) { status version } }`, nil)
		mustRefuse(t, r, "BAD_USER_INPUT")
		mustUnchanged(t, e, countyB, "2024", before)
	})

	t.Run("ErrApproveDraft", func(t *testing.T) {
		t.Parallel()
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, e.Token(t, "419921", auth.RoleReporter), saveMutation, saveVars("419921", "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 3}), &out)
		before := mustSnapshot(t, e, "419921", "2024")
		for _, q := range []string{
			`mutation { approveSubmission(regionCode: "419921", period: "2024", expectedVersion: 1, comment: "ok") { status } }`,
			`mutation { returnSubmission(regionCode: "419921", period: "2024", expectedVersion: 1, reason: "缺数据") { status } }`,
		} {
			r := e.Do(t, reviewer, q, nil)
			err := mustRefuse(t, r, "CONFLICT")
			if err.Extensions["status"] != "DRAFT" || !strings.Contains(err.Message, "DRAFT") {
				t.Errorf("error %+v does not say the submission is a DRAFT", err)
			}
			if cv, _ := err.Extensions["currentVersion"].(float64); cv != 1 {
				t.Errorf("currentVersion = %v, want 1", err.Extensions["currentVersion"])
			}
		}
		mustUnchanged(t, e, "419921", "2024", before)
	})

	t.Run("ErrReopenDraft", func(t *testing.T) {
		t.Parallel()
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, e.Token(t, "419922", auth.RoleReporter), saveMutation, saveVars("419922", "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 3}), &out)
		before := mustSnapshot(t, e, "419922", "2024")
		r := e.Do(t, e.Token(t, city, auth.RoleAdmin), `mutation { reopenSubmission(regionCode: "419922", period: "2024", reason: "x") { status } }`, nil)
		mustRefuse(t, r, "CONFLICT")
		mustUnchanged(t, e, "419922", "2024", before)
	})

	t.Run("ErrTransitionStaleVersion", func(t *testing.T) {
		t.Parallel()
		clerk := e.Token(t, "419923", auth.RoleReporter)
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, clerk, saveMutation, saveVars("419923", "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 3}), &out)
		e.MustOK(t, clerk, saveMutation, saveVars("419923", "2024", 1, vals{"element": "TIPS_RECEIVED", "value": 4}), &out)
		before := mustSnapshot(t, e, "419923", "2024")
		r := e.Do(t, clerk, `mutation { submitSubmission(regionCode: "419923", period: "2024", expectedVersion: 1) { status } }`, nil)
		if err := mustRefuse(t, r, "CONFLICT"); fmt.Sprint(err.Extensions["currentVersion"]) != "2" {
			t.Errorf("currentVersion = %v, want 2", err.Extensions["currentVersion"])
		}
		mustUnchanged(t, e, "419923", "2024", before)
	})
}
