package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"planapi/auth"
	"planapi/events"
	"planapi/testenv"
)

const recallMutation = `mutation($r: String!, $p: String!, $v: Int!, $c: String) {
  recallSubmission(regionCode: $r, period: $p, expectedVersion: $v, comment: $c) {
    status version history { actor actorName role action comment fromStatus toStatus version }
  }
}`

func recallVars(region, period string, version int) map[string]any {
	return map[string]any{"r": region, "p": period, "v": version}
}

// MustNamedToken mints a token carrying a display name (the name claim), valid for an hour.
func MustNamedToken(tb testing.TB, e *testenv.Env, region string, role auth.Role, sub, name string) string {
	tb.Helper()
	t, err := auth.Mint(e.Secret, auth.MintClaims{Subject: sub, Name: name, Region: region, Role: role}, time.Hour, time.Now())
	if err != nil {
		tb.Fatalf("mint: %v", err)
	}
	return t
}

// MustSubmitted saves one figure of countyA for the period as its clerk, declares the rest
// missing and submits: the submission is SUBMITTED at version 2.
func MustSubmitted(tb testing.TB, e *testenv.Env, clerk, period string) {
	tb.Helper()
	var out map[string]any
	e.MustOK(tb, clerk, saveMutation, saveVars(countyA, period, 0, vals{"element": "IP_BATCHES_INSPECTED", "value": 130}), &out)
	MustDeclareRestMissing(tb, e, countyA, period)
	e.MustOK(tb, clerk, `mutation($p: String!) { submitSubmission(regionCode: "419902", period: $p, expectedVersion: 1) { status } }`, map[string]any{"p": period}, &out)
}

