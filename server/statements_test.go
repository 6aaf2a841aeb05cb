package server_test

import (
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// TestStatementCountDoesNotGrow shows that the number of SQL statements a request runs does
// not grow with the number of indicators, regions or periods in its answer.
func TestStatementCountDoesNotGrow(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustAddOtherCity(t, e, 3) // so a province dashboard spans more regions
	tok := e.Token(t, "410000", auth.RoleAnalyst)
	// The fewest statements of three runs: a batch loader whose window a busy machine cut
	// short runs one more batch, which is noise, not growth with the answer.
	count := func(query string, vars map[string]any) int64 {
		t.Helper()
		best := int64(-1)
		for range 3 {
			n := e.Statements(func() {
				var out map[string]any
				e.MustOK(t, tok, query, vars, &out)
			})
			if best < 0 || n < best {
				best = n
			}
		}
		return best
	}
	cases := []struct {
		name       string
		small, big string
		vars       map[string]any
	}{
		{"IndicatorValuesByIndicators",
			`{ indicatorValues(regionCode: "419900", period: "2021", indicatorCodes: ["2.10"]) { value completeness { missing { code } } } }`,
			`{ indicatorValues(regionCode: "419900", period: "2021") { value completeness { missing { code } } } }`, nil},
		{"DashboardByRegions",
			`{ dashboard(regionCode: "419902", period: "2022") { rows { total { value } cells { value } } } }`,
			`{ dashboard(regionCode: "410000", period: "2022") { rows { total { value } cells { value } } } }`, nil},
		{"CityVersusProvinceDashboard",
			`{ dashboard(regionCode: "419900", period: "2022") { rows { total { value } cells { value } } } }`,
			`{ dashboard(regionCode: "410000", period: "2022") { rows { total { value } cells { value } } } }`, nil},
		{"IndicatorValuesByPeriods",
			`{ indicator(code: "2.10") { values(regionCode: "419900", periods: ["2021"]) { value } } }`,
			`{ indicator(code: "2.10") { values(regionCode: "419900", periods: ["2021", "2022", "2023Q1", "2023", "2024", "2025"]) { value } } }`, nil},
		{"ValuesOfEveryIndicator",
			`{ indicator(code: "2.10") { values(regionCode: "419900", periods: ["2021", "2022"]) { value } } }`,
			`{ plan { indicators { values(regionCode: "419900", periods: ["2021", "2022"]) { value } } } }`, nil},
		{"AssessmentOfEveryIndicator",
			`{ indicator(code: "2.10") { assessment(regionCode: "419900") { status latest { value } } } }`,
			`{ plan { indicators { assessment(regionCode: "419900") { status latest { value } yearlyValues { value } } } } }`, nil},
		{"SubmissionsWithValues",
			`{ submissions(regionCode: "419902", first: 1) { edges { node { values { value } history { action } taskProgress { status } } } } }`,
			`{ submissions(regionCode: "419900", first: 50) { edges { node { values { value } history { action } taskProgress { status } } } } }`, nil},
	}
	for _, c := range cases {
		// Warm the pool first: opening a connection runs its own set-up statements.
		count(c.big, c.vars)
		small := count(c.small, c.vars)
		big := count(c.big, c.vars)
		t.Logf("%s: %d statements for the small answer, %d for the big one", c.name, small, big)
		if big != small {
			t.Errorf("%s: %d statements for the small answer, %d for the big one: the count grows with the answer", c.name, small, big)
		}
		if small == 0 {
			t.Errorf("%s: no statement counted: the counter is not wired", c.name)
		}
	}
}
