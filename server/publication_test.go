package server_test

import (
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// cityValue reads the city's 2.10 for a period as the token's caller; nil value when withheld.
func cityValue(tb testing.TB, e *testenv.Env, token, region, per, indicator string) (*testenv.Response, *figureJSON) {
	tb.Helper()
	r := e.Do(tb, token, `query($r: String!, $p: String!, $c: [String!]) { indicatorValues(regionCode: $r, period: $p, indicatorCodes: $c) {
		indicator { code } period value numerator denominator partial completeness { expected reported approved incomplete { code } missing { code } } } }`,
		map[string]any{"r": region, "p": per, "c": []string{indicator}})
	if len(r.Errors) > 0 {
		return r, nil
	}
	var out struct{ IndicatorValues []figureJSON }
	r.Decode(tb, &out)
	return r, &out.IndicatorValues[0]
}

// TestPublishedTotalsOnly: a county reads its city's totals only as the city published them:
// not before, a snapshot after (later approvals do not change it), not after a withdrawal.
func TestPublishedTotalsOnly(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := e.Token(t, countyA, auth.RoleReporter)
	admin := e.Token(t, city, auth.RoleAdmin)
	for region, v := range map[string][2]float64{countyA: {100, 5}, countyB: {200, 6}, "419921": {300, 7}} {
		MustInsertSubmission(t, e, region, "2024", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": v[0], "IP_BATCHES_FAILED": v[1]})
	}
	t.Run("NotBeforePublication", func(t *testing.T) {
		if r, _ := cityValue(t, e, clerk, city, "2024", "2.10"); r.Code() != "NOT_FOUND" {
			t.Errorf("unpublished city total: %s %+v, want NOT_FOUND", r.Code(), r.Errors)
		}
		for name, q := range map[string]string{
			"dashboard":  `{ dashboard(regionCode: "419900", period: "2024") { rows { total { value } } } }`,
			"taskRollup": `{ taskRollup(regionCode: "419900", period: "2024") { done } }`,
			"range":      `{ indicatorValues(regionCode: "419900", period: "2022..2024") { value } }`,
		} {
			if r := e.Do(t, clerk, q, nil); r.Code() != "NOT_FOUND" {
				t.Errorf("%s above the county, unpublished: %s", name, r.Code())
			}
		}
		// Indicator.values and assessments say so rather than fail.
		var out struct {
			Indicator struct {
				Values []struct {
					Value     *float64
					Published bool
				}
			}
		}
		e.MustOK(t, clerk, `{ indicator(code: "2.10") { values(regionCode: "419900", periods: ["2022", "2024"]) { value published } } }`, nil, &out)
		if v := out.Indicator.Values; len(v) != 2 || !v[0].Published || v[0].Value == nil || v[1].Published || v[1].Value != nil {
			t.Errorf("values 2022 (published) and 2024 (not) = %+v", v)
		}
		// The city itself sees its live total.
		if _, v := cityValue(t, e, admin, city, "2024", "2.10"); v == nil || v.Denominator == nil || *v.Denominator != 600 {
			t.Errorf("the city's own live total = %+v", v)
		}
	})

	MustPublish(t, e, city, "2024")
	want := (600.0 - 18) / 600 * 100
	t.Run("AfterPublication", func(t *testing.T) {
		_, v := cityValue(t, e, clerk, city, "2024", "2.10")
		if v == nil || v.Value == nil || round(*v.Value, 6) != round(want, 6) || v.Completeness.Approved != 3 || v.Completeness.Reported != 3 {
			t.Errorf("published city total = %+v, want %.4f from 3 counties", v, want)
		}
	})
	t.Run("LaterApprovalsDoNotChangeIt", func(t *testing.T) {
		MustInsertSubmission(t, e, "419922", "2024", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 400, "IP_BATCHES_FAILED": 40})
		if _, v := cityValue(t, e, clerk, city, "2024", "2.10"); v == nil || v.Value == nil || round(*v.Value, 6) != round(want, 6) {
			t.Errorf("the county's view moved with an approval: %+v", v)
		}
		if _, v := cityValue(t, e, admin, city, "2024", "2.10"); v == nil || v.Denominator == nil || *v.Denominator != 1000 {
			t.Errorf("the city's own live total = %+v, want 1000 batches", v)
		}
		MustPublish(t, e, city, "2024") // published again: the county sees the new figure
		if _, v := cityValue(t, e, clerk, city, "2024", "2.10"); v == nil || v.Denominator == nil || *v.Denominator != 1000 {
			t.Errorf("after publishing again: %+v, want 1000 batches", v)
		}
	})
	t.Run("NoNumeratorWithoutValue", func(t *testing.T) {
		// 2025: nothing inspected anywhere, so 2.10 has no value (0 / 0); its parts stay out too.
		for _, region := range []string{countyA, countyB, "419921"} {
			MustInsertSubmission(t, e, region, "2025", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 0, "IP_BATCHES_FAILED": 0})
		}
		MustPublish(t, e, city, "2025")
		if _, v := cityValue(t, e, clerk, city, "2025", "2.10"); v == nil || v.Value != nil || v.Numerator != nil || v.Denominator != nil {
			t.Errorf("published 2.10 without a value = %+v, want no numerator or denominator either", v)
		}
	})
	t.Run("Withdrawn", func(t *testing.T) {
		if r := e.Do(t, admin, `mutation { unpublishPeriod(regionCode: "419900", period: "2024", reason: " ") { withdrawn } }`, nil); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("withdrawal without a reason: %s", r.Code())
		}
		if r := e.Do(t, clerk, `mutation { unpublishPeriod(regionCode: "419900", period: "2024", reason: "错") { withdrawn } }`, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("a county withdraws the city's publication: %s", r.Code())
		}
		var out struct {
			UnpublishPeriod struct {
				Withdrawn       bool
				WithdrawnReason string
				Version         int
			}
		}
		e.MustOK(t, admin, `mutation { unpublishPeriod(regionCode: "419900", period: "2024", reason: "西城区数据有误,待更正") { withdrawn withdrawnReason version } }`, nil, &out)
		if !out.UnpublishPeriod.Withdrawn || out.UnpublishPeriod.WithdrawnReason == "" || out.UnpublishPeriod.Version != 2 {
			t.Errorf("withdrawal = %+v", out.UnpublishPeriod)
		}
		if r, _ := cityValue(t, e, clerk, city, "2024", "2.10"); r.Code() != "NOT_FOUND" {
			t.Errorf("withdrawn publication still read: %s", r.Code())
		}
		var list struct {
			Publications []struct {
				Period    string
				Withdrawn bool
			}
		}
		e.MustOK(t, clerk, `{ publications(regionCode: "419900") { period withdrawn } }`, nil, &list)
		found := false
		for _, p := range list.Publications {
			found = found || (p.Period == "2024" && p.Withdrawn)
		}
		if !found {
			t.Errorf("publications = %+v, want 2024 withdrawn among them", list.Publications)
		}
	})
}

