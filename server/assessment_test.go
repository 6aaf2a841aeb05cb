package server_test

import (
	"strings"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

type assessmentJSON struct {
	Status         string   `json:"status"`
	ProjectedValue *float64 `json:"projectedValue"`
	TargetYear     int      `json:"targetYear"`
	Explanation    string   `json:"explanation"`
	Latest         *struct {
		Period string   `json:"period"`
		Value  *float64 `json:"value"`
	} `json:"latest"`
	YearlyValues []struct {
		Period string   `json:"period"`
		Value  *float64 `json:"value"`
	} `json:"yearlyValues"`
}

func assessment(tb testing.TB, e *testenv.Env, token, code, region string) *assessmentJSON {
	tb.Helper()
	var out struct {
		Indicator struct {
			Assessment *assessmentJSON `json:"assessment"`
		} `json:"indicator"`
	}
	e.MustOK(tb, token, `query($c: String!, $r: String!) { indicator(code: $c) { assessment(regionCode: $r) {
		status projectedValue targetYear explanation latest { period value } yearlyValues { period value } } } }`,
		map[string]any{"c": code, "r": region}, &out)
	return out.Indicator.Assessment
}

// TestAssessmentStatuses shows each status of the assessment on the demo city and on
// figures made for the purpose.
func TestAssessmentStatuses(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	// Deteriorating: 东城区's open-kitchen coverage falls to 10% in 2023 (target ≥ 90%).
	MustInsertSubmission(t, e, countyA, "2023", "APPROVED", map[string]float64{"CATERING_UNITS": 1000, "CATERING_UNITS_OPEN_KITCHEN": 100})
	// On track at a county: 西城区's drug adverse-reaction reports per million rise fast.
	cases := []struct {
		name, code, region, want string
		explains                 string
	}{
		// 2.17 deaths per 10,000 special-equipment units: 0 against an upper bound of 0.1.
		{"AchievedLowerIsBetter", "2.17", city, "ACHIEVED", "≤ 0.1"},
		// 2.5: 100% in 2021 and 2022; the 46% of 2023 Q1 is a partial year, not judged.
		{"AchievedDespitePartialYear", "2.5", city, "ACHIEVED", "2023年第一季度"},
		// 2.11: 1483 → 1585 per million against 1600 by 2025: 102 a year, 5 needed.
		{"OnTrack", "2.11", city, "ON_TRACK", "1584.81"},
		// 2.10: 95.35% → 95.61% against 96.5%: 0.26 a year, 0.3 needed.
		{"NeedsAcceleration", "2.10", city, "NEEDS_ACCELERATION", "96.5"},
		// 2.16: one survey (84.39 in 2021) against 85: one year shows no trend.
		{"AtRiskOneYear", "2.16", city, "AT_RISK", "84.39"},
		{"Deteriorating", "2.9", countyA, "DETERIORATING", "10"},
		// 1.2 PCT applications: the target is redacted (XX).
		{"NoTargetRedacted", "1.2", city, "NO_TARGET", ""},
		// 2.15 drug-safety satisfaction: no survey since 2021.
		{"NoData", "2.15", city, "NO_DATA", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := assessment(t, e, tok, c.code, c.region)
			if a == nil {
				t.Fatal("assessment is null")
			}
			if a.Status != c.want {
				t.Errorf("status = %s, want %s (%s)", a.Status, c.want, a.Explanation)
			}
			if a.TargetYear != 2025 || a.Explanation == "" {
				t.Errorf("target year %d, explanation %q", a.TargetYear, a.Explanation)
			}
			if !strings.Contains(a.Explanation, c.explains) {
				t.Errorf("explanation %q does not mention %q", a.Explanation, c.explains)
			}
		})
	}

	t.Run("ProjectionAndLatest", func(t *testing.T) {
		a := assessment(t, e, tok, "2.10", city)
		if a.Latest == nil || a.Latest.Period != "2022" || round(*a.Latest.Value, 2) != 95.61 {
			t.Errorf("latest = %+v, want 2022 at 95.61", a.Latest)
		}
		if len(a.YearlyValues) != 2 {
			t.Errorf("yearly values = %+v, want 2021 and 2022", a.YearlyValues)
		}
		// Straight line from 2021 to 2022 continued to 2025: 95.61 + 3 × 0.26.
		want := *a.YearlyValues[1].Value + 3*(*a.YearlyValues[1].Value-*a.YearlyValues[0].Value)
		if a.ProjectedValue == nil || round(*a.ProjectedValue, 6) != round(want, 6) {
			t.Errorf("projection = %v, want %v", a.ProjectedValue, want)
		}
	})

	t.Run("SiblingAssessmentHidden", func(t *testing.T) {
		a := assessment(t, e, e.Token(t, countyB, auth.RoleReporter), "2.10", countyA)
		if a != nil {
			t.Errorf("a county sees its neighbour's assessment: %+v", a)
		}
		if a := assessment(t, e, e.Token(t, countyB, auth.RoleReporter), "2.10", city); a == nil || a.Status != "NEEDS_ACCELERATION" {
			t.Errorf("a county's view of its city's assessment = %+v", a)
		}
	})
}
