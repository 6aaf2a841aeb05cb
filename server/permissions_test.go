package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// The permission table: every query and mutation × every role × the caller's own region, a
// child region, a sibling region (and, for a county, its parent city), with the expected
// outcome. Callers sit at county 419902 or at city 419900. Positions:
//
//	county caller: own 419902, sibling 419903, parent 419900
//	city caller:   own 419900, child 419902,   sibling 419800 (another city)
//
// Outcomes: OK (data), NULL (answered as if absent), EMPTY (an empty list), WITHHELD (a gap
// from the published total with its per-child breakdown withheld), or the error's
// extensions.code. Every refused mutation must leave the database exactly as it was.
var positions = []struct{ at, rel, target string }{
	{"county", "own", "419902"}, {"county", "sibling", "419903"}, {"county", "parent", "419900"},
	{"city", "own", "419900"}, {"city", "child", "419902"}, {"city", "sibling", "419800"},
}

var callerRegion = map[string]string{"county": "419902", "city": "419900"}

// Columns follow positions: county own, sibling, parent | city own, child, sibling.
const permissionTable = `
submission         reporter  OK         NULL       NULL       OK         OK         NULL
submission         reviewer  OK         NULL       NULL       OK         OK         NULL
submission         analyst   OK         NULL       NULL       OK         OK         NULL
submission         admin     OK         NULL       NULL       OK         OK         NULL
entryForm          reporter  OK         NOT_FOUND  NOT_FOUND  OK         OK         NOT_FOUND
entryForm          reviewer  OK         NOT_FOUND  NOT_FOUND  OK         OK         NOT_FOUND
entryForm          analyst   OK         NOT_FOUND  NOT_FOUND  OK         OK         NOT_FOUND
entryForm          admin     OK         NOT_FOUND  NOT_FOUND  OK         OK         NOT_FOUND
submissions        reporter  OK         EMPTY      EMPTY      OK         OK         EMPTY
submissions        reviewer  OK         EMPTY      EMPTY      OK         OK         EMPTY
submissions        analyst   OK         EMPTY      EMPTY      OK         OK         EMPTY
submissions        admin     OK         EMPTY      EMPTY      OK         OK         EMPTY
reportingStatus    reporter  OK         EMPTY      EMPTY      OK         OK         EMPTY
reportingStatus    reviewer  OK         EMPTY      EMPTY      OK         OK         EMPTY
reportingStatus    analyst   OK         EMPTY      EMPTY      OK         OK         EMPTY
reportingStatus    admin     OK         EMPTY      EMPTY      OK         OK         EMPTY
saveDataValues     reporter  OK         NOT_FOUND  NOT_FOUND  OK         FORBIDDEN  NOT_FOUND
saveDataValues     reviewer  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
saveDataValues     analyst   FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
saveDataValues     admin     FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
submitSubmission   reporter  OK         NOT_FOUND  NOT_FOUND  OK         FORBIDDEN  NOT_FOUND
submitSubmission   reviewer  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
submitSubmission   analyst   FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
submitSubmission   admin     FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
recallSubmission   reporter  OK         NOT_FOUND  NOT_FOUND  OK         FORBIDDEN  NOT_FOUND
recallSubmission   reviewer  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
recallSubmission   analyst   FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
recallSubmission   admin     FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
approveSubmission  reporter  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
approveSubmission  reviewer  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  OK         NOT_FOUND
approveSubmission  analyst   FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
approveSubmission  admin     FORBIDDEN  NOT_FOUND  NOT_FOUND  OK         OK         NOT_FOUND
returnSubmission   reporter  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
returnSubmission   reviewer  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  OK         NOT_FOUND
returnSubmission   analyst   FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
returnSubmission   admin     FORBIDDEN  NOT_FOUND  NOT_FOUND  OK         OK         NOT_FOUND
reopenSubmission   reporter  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
reopenSubmission   reviewer  FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
reopenSubmission   analyst   FORBIDDEN  NOT_FOUND  NOT_FOUND  FORBIDDEN  FORBIDDEN  NOT_FOUND
reopenSubmission   admin     FORBIDDEN  NOT_FOUND  NOT_FOUND  OK         OK         NOT_FOUND
openPeriod         reporter  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN
openPeriod         reviewer  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN
openPeriod         analyst   FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN
openPeriod         admin     FORBIDDEN  FORBIDDEN  FORBIDDEN  OK         OK         OK
closePeriod        reporter  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN
closePeriod        reviewer  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN
closePeriod        analyst   FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN  FORBIDDEN
closePeriod        admin     FORBIDDEN  FORBIDDEN  FORBIDDEN  OK         OK         OK
indicatorValues    reporter  OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
indicatorValues    reviewer  OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
indicatorValues    analyst   OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
indicatorValues    admin     OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
dashboard          reporter  OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
dashboard          reviewer  OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
dashboard          analyst   OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
dashboard          admin     OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
taskRollup         reporter  OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
taskRollup         reviewer  OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
taskRollup         analyst   OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
taskRollup         admin     OK         NOT_FOUND  OK         OK         OK         NOT_FOUND
indicatorGap       reporter  OK         NULL       WITHHELD   OK         OK         NULL
indicatorGap       reviewer  OK         NULL       WITHHELD   OK         OK         NULL
indicatorGap       analyst   OK         NULL       WITHHELD   OK         OK         NULL
indicatorGap       admin     OK         NULL       WITHHELD   OK         OK         NULL
reportingPeriods   reporter  OK         EMPTY      OK         OK         OK         EMPTY
reportingPeriods   reviewer  OK         EMPTY      OK         OK         OK         EMPTY
reportingPeriods   analyst   OK         EMPTY      OK         OK         OK         EMPTY
reportingPeriods   admin     OK         EMPTY      OK         OK         OK         EMPTY
publications       reporter  OK         EMPTY      OK         OK         OK         EMPTY
publications       reviewer  OK         EMPTY      OK         OK         OK         EMPTY
publications       analyst   OK         EMPTY      OK         OK         OK         EMPTY
publications       admin     OK         EMPTY      OK         OK         OK         EMPTY
openPeriodIn       reporter  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
openPeriodIn       reviewer  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
openPeriodIn       analyst   FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
openPeriodIn       admin     FORBIDDEN  NOT_FOUND  FORBIDDEN  OK         BAD_USER_INPUT NOT_FOUND
publishPeriod      reporter  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
publishPeriod      reviewer  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
publishPeriod      analyst   FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
publishPeriod      admin     OK         NOT_FOUND  FORBIDDEN  OK         OK         NOT_FOUND
unpublishPeriod    reporter  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
unpublishPeriod    reviewer  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
unpublishPeriod    analyst   FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
unpublishPeriod    admin     OK         NOT_FOUND  FORBIDDEN  OK         OK         NOT_FOUND
evaluationReport   reporter  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
evaluationReport   reviewer  OK         NOT_FOUND  FORBIDDEN  OK         OK         NOT_FOUND
evaluationReport   analyst   OK         NOT_FOUND  FORBIDDEN  OK         OK         NOT_FOUND
evaluationReport   admin     OK         NOT_FOUND  FORBIDDEN  OK         OK         NOT_FOUND
saveReportSection  reporter  FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
saveReportSection  reviewer  OK         NOT_FOUND  FORBIDDEN  OK         FORBIDDEN  NOT_FOUND
saveReportSection  analyst   FORBIDDEN  NOT_FOUND  FORBIDDEN  FORBIDDEN  FORBIDDEN  NOT_FOUND
saveReportSection  admin     OK         NOT_FOUND  FORBIDDEN  OK         FORBIDDEN  NOT_FOUND
`