// TestRecall: a clerk takes back a submission sent by mistake, before review. Only a reporter
// of the submission's own region may; only a SUBMITTED submission can be recalled, at its
// current version; a refusal changes nothing; a recall is audited and announced live.
func TestRecall(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustAddOtherCity(t, e, 1)
	clerk := MustNamedToken(t, e, countyA, auth.RoleReporter, "wang.li", "王丽")
	reviewer := e.Token(t, city, auth.RoleReviewer)
	MustOpen(t, e, "2024")
	MustSubmitted(t, e, clerk, "2024")

	// Live updates: the city's reviewer watching its subtree hears the recall.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hub, err := events.Start(ctx, e.AppDSN, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testenv.HandlerWithEvents(t, e.DB, e.Cache, hub))
	t.Cleanup(srv.Close)
	watcher, ok := dial(t, srv.URL, reviewer)
	if !ok {
		t.Fatal("the reviewer's socket was not acknowledged")
	}
	watcher.subscribe("city", `subscription { submissionChanged(regionCode: "419900") { region { code } period action status version } }`)
	for deadline := time.Now().Add(10 * time.Second); hub.Subscribers() < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("subscription not started")
		}
	}

	// Refusals: each answers its code and leaves the database exactly as it was.
	refusals := []struct {
		name, token string
		version     int
		code        string
	}{
		// Out of the caller's scope: as if the submission did not exist (the service's rule
		// for every raw figure), not FORBIDDEN, which would confirm it exists.
		{"ErrSiblingCounty", e.Token(t, countyB, auth.RoleReporter), 2, "NOT_FOUND"},
		{"ErrOtherCityReporter", e.Token(t, "419800", auth.RoleReporter), 2, "NOT_FOUND"},
		{"ErrOtherCityReviewer", e.Token(t, "419800", auth.RoleReviewer), 2, "NOT_FOUND"},
		{"ErrOtherCityCounty", e.Token(t, "419801", auth.RoleReporter), 2, "NOT_FOUND"},
		// In scope, but not the region's reporter: the city returns a submission instead.
		{"ErrCityReviewer", reviewer, 2, "FORBIDDEN"},
		{"ErrCityAdmin", e.Token(t, city, auth.RoleAdmin), 2, "FORBIDDEN"},
		{"ErrCityReporter", e.Token(t, city, auth.RoleReporter), 2, "FORBIDDEN"},
		{"ErrCountyReviewer", e.Token(t, countyA, auth.RoleReviewer), 2, "FORBIDDEN"},
		{"ErrCountyAnalyst", e.Token(t, countyA, auth.RoleAnalyst), 2, "FORBIDDEN"},
		// The clerk with a stale or future version.
		{"ErrStaleVersion", clerk, 1, "CONFLICT"},
		{"ErrFutureVersion", clerk, 3, "CONFLICT"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			before := fingerprint(t, e, "2024")
			r := e.Do(t, c.token, recallMutation, recallVars(countyA, "2024", c.version))
			if r.Code() != c.code {
				t.Fatalf("got %s, want %s (%+v)", r.Code(), c.code, r.Errors)
			}
			if c.code == "CONFLICT" {
				if v, _ := r.Errors[0].Extensions["currentVersion"].(float64); v != 2 {
					t.Errorf("extensions.currentVersion = %v, want 2", r.Errors[0].Extensions["currentVersion"])
				}
			}
			if after := fingerprint(t, e, "2024"); after != before {
				t.Errorf("refused recall changed the database:\n before %s\n after  %s", before, after)
			}
		})
	}

	// The clerk recalls it: back to DRAFT, version up, audited with who and why.
	var out struct{ RecallSubmission subJSON }
	vars := recallVars(countyA, "2024", 2)
	vars["c"] = "误报,补充后重报"
	e.MustOK(t, clerk, recallMutation, vars, &out)
	s := out.RecallSubmission
	if s.Status != "DRAFT" || s.Version != 3 {
		t.Fatalf("after recall: status %s version %d, want DRAFT 3", s.Status, s.Version)
	}
	h := s.History[0]
	if h.Action != "RECALL" || h.Actor != "wang.li" || h.ActorName != "王丽" || h.Role != "reporter" || h.Version != 3 ||
		h.FromStatus == nil || *h.FromStatus != "SUBMITTED" || h.ToStatus == nil || *h.ToStatus != "DRAFT" ||
		h.Comment == nil || *h.Comment != "误报,补充后重报" {
		t.Errorf("recall entry = %+v", h)
	}
	// Announced to the subtree's watchers, in the writing transaction.
	ev := watcher.next("city")["submissionChanged"].(map[string]any)
	if ev["region"].(map[string]any)["code"] != countyA || ev["action"] != "RECALL" || ev["status"] != "DRAFT" || ev["version"] != float64(3) {
		t.Errorf("the reviewer heard %v", ev)
	}
	// The draft is the clerk's again: it saves and submits once more.
	var saved struct{ SaveDataValues subJSON }
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 3, vals{"element": "IP_BATCHES_INSPECTED", "value": 131}), &saved)
	if saved.SaveDataValues.Status != "DRAFT" || saved.SaveDataValues.Version != 4 {
		t.Errorf("save after recall: %+v", saved.SaveDataValues)
	}

	// Only a SUBMITTED submission can be recalled: DRAFT, APPROVED and RETURNED answer
	// CONFLICT naming the status, and change nothing.
	conflictAt := func(t *testing.T, version int, status string) {
		t.Helper()
		before := fingerprint(t, e, "2024")
		r := e.Do(t, clerk, recallMutation, recallVars(countyA, "2024", version))
		if r.Code() != "CONFLICT" {
			t.Fatalf("recall of %s: got %s, want CONFLICT (%+v)", status, r.Code(), r.Errors)
		}
		msg := r.Errors[0].Message
		if !strings.HasPrefix(msg, "只能撤回已报送且尚未审核的报表") || !strings.Contains(msg, "当前状态为 "+status) {
			t.Errorf("message %q: want Chinese, naming %s", msg, status)
		}
		en := e.DoIn(t, "en", clerk, recallMutation, recallVars(countyA, "2024", version))
		if m := en.Errors[0].Message; en.Code() != "CONFLICT" || !strings.HasPrefix(m, "only a SUBMITTED submission") || !strings.HasSuffix(m, "is "+status) {
			t.Errorf("Accept-Language: en: %s %q, want CONFLICT in English naming %s", en.Code(), m, status)
		}
		if r.Errors[0].Extensions["status"] != status {
			t.Errorf("extensions.status = %v, want %s", r.Errors[0].Extensions["status"], status)
		}
		if after := fingerprint(t, e, "2024"); after != before {
			t.Errorf("refused recall of %s changed the database:\n before %s\n after  %s", status, before, after)
		}
	}
	t.Run("ErrDraft", func(t *testing.T) { conflictAt(t, 4, "DRAFT") })

	var tr map[string]any
	e.MustOK(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 4) { status } }`, nil, &tr)
	e.MustOK(t, reviewer, `mutation { approveSubmission(regionCode: "419902", period: "2024", expectedVersion: 5) { status } }`, nil, &tr)
	t.Run("ErrApproved", func(t *testing.T) { conflictAt(t, 6, "APPROVED") })

	e.MustOK(t, e.Token(t, city, auth.RoleAdmin), `mutation { reopenSubmission(regionCode: "419902", period: "2024", reason: "省局抽查发现数据有误") { status } }`, nil, &tr)
	t.Run("ErrReturned", func(t *testing.T) { conflictAt(t, 7, "RETURNED") })
}

// TestReturnReason: while a submission is RETURNED, returnReason is the reason of the latest
// return; once it is submitted again it is null.
func TestReturnReason(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := e.Token(t, countyA, auth.RoleReporter)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	MustOpen(t, e, "2024")
	MustSubmitted(t, e, clerk, "2024")

	read := func(t *testing.T, token string) (status string, reason *string) {
		t.Helper()
		var out struct {
			Submission struct {
				Status       string
				ReturnReason *string
			}
		}
		e.MustOK(t, token, `{ submission(regionCode: "419902", period: "2024") { status returnReason } }`, nil, &out)
		return out.Submission.Status, out.Submission.ReturnReason
	}
	if st, r := read(t, clerk); st != "SUBMITTED" || r != nil {
		t.Fatalf("submitted: %s, returnReason %v; want null", st, r)
	}

	// Returned: the reason, to the clerk and to the city, and in the mutation's own answer.
	var ret struct {
		ReturnSubmission struct {
			Status       string
			ReturnReason *string
		}
	}
	e.MustOK(t, reviewer, `mutation { returnSubmission(regionCode: "419902", period: "2024", expectedVersion: 2, reason: "不合格批次未填") { status returnReason } }`, nil, &ret)
	if ret.ReturnSubmission.Status != "RETURNED" || ret.ReturnSubmission.ReturnReason == nil || *ret.ReturnSubmission.ReturnReason != "不合格批次未填" {
		t.Fatalf("return answered %+v", ret.ReturnSubmission)
	}
	for _, tok := range []string{clerk, reviewer} {
		if st, r := read(t, tok); st != "RETURNED" || r == nil || *r != "不合格批次未填" {
			t.Errorf("returned: %s, returnReason %v; want 不合格批次未填", st, r)
		}
	}
	// A save keeps it RETURNED, and the reason with it.
	var out map[string]any
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 3, vals{"element": "IP_BATCHES_FAILED", "value": 6}), &out)
	if _, r := read(t, clerk); r == nil || *r != "不合格批次未填" {
		t.Errorf("after a save: returnReason %v", r)
	}

	// Submitted again: null.
	e.MustOK(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 4) { status } }`, nil, &out)
	if st, r := read(t, clerk); st != "SUBMITTED" || r != nil {
		t.Errorf("resubmitted: %s, returnReason %v; want null", st, r)
	}

	// Returned a second time: the latest reason, not the first.
	e.MustOK(t, reviewer, `mutation { returnSubmission(regionCode: "419902", period: "2024", expectedVersion: 5, reason: "投诉数据与12315平台不一致") { status } }`, nil, &out)
	if _, r := read(t, clerk); r == nil || *r != "投诉数据与12315平台不一致" {
		t.Errorf("second return: returnReason %v", r)
	}
	// Approved: null again.
	e.MustOK(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 6) { status } }`, nil, &out)
	e.MustOK(t, reviewer, `mutation { approveSubmission(regionCode: "419902", period: "2024", expectedVersion: 7) { status } }`, nil, &out)
	if st, r := read(t, clerk); st != "APPROVED" || r != nil {
		t.Errorf("approved: %s, returnReason %v; want null", st, r)
	}
}

// TestHistoryActorName: the trail records the token's name claim with each action, as it was
// then, next to the stable id; a token without a name, and an entry written before names
// were recorded, show the id.
func TestHistoryActorName(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := MustNamedToken(t, e, countyA, auth.RoleReporter, "zhang.wei", "张伟")
	reviewer := MustNamedToken(t, e, city, auth.RoleReviewer, "wang.li", "王丽")
	MustOpen(t, e, "2024")
	MustSubmitted(t, e, clerk, "2024")
	var out map[string]any
	e.MustOK(t, reviewer, `mutation { returnSubmission(regionCode: "419902", period: "2024", expectedVersion: 2, reason: "请补充说明") { status } }`, nil, &out)
	// The same account with another name later: earlier entries keep the name they had.
	renamed := MustNamedToken(t, e, countyA, auth.RoleReporter, "zhang.wei", "张伟(东城区)")
	e.MustOK(t, renamed, saveMutation, saveVars(countyA, "2024", 3, vals{"element": "IP_BATCHES_FAILED", "value": 6}), &out)
	// A token without a name.
	e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), saveMutation, saveVars(countyA, "2024", 4, vals{"element": "IP_BATCHES_FAILED", "value": 7}), &out)
	// An entry from before names were recorded (actor_name NULL), written as the owner.
	if err := e.Owner.Exec(`INSERT INTO audit_log (submission_id, region_path, actor, role, action, version)
		SELECT id, region_path, 'legacy.user', 'reporter', 'SET_TASK', version FROM submissions WHERE region_code = ? AND period = '2024'`, countyA).Error; err != nil {
		t.Fatal(err)
	}

	var hist struct{ Submission subJSON }
	e.MustOK(t, reviewer, `{ submission(regionCode: "419902", period: "2024") { history { actor actorName action } } }`, nil, &hist)
	var got []string
	for _, a := range hist.Submission.History {
		got = append(got, a.Action+" "+a.Actor+" "+a.ActorName)
	}
	want := []string{
		"SET_TASK legacy.user legacy.user",
		"SET_VALUE reporter-419902 reporter-419902",
		"SET_VALUE zhang.wei 张伟(东城区)",
		"RETURN wang.li 王丽",
		"SUBMIT zhang.wei 张伟",
		"SET_VALUE zhang.wei 张伟",
		"CREATE zhang.wei 张伟",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
