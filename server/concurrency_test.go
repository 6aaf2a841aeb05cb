package server_test

// Many clients saving the same submission at once: every save is either acknowledged with
// a version of its own or refused with CONFLICT, and the submission and its audit trail end
// up exactly as the acknowledged saves say.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// outcome is one attempted save as the client saw it.
type outcome struct {
	acked   bool
	version int     // acknowledged version
	value   float64 // the value the acknowledged record returned
	sent    float64
	fail    string // anything but success or CONFLICT
}

// trySave reads the submission's version and saves value with it, from a goroutine.
func trySave(h http.Handler, token, region, period string, value float64, readFirst bool) outcome {
	o := outcome{sent: value}
	version := 0
	if readFirst {
		rec := serveGraphQL(h, "Bearer "+token, `query($r: String!, $p: String!) { submission(regionCode: $r, period: $p) { version } }`,
			map[string]any{"r": region, "p": period})
		r, err := decodeGraphQL(rec)
		if err != nil || r.Status != http.StatusOK || len(r.Errors) > 0 {
			o.fail = fmt.Sprintf("read: %v %s", err, rec.Body.String())
			return o
		}
		var cur struct{ Submission *struct{ Version int } }
		if err := json.Unmarshal(r.Data, &cur); err != nil || cur.Submission == nil {
			o.fail = fmt.Sprintf("read: %v %s", err, r.Data)
			return o
		}
		version = cur.Submission.Version
	}
	rec := serveGraphQL(h, "Bearer "+token, saveMutation, saveVars(region, period, version, vals{"element": "TIPS_RECEIVED", "value": value}))
	r, err := decodeGraphQL(rec)
	switch {
	case err != nil || r.Status != http.StatusOK:
		o.fail = fmt.Sprintf("save: %v %d %s", err, rec.Code, rec.Body.String())
	case len(r.Errors) == 0:
		var out struct{ SaveDataValues subJSON }
		if err := json.Unmarshal(r.Data, &out); err != nil {
			o.fail = fmt.Sprintf("save: %v %s", err, r.Data)
			break
		}
		o.acked, o.version = true, out.SaveDataValues.Version
		o.value, _ = out.SaveDataValues.value("TIPS_RECEIVED")
		if o.value != value || o.version != version+1 {
			o.fail = fmt.Sprintf("sent %v with expectedVersion %d, acknowledged %v at version %d", value, version, o.value, o.version)
		}
	case len(r.Errors) == 1 && r.Code() == "CONFLICT":
	default:
		o.fail = fmt.Sprintf("save: %s", rec.Body.String())
	}
	return o
}

type auditRow struct {
	Action   string
	Element  *string
	OldValue *float64
	NewValue *float64
	Version  int
}