// TestSmallCellPerElement is the 47 − 10 scenario: with 东城区 and 西城区 reporting both
// figures of 2.1 and 南山县 only the pool, 东城区 must not read 西城区's entities checked from the
// city's numerator. 南山县 is left out of the figure (it reported too little), so the figure
// holds two counties: withheld from every county.
func TestSmallCellPerElement(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustInsertSubmission(t, e, countyA, "2024", "APPROVED", map[string]float64{"RI_POOL_ENTITIES": 200, "RI_ENTITIES_CHECKED": 10})
	MustInsertSubmission(t, e, countyB, "2024", "APPROVED", map[string]float64{"RI_POOL_ENTITIES": 300, "RI_ENTITIES_CHECKED": 37})
	MustInsertSubmission(t, e, "419921", "2024", "APPROVED", map[string]float64{"RI_POOL_ENTITIES": 250})
	MustPublish(t, e, city, "2024")
	for _, county := range []string{countyA, countyB, "419921", "419922"} {
		_, v := cityValue(t, e, e.Token(t, county, auth.RoleReporter), city, "2024", "2.1")
		if v == nil || v.Value != nil || v.Numerator != nil || v.Denominator != nil {
			t.Errorf("to %s the city's 2.1 = %+v; want it withheld (numerator 47 − own 10 = 37)", county, v)
		}
	}
	// The city sees it.
	if _, v := cityValue(t, e, e.Token(t, city, auth.RoleReviewer), city, "2024", "2.1"); v == nil || v.Numerator == nil || *v.Numerator != 47 {
		t.Errorf("the city's own 2.1 = %+v, want numerator 47", v)
	}
}

