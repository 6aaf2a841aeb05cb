package server_test

import (
	"strings"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// TestTimesInPlanZone: times are written in the plan's zone (+08:00), a deadline reads back as
// it was set, and a date alone is the end of that day in the plan's zone.
func TestTimesInPlanZone(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	admin := e.Token(t, city, auth.RoleAdmin)
	var out struct {
		OpenPeriod struct {
			ClosesAt  string
			UpdatedAt string
		}
	}
	for _, tt := range []struct{ name, in, want string }{
		{"WithOffset", "2127-01-31T23:59:59+08:00", "2127-01-31T23:59:59+08:00"},
		{"InUTC", "2127-02-28T15:59:59Z", "2127-02-28T23:59:59+08:00"},
		{"DateAlone", "2127-03-31", "2127-03-31T23:59:59+08:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.MustOK(t, admin, `mutation($c: Time!) { openPeriod(period: "2127", closesAt: $c) { closesAt updatedAt } }`,
				map[string]any{"c": tt.in}, &out)
			if out.OpenPeriod.ClosesAt != tt.want {
				t.Errorf("closesAt %s read back as %s, want %s", tt.in, out.OpenPeriod.ClosesAt, tt.want)
			}
			if !strings.HasSuffix(out.OpenPeriod.UpdatedAt, "+08:00") {
				t.Errorf("updatedAt %s is not in the plan's zone", out.OpenPeriod.UpdatedAt)
			}
		})
	}
	t.Run("ErrNotATime", func(t *testing.T) {
		for _, bad := range []string{"2127-02-30", "31/01/2127", "10000-01-01T00:00:00Z"} {
			r := e.Do(t, admin, `mutation($c: Time!) { openPeriod(period: "2128", closesAt: $c) { closesAt } }`, map[string]any{"c": bad})
			if r.Code() == "" || r.Code() == "INTERNAL" {
				t.Errorf("closesAt %q: %s %+v, want a client error", bad, r.Code(), r.Errors)
			}
		}
	})
	// The audit trail too.
	var sub struct {
		Submission struct{ History []struct{ At string } }
	}
	e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), `{ submission(regionCode: "419902", period: "2022") { history { at } } }`, nil, &sub)
	if h := sub.Submission.History; len(h) == 0 || !strings.HasSuffix(h[0].At, "+08:00") {
		t.Errorf("history times = %+v, want +08:00", h)
	}
}