// Queries without a target region: everyone authenticated reads the catalogue, the region
// tree, the periods and who they are.
var publicQueries = map[string]string{
	"plan":             `{ plan { code } }`,
	"indicator":        `{ indicator(code: "2.10") { code } }`,
	"task":             `{ task(code: "2.3") { code } }`,
	"regions":          `{ regions { code } }`,
	"region":           `{ region(code: "419903") { code } }`,
	"viewer":           `{ viewer { subject } }`,
	"reportingPeriods": `{ reportingPeriods { period } }`,
}

// readOps are the operations that only read: they must change nothing, allowed or not.
var readOps = map[string]bool{"submission": true, "entryForm": true, "submissions": true, "reportingStatus": true, "indicatorValues": true,
	"dashboard": true, "taskRollup": true, "reportingPeriods": true, "publications": true, "evaluationReport": true, "indicatorGap": true}

// preconditions is the state an operation needs in its target before the call.
var preconditions = map[string]string{
	"submission": "APPROVED", "entryForm": "APPROVED", "submissions": "APPROVED", "reportingStatus": "APPROVED",
	"saveDataValues": "DRAFT", "submitSubmission": "DRAFT", "recallSubmission": "SUBMITTED",
	"approveSubmission": "SUBMITTED", "returnSubmission": "SUBMITTED", "reopenSubmission": "APPROVED",
	"openPeriod": "", "closePeriod": "", "openPeriodIn": "",
	"indicatorValues": "", "dashboard": "", "taskRollup": "", "reportingPeriods": "", "indicatorGap": "",
	"publications": "PUBLISHED", "publishPeriod": "", "unpublishPeriod": "PUBLISHED",
	"evaluationReport": "", "saveReportSection": "",
}