// TestCrossCityIsolation: the demo's second city (419700 YY市) and its admin against XX市
// (419900): no province total made of one city, no change to and no sight of the other city's
// reporting periods.
func TestCrossCityIsolation(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	other := e.Token(t, "419700", auth.RoleAdmin)
	province := e.Token(t, "410000", auth.RoleAdmin)
	t.Run("ProvinceTotals", func(t *testing.T) {
		// Unpublished: not visible at all.
		if r, _ := cityValue(t, e, other, "410000", "2022", "2.10"); r.Code() != "NOT_FOUND" {
			t.Errorf("unpublished province total to another city: %s", r.Code())
		}
		// 2023Q1: only XX市 reported. 2022: both cities did, which is still one other city for
		// each of them.
		for _, per := range []string{"2023Q1", "2022"} {
			MustPublish(t, e, "410000", per)
			for _, tok := range []string{other, e.Token(t, city, auth.RoleAdmin), e.Token(t, "419701", auth.RoleReporter)} {
				if _, v := cityValue(t, e, tok, "410000", per, "2.10"); v == nil || v.Value != nil || v.Denominator != nil {
					t.Errorf("province %s total shown below the province: %+v", per, v)
				}
			}
		}
		// The province itself sees both cities' figures.
		if _, v := cityValue(t, e, province, "410000", "2022", "2.10"); v == nil || v.Denominator == nil || *v.Denominator <= 501 {
			t.Errorf("the province's own 2022 = %+v, want more than XX市's 501 batches", v)
		}
	})
	t.Run("Periods", func(t *testing.T) {
		var out map[string]any
		e.MustOK(t, e.Token(t, city, auth.RoleAdmin), `mutation { openPeriod(period: "2024") { open } }`, nil, &out)
		// The other city's admin can neither close XX市's period nor see it.
		if r := e.Do(t, other, `mutation { closePeriod(period: "2024", regionCode: "419900") { open } }`, nil); r.Code() != "NOT_FOUND" {
			t.Errorf("another city closes XX市's period: %s", r.Code())
		}
		e.MustOK(t, other, `mutation { closePeriod(period: "2024") { open } }`, nil, &out) // its own
		var periods struct {
			ReportingPeriods []struct {
				Period    string
				Open      bool
				UpdatedBy string
				Region    struct{ Code string }
			}
		}
		e.MustOK(t, other, `{ reportingPeriods(regionCode: "419900") { period } }`, nil, &periods)
		if len(periods.ReportingPeriods) != 0 {
			t.Errorf("another city sees XX市's periods: %+v", periods.ReportingPeriods)
		}
		e.MustOK(t, other, `{ reportingPeriods { period open updatedBy region { code } } }`, nil, &periods)
		for _, p := range periods.ReportingPeriods {
			if p.Region.Code != "419700" {
				t.Errorf("another city's listing holds %+v", p)
			}
		}
		// XX市's counties still save into 2024.
		in := saveVars(countyA, "2024", 0, vals{"element": "IP_BATCHES_INSPECTED", "value": 10})
		e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), saveMutation, in, &out)
		// YY市's do not: its 2024 is closed.
		in = saveVars("419701", "2024", 0, vals{"element": "IP_BATCHES_INSPECTED", "value": 10})
		if r := e.Do(t, e.Token(t, "419701", auth.RoleReporter), saveMutation, in); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("YY市's county saves into its closed period: %s", r.Code())
		}
		// Asking for the province gives a city its own periods only, not the other city's.
		e.MustOK(t, e.Token(t, city, auth.RoleAdmin), `{ reportingPeriods(regionCode: "410000") { period region { code } } }`, nil, &periods)
		for _, p := range periods.ReportingPeriods {
			if p.Region.Code != city {
				t.Errorf("XX市 asking for its province sees %+v", p)
			}
		}
		// A county sees its own city's periods.
		e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), `{ reportingPeriods { period open region { code } } }`, nil, &periods)
		open := false
		for _, p := range periods.ReportingPeriods {
			open = open || (p.Period == "2024" && p.Open && p.Region.Code == city)
		}
		if !open {
			t.Errorf("东城区's view of its city's periods = %+v", periods.ReportingPeriods)
		}
	})
}
