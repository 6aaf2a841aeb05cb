package server_test

import (
	"testing"
	"time"

	"planapi/auth"
	"planapi/testenv"
)

func TestProbeEnv(t *testing.T) {
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	var out struct{ SaveDataValues subJSON }
	e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), saveMutation, saveVars(countyA, "2024", 0, vals{"element": "TIPS_RECEIVED", "value": 3}), &out)
	var ats []time.Time
	e.Owner.Raw(`SELECT at FROM audit_log a JOIN submissions s ON s.id = a.submission_id WHERE s.period = '2024'`).Scan(&ats)
	t.Log(ats)
	r := e.Do(t, e.Token(t, city, auth.RoleAdmin), `mutation { a: openPeriod(period: "2025") { period open closesAt updatedAt updatedBy } }`, nil)
	t.Log(string(r.Data))
	r = e.Do(t, e.Token(t, city, auth.RoleAdmin), `mutation { a: openPeriod(period: "2025") { period open closesAt updatedAt updatedBy } }`, nil)
	t.Log(string(r.Data))
	r = e.Do(t, e.Token(t, city, auth.RoleAdmin), `{ submission(regionCode: "419902", period: "2024") { updatedAt history { at action } } }`, nil)
	t.Log(string(r.Data))
	t.Log(out.SaveDataValues)
}