func document(op string) string {
	switch op {
	case "submission":
		return `query($r: String!, $p: String!) { submission(regionCode: $r, period: $p) { version values { value } } }`
	case "entryForm":
		return `query($r: String!, $p: String!) { entryForm(regionCode: $r, period: $p) { version groups { fields { code value } } } }`
	case "submissions":
		return `query($r: String!, $p: String!) { submissions(regionCode: $r, period: $p) { totalCount edges { node { version } } } }`
	case "reportingStatus":
		return `query($r: String!, $p: String!) { reportingStatus(regionCode: $r, period: $p) { region { code } status filled flags } }`
	case "saveDataValues":
		return `mutation($r: String!, $p: String!, $e: String!) { saveDataValues(input: {regionCode: $r, period: $p, expectedVersion: 1, values: [{element: $e, value: 5}]}) { version } }`
	case "submitSubmission":
		return `mutation($r: String!, $p: String!) { submitSubmission(regionCode: $r, period: $p, expectedVersion: 1) { version } }`
	case "recallSubmission":
		return `mutation($r: String!, $p: String!) { recallSubmission(regionCode: $r, period: $p, expectedVersion: 1) { version } }`
	case "approveSubmission":
		return `mutation($r: String!, $p: String!) { approveSubmission(regionCode: $r, period: $p, expectedVersion: 1) { version } }`
	case "returnSubmission":
		return `mutation($r: String!, $p: String!) { returnSubmission(regionCode: $r, period: $p, expectedVersion: 1, reason: "请核实") { version } }`
	case "reopenSubmission":
		return `mutation($r: String!, $p: String!) { reopenSubmission(regionCode: $r, period: $p, reason: "请核实") { version } }`
	case "openPeriod":
		return `mutation($p: String!) { openPeriod(period: $p) { open } }`
	case "closePeriod":
		return `mutation($p: String!) { closePeriod(period: $p) { open } }`
	case "openPeriodIn":
		return `mutation($r: String!, $p: String!) { openPeriod(regionCode: $r, period: $p) { open } }`
	// Roll-ups read 2022, a period the demo publishes for its cities' counties to read.
	case "indicatorValues":
		return `query($r: String!) { indicatorValues(regionCode: $r, period: "2022", indicatorCodes: ["2.10"]) { value } }`
	case "indicatorGap":
		return `query($r: String!) { indicatorGap: indicator(code: "2.10") { gap(regionCode: $r, asOf: "2022") { status childrenWithheld children { region { code } } } } }`
	case "dashboard":
		return `query($r: String!) { dashboard(regionCode: $r, period: "2022") { rows { total { value } } } }`
	case "taskRollup":
		return `query($r: String!) { taskRollup(regionCode: $r, period: "2022") { done } }`
	case "reportingPeriods":
		return `query($r: String!) { reportingPeriods(regionCode: $r) { period } }`
	case "publications":
		return `query($r: String!) { publications(regionCode: $r) { period } }`
	case "publishPeriod":
		return `mutation($r: String!, $p: String!) { publishPeriod(regionCode: $r, period: $p) { version } }`
	// The report reads the demo as of 2023Q1; its sections are saved for the test's period.
	case "evaluationReport":
		return `query($r: String!) { evaluationReport(regionCode: $r, asOf: "2023Q1") { title } }`
	case "saveReportSection":
		return `mutation($r: String!, $p: String!) { saveReportSection(regionCode: $r, asOf: $p, section: PROBLEMS, text: "问题", expectedVersion: 0) { version } }`
	case "unpublishPeriod":
		return `mutation($r: String!, $p: String!) { unpublishPeriod(regionCode: $r, period: $p, reason: "数据有误") { withdrawn } }`
	}
	panic("no document for " + op)
}