// mustAuditRows returns the audit rows of a submission in the order they were written, as
// the owner sees them.
func mustAuditRows(tb testing.TB, e *testenv.Env, region, period string) []auditRow {
	tb.Helper()
	var rows []auditRow
	err := e.Owner.Raw(`SELECT a.action, a.element, a.old_value, a.new_value, a.version
		FROM audit_log a JOIN submissions s ON s.id = a.submission_id
		WHERE s.region_code = ? AND s.period = ? ORDER BY a.id`, region, period).Scan(&rows).Error
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// TestConcurrentSaves: 8 clients × 15 attempts read the version and save a value of their
// own with it.
func TestConcurrentSaves(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	var first struct{ SaveDataValues subJSON }
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 0}), &first)
	if first.SaveDataValues.Version != 1 {
		t.Fatalf("first save: version %d, want 1", first.SaveDataValues.Version)
	}

	const workers, attempts = 8, 15
	results := make([][]outcome, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range attempts {
				// Distinct values, none 0: every acknowledged save is a change the audit records.
				results[w] = append(results[w], trySave(e.Handler, clerk, countyA, "2024", float64(1+w*attempts+i), true))
			}
		}()
	}
	close(start)
	wg.Wait()

	var acked []outcome
	conflicts := 0
	for _, rs := range results {
		for _, o := range rs {
			switch {
			case o.fail != "":
				t.Errorf("neither success nor CONFLICT: %s", o.fail)
			case o.acked:
				acked = append(acked, o)
			default:
				conflicts++
			}
		}
	}
	t.Logf("%d saves acknowledged, %d refused with CONFLICT", len(acked), conflicts)
	if len(acked)+conflicts != workers*attempts || len(acked) == 0 {
		t.Fatalf("%d acknowledged + %d conflicts of %d attempts", len(acked), conflicts, workers*attempts)
	}

	// Acknowledged versions are unique and follow each other from 2.
	slices.SortFunc(acked, func(a, b outcome) int { return a.version - b.version })
	for i, o := range acked {
		if o.version != i+2 {
			t.Fatalf("acknowledged versions %v: want 2..%d, each once", versionsOf(acked), len(acked)+1)
		}
	}
	last := acked[len(acked)-1]

	// The submission is the last acknowledged save.
	var final struct{ Submission subJSON }
	e.MustOK(t, e.Token(t, city, auth.RoleAnalyst), `{ submission(regionCode: "419902", period: "2024") { version values { element { code } value } } }`, nil, &final)
	if final.Submission.Version != 1+len(acked) {
		t.Errorf("final version %d, want 1 + %d acknowledged saves", final.Submission.Version, len(acked))
	}
	if v, _ := final.Submission.value("TIPS_RECEIVED"); v != last.value {
		t.Errorf("final TIPS_RECEIVED = %v, want %v from the highest acknowledged version %d", v, last.value, last.version)
	}

	// The audit trail: CREATE and the first value at version 1, then exactly one SET_VALUE per
	// acknowledged save, in version order, each changing the previous acknowledged value.
	rows := mustAuditRows(t, e, countyA, "2024")
	if len(rows) != 2+len(acked) {
		t.Fatalf("%d audit rows, want %d: refused attempts must leave none", len(rows), 2+len(acked))
	}
	if rows[0].Action != "CREATE" || rows[0].Version != 1 || rows[1].Action != "SET_VALUE" || rows[1].Version != 1 {
		t.Errorf("first audit rows = %+v, %+v, want CREATE and SET_VALUE at version 1", rows[0], rows[1])
	}
	prev := 0.0
	for i, o := range acked {
		a := rows[2+i]
		if a.Action != "SET_VALUE" || a.Element == nil || *a.Element != "TIPS_RECEIVED" || a.Version != o.version ||
			a.NewValue == nil || *a.NewValue != o.value || a.OldValue == nil || *a.OldValue != prev {
			t.Errorf("audit row %d = %s v%d %v→%v, want SET_VALUE TIPS_RECEIVED v%d %v→%v", 2+i, a.Action, a.Version, ptrStr(a.OldValue), ptrStr(a.NewValue), o.version, prev, o.value)
		}
		if a.Version <= rows[1+i].Version {
			t.Errorf("audit versions not strictly increasing at row %d: %d after %d", 2+i, a.Version, rows[1+i].Version)
		}
		prev = o.value
	}
}

// TestConcurrentFirstSaves: several clients create the same submission at once (expected
// version 0): exactly one wins, the others get CONFLICT, and one submission exists.
func TestConcurrentFirstSaves(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	const clients = 6
	periods := []string{"2024Q1", "2024Q2", "2024Q3", "2024Q4"}
	for _, p := range periods {
		MustOpen(t, e, p)
	}
	clerk := e.Token(t, countyB, auth.RoleReporter)
	for _, p := range periods {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			results := make([]outcome, clients)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[c] = trySave(e.Handler, clerk, countyB, p, float64(100+c), false)
				}()
			}
			close(start)
			wg.Wait()

			var winners []outcome
			for _, o := range results {
				if o.fail != "" {
					t.Errorf("neither success nor CONFLICT: %s", o.fail)
				}
				if o.acked {
					winners = append(winners, o)
				}
			}
			if len(winners) != 1 {
				t.Fatalf("%d saves acknowledged, want exactly 1: %+v", len(winners), results)
			}
			if winners[0].version != 1 {
				t.Errorf("winner's version %d, want 1", winners[0].version)
			}
			var n int64
			if err := e.Owner.Raw(`SELECT count(*) FROM submissions WHERE region_code = ? AND period = ?`, countyB, p).Row().Scan(&n); err != nil || n != 1 {
				t.Errorf("%d submission rows (%v), want 1", n, err)
			}
			rows := mustAuditRows(t, e, countyB, p)
			if len(rows) != 2 || rows[0].Action != "CREATE" || rows[1].Action != "SET_VALUE" || rows[1].NewValue == nil || *rows[1].NewValue != winners[0].value {
				t.Errorf("audit rows %+v, want CREATE and the winner's SET_VALUE %v", rows, winners[0].value)
			}
			if v := mustVersion(t, e, countyB, p); v != 1 {
				t.Errorf("version %d, want 1", v)
			}
		})
	}
}

func versionsOf(list []outcome) []int {
	var vs []int
	for _, o := range list {
		vs = append(vs, o.version)
	}
	return vs
}

func ptrStr(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
