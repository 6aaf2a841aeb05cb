package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// figureJSON is an indicator value with its completeness, as these tests read it.
type figureJSON struct {
	Indicator    struct{ Code string } `json:"indicator"`
	Period       string                `json:"period"`
	Value        *float64              `json:"value"`
	Numerator    *float64              `json:"numerator"`
	Denominator  *float64              `json:"denominator"`
	Partial      bool                  `json:"partial"`
	Completeness struct {
		Expected   int                     `json:"expected"`
		Reported   int                     `json:"reported"`
		Approved   int                     `json:"approved"`
		Incomplete []struct{ Code string } `json:"incomplete"`
		Missing    []struct{ Code string } `json:"missing"`
	} `json:"completeness"`
}

const figuresQuery = `query($r: String!, $p: String!, $codes: [String!]) {
  indicatorValues(regionCode: $r, period: $p, indicatorCodes: $codes) {
    indicator { code } period value numerator denominator partial
    completeness { expected reported approved incomplete { code } missing { code } }
  }
}`

func figures(tb testing.TB, e *testenv.Env, token, region, period string, codes ...string) map[string]figureJSON {
	tb.Helper()
	vars := map[string]any{"r": region, "p": period}
	if len(codes) > 0 {
		vars["codes"] = codes
	}
	var out struct{ IndicatorValues []figureJSON }
	e.MustOK(tb, token, figuresQuery, vars, &out)
	m := map[string]figureJSON{}
	for _, v := range out.IndicatorValues {
		m[v.Indicator.Code] = v
	}
	return m
}

func codesOf(list []struct{ Code string }) []string {
	var out []string
	for _, x := range list {
		out = append(out, x.Code)
	}
	return out
}

// TestHalfFilledRatioIsLeftOut is the 西城区 scenario: a county that entered the batches it
// inspected and not the failed ones, submitted and approved, must not count its batches as
// all passing in the city's rate. It is left out of numerator and denominator and listed as
// incomplete; the city's 2.10 is the other counties' ratio of sums.
func TestHalfFilledRatioIsLeftOut(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustInsertSubmission(t, e, countyA, "2024", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 100, "IP_BATCHES_FAILED": 6})
	MustInsertSubmission(t, e, countyB, "2024", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 90})
	MustInsertSubmission(t, e, "419921", "2024", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 84, "IP_BATCHES_FAILED": 4})
	tok := e.Token(t, city, auth.RoleReviewer)

	v := figures(t, e, tok, city, "2024", "2.10")["2.10"]
	// (100 + 84 − 6 − 4) / (100 + 84): not (274 − 10) / 274 = 96.35, which counted 西城区's
	// 90 batches as passing.
	want := (184.0 - 10) / 184 * 100
	if v.Value == nil || round(*v.Value, 6) != round(want, 6) {
		t.Errorf("city 2.10 for 2024 = %v, want %.4f from 东城区 and 南山县 only", v.Value, want)
	}
	if v.Denominator == nil || *v.Denominator != 184 {
		t.Errorf("denominator = %v, want 184 batches (西城区's 90 left out)", v.Denominator)
	}
	if got := codesOf(v.Completeness.Incomplete); len(got) != 1 || got[0] != countyB {
		t.Errorf("incomplete = %v, want [%s]", got, countyB)
	}
	if v.Completeness.Reported != 3 || v.Completeness.Approved != 2 {
		t.Errorf("reported %d, approved %d; want 3 reported, 2 in the value", v.Completeness.Reported, v.Completeness.Approved)
	}
	// 西城区's own figure: nothing to compute, and it says why.
	own := figures(t, e, e.Token(t, countyB, auth.RoleReporter), countyB, "2024", "2.10")["2.10"]
	if own.Value != nil || len(own.Completeness.Incomplete) != 1 {
		t.Errorf("西城区's own 2.10 = %v with incomplete %v, want no value and itself incomplete", own.Value, own.Completeness.Incomplete)
	}
	// An indicator that needs only the batches inspected is not affected: every county counts.
	// (No such indicator in the plan: the dashboard's cell of 西城区 says the same per county.)
	var d struct {
		Dashboard struct {
			Rows []struct {
				Indicator struct{ Code string }
				Cells     []figureJSON
			}
		}
	}
	e.MustOK(t, tok, `{ dashboard(regionCode: "419900", period: "2024") { rows { indicator { code } cells { value completeness { incomplete { code } } } } } }`, nil, &d)
	for _, row := range d.Dashboard.Rows {
		if row.Indicator.Code != "2.10" {
			continue
		}
		for i, c := range row.Cells {
			if i == 1 && (c.Value != nil || len(c.Completeness.Incomplete) != 1) {
				t.Errorf("西城区's cell = %v, incomplete %v; want no value, incomplete", c.Value, c.Completeness.Incomplete)
			}
		}
	}
	// Above the caller, who is incomplete is not shown: a county reading its city's total.
	MustPublish(t, e, city, "2024")
	above := figures(t, e, e.Token(t, countyA, auth.RoleReporter), city, "2024", "2.10")["2.10"]
	if len(above.Completeness.Incomplete) != 0 {
		t.Errorf("a county sees its neighbours' incompleteness in the city total: %v", above.Completeness.Incomplete)
	}
}