// elementFor is a data element the target region's level collects.
func elementFor(e *testenv.Env, region string) string {
	if e.Cache.Regions().Get(region).Level == "CITY" {
		return "CITY_EMERGENCY_DRILLS"
	}
	return "IP_BATCHES_INSPECTED"
}

// prepare puts the target's submission for the period into the state the operation needs,
// directly as the owner.
func prepare(tb testing.TB, e *testenv.Env, op, region, period string) {
	tb.Helper()
	if err := e.Owner.Exec(`INSERT INTO reporting_periods (region_code, region_path, period, open)
		SELECT code, path, ?, ? FROM regions WHERE level = 'CITY'`, period, op != "openPeriod" && op != "openPeriodIn").Error; err != nil {
		tb.Fatalf("prepare %s: %v", op, err)
	}
	status := preconditions[op]
	if status == "PUBLISHED" {
		r := e.Cache.Regions().Get(region)
		if err := e.Owner.Exec(`INSERT INTO publications (plan_id, region_code, region_path, period, version, snapshot, published_by)
			VALUES ((SELECT id FROM plans LIMIT 1), ?, ?, ?, 1, '{"indicators": {}, "tasks": []}', 'test')`, region, r.Path, period).Error; err != nil {
			tb.Fatalf("prepare %s: %v", op, err)
		}
		return
	}
	if status == "" {
		return
	}
	MustInsertSubmission(tb, e, region, period, status, map[string]float64{elementFor(e, region): 1})
	MustDeclareRestMissing(tb, e, region, period) // so that submitSubmission may succeed
}

// fingerprint is everything a call about one period could change.
func fingerprint(tb testing.TB, e *testenv.Env, period string) string {
	tb.Helper()
	var s string
	err := e.Owner.Raw(`SELECT concat_ws('|',
		(SELECT string_agg(region_code || ':' || status || ':' || version, ',' ORDER BY region_code) FROM submissions WHERE period = ?),
		(SELECT string_agg(value::text, ',' ORDER BY value) FROM data_values d JOIN submissions s ON s.id = d.submission_id WHERE s.period = ?),
		(SELECT count(*) FROM audit_log a JOIN submissions s ON s.id = a.submission_id WHERE s.period = ?),
		(SELECT string_agg(region_code || ':' || open::text || coalesce(closes_at::text, ''), ',' ORDER BY region_code)
			FROM reporting_periods WHERE period = ?),
		(SELECT string_agg(region_code || ':' || version || ':' || (withdrawn_at IS NULL)::text, ',' ORDER BY region_code)
			FROM publications WHERE period = ?),
		(SELECT string_agg(region_code || ':' || section || ':' || version, ',' ORDER BY region_code, section)
			FROM report_sections WHERE as_of = ?),
		(SELECT count(*) FROM report_section_history WHERE as_of = ?))`,
		period, period, period, period, period, period, period).Scan(&s).Error
	if err != nil {
		tb.Fatalf("fingerprint: %v", err)
	}
	return s
}

