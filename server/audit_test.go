package server_test

// The audit trail: append-only for everyone, and a complete record of every change and
// transition — who, when, what, from what, why — shown newest first.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"planapi/auth"
	"planapi/testenv"
)

// TestAuditLogAppendOnly: neither the application role nor the owner may update, delete or
// truncate audit rows; the rows are unchanged afterwards.
func TestAuditLogAppendOnly(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	var out struct{ SaveDataValues subJSON }
	e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), saveMutation, saveVars(countyA, "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 3, "comment": "原始"}), &out)
	var path string
	if err := e.Owner.Raw(`SELECT region_path FROM submissions WHERE region_code = ? AND period = '2024'`, countyA).Row().Scan(&path); err != nil {
		t.Fatal(err)
	}
	snapshot := func(t *testing.T) string {
		t.Helper()
		var s string
		if err := e.Owner.Raw(`SELECT coalesce(json_agg(a ORDER BY a.id)::text, '[]') FROM audit_log a`).Row().Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot(t)

	cases := []struct {
		name    string
		db      *gorm.DB
		sql     string
		wantMsg string
	}{
		{"AppUpdate", e.DB, `UPDATE audit_log SET actor = 'forger', new_value = 0`, "permission denied"},
		{"AppDelete", e.DB, `DELETE FROM audit_log`, "permission denied"},
		{"AppTruncate", e.DB, `TRUNCATE audit_log`, "permission denied"},
		{"OwnerUpdate", e.Owner, `UPDATE audit_log SET actor = 'forger', new_value = 0`, "append-only"},
		{"OwnerDelete", e.Owner, `DELETE FROM audit_log`, "append-only"},
		{"OwnerTruncate", e.Owner, `TRUNCATE audit_log`, "append-only"},
	}
	for _, c := range cases {
		// Not parallel: the owner's TRUNCATE waits for an ACCESS EXCLUSIVE lock, and run
		// alongside the others it would test PostgreSQL's lock queue, not the audit table.
		t.Run(c.name, func(t *testing.T) {
			err := c.db.Transaction(func(tx *gorm.DB) error {
				// In the submission's scope, so the rows are visible to the statement: a refusal
				// must come from the grants or the trigger, not from row-level security.
				if err := tx.Exec(`SELECT set_config('planapi.scope', ?, true)`, path).Error; err != nil {
					return fmt.Errorf("set scope: %w", err)
				}
				var visible int64
				if err := tx.Raw(`SELECT count(*) FROM audit_log`).Row().Scan(&visible); err != nil {
					return fmt.Errorf("count: %w", err)
				}
				if visible == 0 {
					return errors.New("no audit row is visible: the statement would prove nothing")
				}
				return tx.Exec(c.sql).Error
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, c.wantMsg) {
				t.Errorf("%s: err = %v, want SQLSTATE 42501 %q", c.sql, err, c.wantMsg)
			}
			if after := snapshot(t); after != before {
				t.Errorf("audit rows changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// auditLine is an audit entry with its pointers spelled out, comparable with ==.
type auditLine struct {
	Actor, Role, Action, Element string
	Old, New, OldText, NewText   string
	Comment, From, To            string
	Version                      int
}

func (a auditLine) String() string {
	return fmt.Sprintf("v%d %s %s by %s(%s) %s→%s %s→%s %s→%s %q", a.Version, a.Action, a.Element, a.Actor, a.Role, a.Old, a.New, a.OldText, a.NewText, a.From, a.To, a.Comment)
}

const auditNil = "<nil>"

func spell[T any](p *T) string {
	if p == nil {
		return auditNil
	}
	return fmt.Sprint(*p)
}

// auditEntryJSON is an AuditEntry as the API answers it and as the owner reads it.
type auditEntryJSON struct {
	Actor, Role, Action                string
	Element, OldText, NewText, Comment *string
	OldValue, NewValue                 *float64
	FromStatus, ToStatus               *string
	Version                            int
	At                                 *time.Time
}

func (a auditEntryJSON) line() auditLine {
	return auditLine{a.Actor, a.Role, a.Action, spell(a.Element), spell(a.OldValue), spell(a.NewValue), spell(a.OldText), spell(a.NewText),
		spell(a.Comment), spell(a.FromStatus), spell(a.ToStatus), a.Version}
}

// TestAuditTrail walks a submission through saves (set, change, clear, task progress) and
// every transition, and checks what the audit trail recorded and how the API shows it.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	admin := e.Token(t, city, auth.RoleAdmin)
	began := time.Now()

	var out struct{ SaveDataValues subJSON }
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0,
		vals{"element": "TIPS_RECEIVED", "value": 10, "comment": "首次填报"}, vals{"element": "COMPLAINTS_RECEIVED", "value": 4}), &out)
	e.MustOK(t, clerk, saveMutation, saveInput(countyA, "2024", 1, []vals{{"element": "TIPS_RECEIVED", "value": 12, "comment": "更正"}},
		[]vals{{"task": "2.1.2", "status": "IN_PROGRESS", "outputs": []any{map[string]any{"key": "CASES", "value": 2}}}}), &out)
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 2, vals{"element": "COMPLAINTS_RECEIVED", "value": nil, "comment": "重复统计"}), &out)
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 3, vals{"element": "TIPS_RECEIVED", "value": 15}), &out)
	var tr map[string]subJSON
	MustDeclareRestMissing(t, e, countyA, "2024") // required figures are TestRequiredFigures' subject
	for _, step := range []struct{ token, q string }{
		{clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 4) { version } }`},
		{reviewer, `mutation { returnSubmission(regionCode: "419902", period: "2024", expectedVersion: 5, reason: "请补充说明") { version } }`},
		{clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 6) { version } }`},
		{reviewer, `mutation { approveSubmission(regionCode: "419902", period: "2024", expectedVersion: 7, comment: "核对无误") { version } }`},
		{admin, `mutation { reopenSubmission(regionCode: "419902", period: "2024", reason: "省局抽查") { version } }`},
	} {
		e.MustOK(t, step.token, step.q, nil, &tr)
	}
	ended := time.Now()

	const rep, rev, adm = "reporter-419902", "reviewer-419900", "admin-419900"
	// In the order written.
	want := []auditLine{
		{rep, "reporter", "CREATE", auditNil, auditNil, auditNil, auditNil, auditNil, auditNil, auditNil, "DRAFT", 1},
		{rep, "reporter", "SET_VALUE", "TIPS_RECEIVED", auditNil, "10", auditNil, auditNil, "首次填报", auditNil, auditNil, 1},
		{rep, "reporter", "SET_VALUE", "COMPLAINTS_RECEIVED", auditNil, "4", auditNil, auditNil, auditNil, auditNil, auditNil, 1},
		{rep, "reporter", "SET_VALUE", "TIPS_RECEIVED", "10", "12", auditNil, auditNil, "更正", auditNil, auditNil, 2},
		{rep, "reporter", "SET_TASK", "task 2.1.2 status", auditNil, auditNil, "NOT_STARTED", "IN_PROGRESS", auditNil, auditNil, auditNil, 2},
		{rep, "reporter", "SET_TASK", "task 2.1.2 CASES", auditNil, "2", auditNil, auditNil, auditNil, auditNil, auditNil, 2},
		{rep, "reporter", "CLEAR_VALUE", "COMPLAINTS_RECEIVED", "4", auditNil, auditNil, auditNil, "重复统计", auditNil, auditNil, 3},
		{rep, "reporter", "SET_VALUE", "TIPS_RECEIVED", "12", "15", auditNil, auditNil, auditNil, auditNil, auditNil, 4},
		{rep, "reporter", "SUBMIT", auditNil, auditNil, auditNil, auditNil, auditNil, auditNil, "DRAFT", "SUBMITTED", 5},
		{rev, "reviewer", "RETURN", auditNil, auditNil, auditNil, auditNil, auditNil, "请补充说明", "SUBMITTED", "RETURNED", 6},
		{rep, "reporter", "SUBMIT", auditNil, auditNil, auditNil, auditNil, auditNil, auditNil, "RETURNED", "SUBMITTED", 7},
		{rev, "reviewer", "APPROVE", auditNil, auditNil, auditNil, auditNil, auditNil, "核对无误", "SUBMITTED", "APPROVED", 8},
		{adm, "admin", "REOPEN", auditNil, auditNil, auditNil, auditNil, auditNil, "省局抽查", "APPROVED", "RETURNED", 9},
	}
	compare := func(t *testing.T, where string, got, want []auditLine) {
		t.Helper()
		for i := range max(len(got), len(want)) {
			switch {
			case i >= len(got):
				t.Errorf("%s[%d] missing, want %v", where, i, want[i])
			case i >= len(want):
				t.Errorf("%s[%d] = %v, not expected", where, i, got[i])
			case got[i] != want[i]:
				t.Errorf("%s[%d] = %v\n%*s want %v", where, i, got[i], len(where)+4, "", want[i])
			}
		}
	}
	t.Run("RecordsEveryChange", func(t *testing.T) {
		t.Parallel()
		var got []auditLine
		for _, r := range mustStoredAudit(t, e, countyA, "2024") {
			got = append(got, r.line())
		}
		compare(t, "audit_log", got, want)
	})

	t.Run("SubmissionHistoryNewestFirst", func(t *testing.T) {
		t.Parallel()
		var h struct {
			Submission struct{ History []auditEntryJSON }
		}
		e.MustOK(t, reviewer, `{ submission(regionCode: "419902", period: "2024") {
		  history { actor role action element oldValue newValue oldText newText comment fromStatus toStatus version } } }`, nil, &h)
		var got []auditLine
		for _, a := range h.Submission.History {
			got = append(got, a.line())
		}
		newestFirst := slices.Clone(want)
		slices.Reverse(newestFirst)
		compare(t, "history", got, newestFirst)
	})

	t.Run("DataValueHistoryNewestFirst", func(t *testing.T) {
		t.Parallel()
		var v struct {
			Submission struct {
				Values []struct {
					Element struct{ Code string }
					History []auditEntryJSON
				}
			}
		}
		e.MustOK(t, clerk, `{ submission(regionCode: "419902", period: "2024") {
		  values { element { code } history { actor role action element oldValue newValue oldText newText comment fromStatus toStatus version } } } }`, nil, &v)
		if len(v.Submission.Values) != 1 || v.Submission.Values[0].Element.Code != "TIPS_RECEIVED" {
			t.Fatalf("values = %+v, want TIPS_RECEIVED only (COMPLAINTS_RECEIVED was cleared)", v.Submission.Values)
		}
		var got []auditLine
		for _, a := range v.Submission.Values[0].History {
			got = append(got, a.line())
		}
		compare(t, "TIPS_RECEIVED.history", got, []auditLine{want[7], want[3], want[1]})
	})

	t.Run("RecordsTime", func(t *testing.T) {
		t.Parallel()
		rows := mustStoredAudit(t, e, countyA, "2024")
		for i, r := range rows {
			if r.At == nil || r.At.Before(began.Add(-time.Second)) || r.At.After(ended.Add(time.Second)) {
				t.Errorf("audit row %d (%v) at %v, want between %v and %v", i, r.line(), spell(r.At), began, ended)
			}
			if i > 0 && r.At != nil && rows[i-1].At != nil && r.At.Before(*rows[i-1].At) {
				t.Errorf("audit row %d at %v, before row %d at %v", i, *r.At, i-1, *rows[i-1].At)
			}
		}
		r := e.Do(t, reviewer, `{ submission(regionCode: "419902", period: "2024") { history { at action version } values { history { at } } } }`, nil)
		var h struct {
			Submission struct{ History []auditEntryJSON }
		}
		r.Decode(t, &h)
		if len(h.Submission.History) != len(rows) {
			t.Fatalf("history has %d entries, want %d", len(h.Submission.History), len(rows))
		}
		for i, a := range h.Submission.History {
			s := rows[len(rows)-1-i]
			if a.At == nil || s.At == nil || !a.At.Equal(*s.At) {
				t.Errorf("history[%d] (%s v%d) at %v, stored %v", i, a.Action, a.Version, spell(a.At), spell(s.At))
			}
		}
	})
}

// mustStoredAudit returns the audit rows of a submission in the order written, as the owner
// reads them past row-level security.
func mustStoredAudit(tb testing.TB, e *testenv.Env, region, period string) []auditEntryJSON {
	tb.Helper()
	var rows []struct {
		Actor, Role, Action                string
		Element, OldText, NewText, Comment *string
		OldValue, NewValue                 *float64
		FromStatus, ToStatus               *string
		Version                            int
		At                                 *time.Time
	}
	err := e.Owner.Raw(`SELECT a.actor, a.role, a.action, a.element, a.old_value, a.new_value, a.old_text, a.new_text, a.comment,
		a.from_status, a.to_status, a.version, a.at
		FROM audit_log a JOIN submissions s ON s.id = a.submission_id WHERE s.region_code = ? AND s.period = ? ORDER BY a.id`, region, period).
		Scan(&rows).Error
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]auditEntryJSON, len(rows))
	for i, r := range rows {
		out[i] = auditEntryJSON(r)
	}
	return out
}