// TestPeriodRanges reproduces the report's "since 2021" figures from the demo in one query each.
func TestPeriodRanges(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	got := figures(t, e, tok, city, "2021..2023Q1", "3.3", "3.4", "1.4", "2.10")
	for _, c := range []struct {
		name, code string
		value      *float64
		den        *float64
	}{
		{"ComplaintsSince2021", "3.3", ptr(100.0), ptr(18165.0)},
		{"TipsSince2021", "3.4", ptr(100.0), ptr(7092.0)},
		{"PoliciesSince2021", "1.4", ptr(21.0), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := got[c.code]
			if v.Period != "2021..2023Q1" {
				t.Errorf("period = %q", v.Period)
			}
			if v.Value == nil || round(*v.Value, 6) != *c.value {
				t.Errorf("value = %v, want %v", v.Value, *c.value)
			}
			if c.den != nil && (v.Denominator == nil || *v.Denominator != *c.den) {
				t.Errorf("denominator = %v, want %v", v.Denominator, *c.den)
			}
		})
	}
	t.Run("RatioOfRangeTotals", func(t *testing.T) {
		// 2.10 over 2021..2022: (538 − 25 + 501 − 22) / (538 + 501), not the mean of the years.
		v := figures(t, e, tok, city, "2021..2022", "2.10")["2.10"]
		want := (538.0 - 25 + 501 - 22) / (538 + 501) * 100
		if v.Value == nil || round(*v.Value, 6) != round(want, 6) || v.Partial {
			t.Errorf("2.10 over 2021..2022 = %v (partial %v), want %.4f", v.Value, v.Partial, want)
		}
	})
	t.Run("RangeWithAPartialYearIsPartial", func(t *testing.T) {
		// 2021..2023 holds only the first quarter of 2023.
		if v := figures(t, e, tok, city, "2021..2023", "3.3")["3.3"]; !v.Partial {
			t.Errorf("3.3 over 2021..2023 partial = false, want true (2023 has one quarter)")
		}
	})
	t.Run("DashboardAndValuesTakeRanges", func(t *testing.T) {
		var d struct {
			Dashboard struct {
				Period string
				Rows   []struct{ Total figureJSON }
			}
		}
		e.MustOK(t, tok, `{ dashboard(regionCode: "419900", period: "2021..2023Q1") { period rows { total { indicator { code } value denominator } } } }`, nil, &d)
		found := false
		for _, r := range d.Dashboard.Rows {
			if r.Total.Indicator.Code == "3.3" {
				found = r.Total.Denominator != nil && *r.Total.Denominator == 18165
			}
		}
		if d.Dashboard.Period != "2021..2023Q1" || !found {
			t.Errorf("dashboard over the range: period %q, 3.3 with 18165 complaints: %v", d.Dashboard.Period, found)
		}
		var v struct {
			Indicator struct{ Values []figureJSON }
		}
		e.MustOK(t, tok, `{ indicator(code: "1.4") { values(regionCode: "419900", periods: ["2021", "2021..2022", "2021..2023Q1"]) { period value } } }`, nil, &v)
		var vals []string
		for _, x := range v.Indicator.Values {
			vals = append(vals, fmt.Sprintf("%s=%v", x.Period, *x.Value))
		}
		if strings.Join(vals, " ") != "2021=9 2021..2022=17 2021..2023Q1=21" {
			t.Errorf("1.4 running totals = %v, want 9, 17, 21", vals)
		}
	})
	t.Run("ErrBadRange", func(t *testing.T) {
		for _, p := range []string{"2023..2021", "2021..", "2021..x", "2023Q2..2023Q1"} {
			r := e.Do(t, tok, figuresQuery, map[string]any{"r": city, "p": p})
			if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, p) {
				t.Errorf("period %q: %s %+v, want BAD_USER_INPUT naming the value", p, r.Code(), r.Errors)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

const assessmentQuery = `query($c: String!, $r: String!, $a: String) { indicator(code: $c) { assessment(regionCode: $r, asOf: $a) {
	status asOf projectedValue explanation explanationEn latest { period value } yearlyValues { period value } } } }`

func assessAsOf(tb testing.TB, e *testenv.Env, token, code, region string, asOf *string) json.RawMessage {
	tb.Helper()
	var out struct {
		Indicator struct {
			Assessment json.RawMessage `json:"assessment"`
		} `json:"indicator"`
	}
	vars := map[string]any{"c": code, "r": region}
	if asOf != nil {
		vars["a"] = *asOf
	}
	e.MustOK(tb, token, assessmentQuery, vars, &out)
	return out.Indicator.Assessment
}

// copySubmission copies a region's approved figures of one year into another, as the owner.
func copySubmission(tb testing.TB, e *testenv.Env, region, from, to string) {
	tb.Helper()
	var rows []struct {
		Code  string
		Value float64
	}
	if err := e.Owner.Raw(`SELECT de.code, v.value FROM data_values v JOIN submissions s ON s.id = v.submission_id
		JOIN data_elements de ON de.id = v.element_id WHERE s.region_code = ? AND s.period = ?`, region, from).Scan(&rows).Error; err != nil || len(rows) == 0 {
		tb.Fatalf("read %s %s: %v (%d values)", region, from, err, len(rows))
	}
	values := map[string]float64{}
	for _, r := range rows {
		values[r.Code] = r.Value * 1.5
	}
	MustInsertSubmission(tb, e, region, to, "APPROVED", values)
}

// TestAssessmentAsOf shows the mid-term view reproduced as of 2023Q1 whatever is entered for
// 2024 afterwards, and a 2024 with 2 of 5 counties approved not judged as a full year.
func TestAssessmentAsOf(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	var plan struct {
		Plan struct{ Indicators []struct{ Code string } }
	}
	e.MustOK(t, tok, `{ plan { indicators { code } } }`, nil, &plan)
	midTerm := "2023Q1"
	before := map[string]string{}
	for _, ind := range plan.Plan.Indicators {
		before[ind.Code] = string(assessAsOf(t, e, tok, ind.Code, city, &midTerm))
	}
	if !strings.Contains(before["2.11"], `"status":"ON_TRACK"`) || !strings.Contains(before["2.11"], `"asOf":"2023Q1"`) {
		t.Fatalf("2.11 as of 2023Q1 = %s, want ON_TRACK as of 2023Q1", before["2.11"])
	}

	copySubmission(t, e, countyA, "2022", "2024")
	copySubmission(t, e, countyB, "2022", "2024")

	for _, ind := range plan.Plan.Indicators {
		if got := string(assessAsOf(t, e, tok, ind.Code, city, &midTerm)); got != before[ind.Code] {
			t.Errorf("%s as of 2023Q1 changed after 2024 figures were approved:\n\tbefore %s\n\tafter  %s", ind.Code, before[ind.Code], got)
		}
	}
	// Without asOf: 2024 is the latest data, but only 2 of 5 counties are in it.
	var a struct {
		Status       string
		AsOf         string
		Explanation  string
		YearlyValues []struct{ Period string }
	}
	if err := json.Unmarshal(assessAsOf(t, e, tok, "2.11", city, nil), &a); err != nil {
		t.Fatal(err)
	}
	if a.AsOf != "2024" || !strings.Contains(a.Explanation, "2024年数据不完整") || !strings.Contains(a.Explanation, "应报5个单位,已计入2个") {
		t.Errorf("2.11 as of the latest data: as of %s, %q; want 2024 named as incomplete (2 of 5)", a.AsOf, a.Explanation)
	}
	for _, y := range a.YearlyValues {
		if y.Period == "2024" {
			t.Errorf("the incomplete 2024 is among the yearly values judged: %+v", a.YearlyValues)
		}
	}
	if a.Status != "ON_TRACK" {
		t.Errorf("2.11 status = %s, want ON_TRACK as at mid-term (2024 is not judged)", a.Status)
	}
	if r := e.Do(t, tok, assessmentQuery, map[string]any{"c": "2.11", "r": city, "a": "2023Q5"}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("asOf 2023Q5: %s, want BAD_USER_INPUT", r.Code())
	}
}

// TestCumulativeRunningTotal: 1.4 (pro-business policies since 2021) reads 21 as of 2023Q1,
// and 26 once the city's 5 policies of 2024 are approved, in latest and explanation alike.
func TestCumulativeRunningTotal(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	check := func(asOf *string, want float64, wantPeriod string) {
		t.Helper()
		var a struct {
			Latest *struct {
				Period string
				Value  *float64
			}
			Explanation string
		}
		if err := json.Unmarshal(assessAsOf(t, e, tok, "1.4", city, asOf), &a); err != nil {
			t.Fatal(err)
		}
		if a.Latest == nil || a.Latest.Value == nil || *a.Latest.Value != want || a.Latest.Period != wantPeriod {
			t.Errorf("latest = %+v, want %v over %s", a.Latest, want, wantPeriod)
		}
		if w := fmt.Sprintf("2021年以来累计%v", want); !strings.Contains(a.Explanation, w) {
			t.Errorf("explanation %q lacks %q", a.Explanation, w)
		}
	}
	check(nil, 21, "2021..2023Q1")
	MustInsertSubmission(t, e, city, "2024", "APPROVED", map[string]float64{"PRO_BUSINESS_POLICIES": 5})
	check(nil, 26, "2021..2024")
	midTerm := "2023Q1"
	check(&midTerm, 21, "2021..2023Q1")
}

// TestImplausibleStoredValueNeverInternal: a value no save accepts (1.7e308), put into the
// database another way, is read as if it were not there: every roll-up answers, none with
// INTERNAL, NaN or Infinity.
func TestImplausibleStoredValueNeverInternal(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustInsertSubmission(t, e, countyA, "2024", "APPROVED", map[string]float64{"HV_INVENTION_PATENTS": 1.7e308, "RESIDENT_POPULATION": 400000})
	MustInsertSubmission(t, e, countyB, "2024", "APPROVED", map[string]float64{"HV_INVENTION_PATENTS": 1.7e308, "RESIDENT_POPULATION": 300000})
	tok := e.Token(t, "410000", auth.RoleAnalyst)
	for _, q := range []string{
		`{ indicatorValues(regionCode: "419900", period: "2024") { value numerator denominator } }`,
		`{ indicatorValues(regionCode: "410000", period: "2021..2024") { value numerator denominator } }`,
		`{ dashboard(regionCode: "410000", period: "2024") { rows { total { value } cells { value } } } }`,
		`{ plan { indicators { assessment(regionCode: "419900") { status explanation latest { value } } values(regionCode: "419902", periods: ["2024", "2022..2024"]) { value } } } }`,
	} {
		r := e.Do(t, tok, q, nil)
		if len(r.Errors) > 0 || r.Status != 200 {
			t.Errorf("%s: %d %+v", q, r.Status, r.Errors)
		}
		if s := string(r.Data); strings.Contains(s, "Inf") || strings.Contains(s, "NaN") || strings.Contains(s, "e+308") {
			t.Errorf("%s answered %s", q, s)
		}
	}
	v := figures(t, e, e.Token(t, city, auth.RoleAnalyst), city, "2024", "1.1")["1.1"]
	if v.Value != nil {
		t.Errorf("1.1 for 2024 = %v, want no value (the only invention-patent figures are not usable)", *v.Value)
	}
}
