package server_test

import (
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

const (
	city    = "419900"
	countyA = "419902" // 东城区
	countyB = "419903" // 西城区
)

const saveMutation = `mutation($in: SaveDataValuesInput!) {
  saveDataValues(input: $in) {
    region { code } period status version
    values { element { code } value comment updatedBy }
  }
}`

type subJSON struct {
	Region struct {
		Code string `json:"code"`
	} `json:"region"`
	Period  string `json:"period"`
	Status  string `json:"status"`
	Version int    `json:"version"`
	Values  []struct {
		Element struct {
			Code string `json:"code"`
		} `json:"element"`
		Value     *float64 `json:"value"`
		Comment   *string  `json:"comment"`
		UpdatedBy string   `json:"updatedBy"`
	} `json:"values"`
	History []auditJSON `json:"history"`
}

type auditJSON struct {
	Actor      string   `json:"actor"`
	ActorName  string   `json:"actorName"`
	Role       string   `json:"role"`
	Action     string   `json:"action"`
	Element    *string  `json:"element"`
	OldValue   *float64 `json:"oldValue"`
	NewValue   *float64 `json:"newValue"`
	Comment    *string  `json:"comment"`
	FromStatus *string  `json:"fromStatus"`
	ToStatus   *string  `json:"toStatus"`
	Version    int      `json:"version"`
}

func (s subJSON) value(code string) (float64, bool) {
	for _, v := range s.Values {
		if v.Element.Code == code && v.Value != nil {
			return *v.Value, true
		}
	}
	return 0, false
}

type vals map[string]any

func saveVars(region, period string, version int, values ...vals) map[string]any {
	list := make([]any, len(values))
	for i, v := range values {
		list[i] = map[string]any(v)
	}
	return map[string]any{"in": map[string]any{"regionCode": region, "period": period, "expectedVersion": version, "values": list}}
}

// MustOpen opens a period as the city admin.
func MustOpen(tb testing.TB, e *testenv.Env, period string) {
	tb.Helper()
	var out struct{ OpenPeriod struct{ Open bool } }
	e.MustOK(tb, e.Token(tb, city, auth.RoleAdmin), `mutation($p: String!) { openPeriod(period: $p) { open } }`, map[string]any{"p": period}, &out)
	if !out.OpenPeriod.Open {
		tb.Fatalf("period %s not open", period)
	}
}

// TestWorkflow walks a county clerk's save and submit, the city's return, the clerk's fix
// and resubmission, the approval, the lock, and an admin's reopening, checking the audit
// trail at the end.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := e.Token(t, countyA, auth.RoleReporter)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	admin := e.Token(t, city, auth.RoleAdmin)
	MustOpen(t, e, "2024")

	var out struct{ SaveDataValues subJSON }
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0,
		vals{"element": "IP_BATCHES_INSPECTED", "value": 120, "comment": "含专项抽查"},
		vals{"element": "IP_BATCHES_FAILED", "value": 7},
	), &out)
	s := out.SaveDataValues
	if s.Status != "DRAFT" || s.Version != 1 || len(s.Values) != 2 {
		t.Fatalf("after first save: %+v", s)
	}
	if v, _ := s.value("IP_BATCHES_INSPECTED"); v != 120 {
		t.Errorf("inspected = %v", v)
	}

	// Second save: change one, clear one, keep the comment.
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 1,
		vals{"element": "IP_BATCHES_INSPECTED", "value": 121},
		vals{"element": "IP_BATCHES_FAILED", "value": nil},
	), &out)
	s = out.SaveDataValues
	if s.Version != 2 || len(s.Values) != 1 || *s.Values[0].Comment != "含专项抽查" {
		t.Fatalf("after second save: %+v", s)
	}

	// Submit; the submission is then under review and not editable.
	var tr struct {
		SubmitSubmission  subJSON
		ReturnSubmission  subJSON
		ApproveSubmission subJSON
		ReopenSubmission  subJSON
	}
	MustDeclareRestMissing(t, e, countyA, "2024") // required figures are TestRequiredFigures' subject
	e.MustOK(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 2) { status version } }`, nil, &tr)
	if tr.SubmitSubmission.Status != "SUBMITTED" || tr.SubmitSubmission.Version != 3 {
		t.Fatalf("submit: %+v", tr.SubmitSubmission)
	}
	if r := e.Do(t, clerk, saveMutation, saveVars(countyA, "2024", 3, vals{"element": "IP_BATCHES_FAILED", "value": 1})); r.Code() != "FORBIDDEN" {
		t.Errorf("edit while under review: %s %+v", r.Code(), r.Errors)
	}

	// The city returns it with a reason; the clerk fixes and resubmits.
	if r := e.Do(t, reviewer, `mutation { returnSubmission(regionCode: "419902", period: "2024", expectedVersion: 3, reason: "") { status } }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("return without a reason: %s", r.Code())
	}
	e.MustOK(t, reviewer, `mutation { returnSubmission(regionCode: "419902", period: "2024", expectedVersion: 3, reason: "不合格批次未填") { status version } }`, nil, &tr)
	if tr.ReturnSubmission.Status != "RETURNED" || tr.ReturnSubmission.Version != 4 {
		t.Fatalf("return: %+v", tr.ReturnSubmission)
	}
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 4, vals{"element": "IP_BATCHES_FAILED", "value": 6}), &out)
	if out.SaveDataValues.Status != "RETURNED" || out.SaveDataValues.Version != 5 {
		t.Fatalf("save after return: %+v", out.SaveDataValues)
	}
	e.MustOK(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 5) { status version } }`, nil, &tr)
	e.MustOK(t, reviewer, `mutation { approveSubmission(regionCode: "419902", period: "2024", expectedVersion: 6, comment: "核对无误") { status version } }`, nil, &tr)
	if tr.ApproveSubmission.Status != "APPROVED" || tr.ApproveSubmission.Version != 7 {
		t.Fatalf("approve: %+v", tr.ApproveSubmission)
	}

	// Approved is locked.
	if r := e.Do(t, clerk, saveMutation, saveVars(countyA, "2024", 7, vals{"element": "IP_BATCHES_FAILED", "value": 5})); r.Code() != "FORBIDDEN" {
		t.Errorf("edit an approved submission: %s %+v", r.Code(), r.Errors)
	}
	// Only an admin reopens, with a reason.
	if r := e.Do(t, reviewer, `mutation { reopenSubmission(regionCode: "419902", period: "2024", reason: "x") { status } }`, nil); r.Code() != "FORBIDDEN" {
		t.Errorf("reviewer reopening: %s", r.Code())
	}
	e.MustOK(t, admin, `mutation { reopenSubmission(regionCode: "419902", period: "2024", reason: "省局抽查发现数据有误") { status version } }`, nil, &tr)
	if tr.ReopenSubmission.Status != "RETURNED" || tr.ReopenSubmission.Version != 8 {
		t.Fatalf("reopen: %+v", tr.ReopenSubmission)
	}

	// The audit trail, newest first: every change and transition, with who and why.
	var hist struct{ Submission subJSON }
	e.MustOK(t, reviewer, `{ submission(regionCode: "419902", period: "2024") { version history { actor role action element oldValue newValue comment fromStatus toStatus version } } }`, nil, &hist)
	var got []string
	for _, a := range hist.Submission.History {
		el := ""
		if a.Element != nil {
			el = " " + *a.Element
		}
		got = append(got, a.Action+el)
	}
	want := []string{
		"REOPEN", "APPROVE", "SUBMIT", "SET_VALUE IP_BATCHES_FAILED", "RETURN", "SUBMIT",
		"CLEAR_VALUE IP_BATCHES_FAILED", "SET_VALUE IP_BATCHES_INSPECTED",
		"SET_VALUE IP_BATCHES_FAILED", "SET_VALUE IP_BATCHES_INSPECTED", "CREATE",
	}
	if len(got) != len(want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
	// Entries written by one save share a version; their order within it is the write order.
	h := hist.Submission.History
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("history[%d] = %s, want %s (all: %v)", i, got[i], want[i], got)
		}
	}
	if h[0].Actor != "admin-419900" || h[0].Role != "admin" || *h[0].Comment != "省局抽查发现数据有误" || *h[0].FromStatus != "APPROVED" || *h[0].ToStatus != "RETURNED" || h[0].Version != 8 {
		t.Errorf("reopen entry = %+v", h[0])
	}
	if h[4].Actor != "reviewer-419900" || *h[4].Comment != "不合格批次未填" {
		t.Errorf("return entry = %+v", h[4])
	}
	upd := h[7] // SET_VALUE inspected 120 -> 121
	if upd.OldValue == nil || *upd.OldValue != 120 || *upd.NewValue != 121 || upd.Actor != "reporter-419902" {
		t.Errorf("update entry = %+v", upd)
	}
	// DataValue.history: the changes of one value.
	var dv struct {
		Submission struct {
			Values []struct {
				Element struct{ Code string }
				History []auditJSON
			}
		}
	}
	e.MustOK(t, clerk, `{ submission(regionCode: "419902", period: "2024") { values { element { code } history { action oldValue newValue } } } }`, nil, &dv)
	for _, v := range dv.Submission.Values {
		if v.Element.Code == "IP_BATCHES_INSPECTED" && len(v.History) != 2 {
			t.Errorf("history of IP_BATCHES_INSPECTED = %+v, want 2 entries", v.History)
		}
	}
}