func cellOutcome(tb testing.TB, op string, r *testenv.Response) string {
	tb.Helper()
	if len(r.Errors) > 0 {
		return r.Code()
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &data); err != nil {
		tb.Fatalf("decode %s: %v", r.Data, err)
	}
	v := data[op]
	switch {
	case string(v) == "null":
		return "NULL"
	case op == "submissions":
		var conn struct{ TotalCount int }
		json.Unmarshal(v, &conn)
		if conn.TotalCount == 0 {
			return "EMPTY"
		}
	case op == "indicatorGap":
		var g struct {
			Gap *struct {
				Status           string
				ChildrenWithheld bool
				Children         []any
			}
		}
		json.Unmarshal(v, &g)
		switch {
		case g.Gap == nil:
			return "NULL"
		case g.Gap.ChildrenWithheld && len(g.Gap.Children) == 0:
			return "WITHHELD"
		case g.Gap.ChildrenWithheld:
			return "LEAK"
		}
	case op == "reportingStatus" || op == "reportingPeriods" || op == "publications":
		var rows []any
		json.Unmarshal(v, &rows)
		if len(rows) == 0 {
			return "EMPTY"
		}
	}
	return "OK"
}

func TestPermissionTable(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustAddOtherCity(t, e, 1) // the city caller's sibling

	var year atomic.Int32
	year.Store(2100)
	rows := 0
	for _, line := range strings.Split(strings.TrimSpace(permissionTable), "\n") {
		f := strings.Fields(line)
		if len(f) != 2+len(positions) {
			t.Fatalf("bad table line %q", line)
		}
		op, role := f[0], auth.Role(f[1])
		for i, pos := range positions {
			want := f[2+i]
			rows++
			t.Run(fmt.Sprintf("%s/%s@%s/%s", op, role, pos.at, pos.rel), func(t *testing.T) {
				t.Parallel()
				period := fmt.Sprint(year.Add(1))
				prepare(t, e, op, pos.target, period)
				before := fingerprint(t, e, period)
				vars := map[string]any{"p": period}
				if op != "openPeriod" && op != "closePeriod" {
					vars["r"] = pos.target
				}
				if op == "saveDataValues" {
					vars["e"] = elementFor(e, pos.target)
				}
				r := e.Do(t, e.Token(t, callerRegion[pos.at], role), document(op), vars)
				got := cellOutcome(t, op, r)
				if got != want {
					t.Fatalf("got %s, want %s (errors %+v)", got, want, r.Errors)
				}
				after := fingerprint(t, e, period)
				isRead := readOps[op]
				if (want != "OK" || isRead) && after != before {
					t.Errorf("refused or read-only call changed the database:\n before %s\n after  %s", before, after)
				}
				if want == "OK" && !isRead && after == before {
					t.Errorf("allowed mutation changed nothing: %s", after)
				}
			})
		}
	}
	if ops := len(preconditions); rows != ops*4*len(positions) {
		t.Fatalf("table covers %d cells, want %d (every operation × 4 roles × %d positions)", rows, ops*4*len(positions), len(positions))
	}

	for name, q := range publicQueries {
		for _, role := range auth.Roles() {
			for at, region := range callerRegion {
				t.Run(fmt.Sprintf("%s/%s@%s", name, role, at), func(t *testing.T) {
					t.Parallel()
					r := e.Do(t, e.Token(t, region, role), q, nil)
					if got := cellOutcome(t, name, r); got != "OK" {
						t.Errorf("got %s, want OK (%+v)", got, r.Errors)
					}
				})
			}
		}
	}

	// Anonymous: every data field answers UNAUTHENTICATED and nothing changes.
	for op := range preconditions {
		t.Run("anonymous/"+op, func(t *testing.T) {
			t.Parallel()
			period := fmt.Sprint(year.Add(1))
			prepare(t, e, op, countyA, period)
			before := fingerprint(t, e, period)
			r := e.Do(t, "", document(op), map[string]any{"p": period, "r": countyA, "e": "IP_BATCHES_INSPECTED"})
			if r.Code() != "UNAUTHENTICATED" {
				t.Errorf("got %s, want UNAUTHENTICATED", r.Code())
			}
			if after := fingerprint(t, e, period); after != before {
				t.Errorf("anonymous call changed the database")
			}
		})
	}
	for name, q := range publicQueries {
		t.Run("anonymous/"+name, func(t *testing.T) {
			t.Parallel()
			if r := e.Do(t, "", q, nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("got %s, want UNAUTHENTICATED", r.Code())
			}
		})
	}
}
