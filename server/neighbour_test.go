package server_test

import (
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// TestAncestorTotalsDoNotRevealANeighbour: a county reads its city's total, but never in a
// way that amounts to a neighbour's raw figures or review status: no preview of unapproved
// figures above its scope, completeness without who is pending or missing, and a total made
// of exactly one neighbour's approved figures (with or without its own) withheld.
func TestAncestorTotalsDoNotRevealANeighbour(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerkA := e.Token(t, countyA, auth.RoleReporter)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	saveAndSubmit := func(region string, inspected, failed float64) {
		t.Helper()
		tok := e.Token(t, region, auth.RoleReporter)
		in := saveVars(region, "2024", 0, vals{"element": "IP_BATCHES_INSPECTED", "value": inspected}, vals{"element": "IP_BATCHES_FAILED", "value": failed})
		in["in"].(map[string]any)["tasks"] = []any{map[string]any{"task": "2.3.3", "status": "DONE", "outputs": []any{map[string]any{"key": "CASES", "value": 5}}}}
		var out map[string]any
		e.MustOK(t, tok, saveMutation, in, &out)
		MustDeclareRestMissing(t, e, region, "2024") // required figures are not this test's subject
		e.MustOK(t, tok, `mutation($r: String!) { submitSubmission(regionCode: $r, period: "2024", expectedVersion: 1) { status } }`, map[string]any{"r": region}, &out)
	}
	approve := func(region string) {
		t.Helper()
		var out map[string]any
		e.MustOK(t, reviewer, `mutation($r: String!) { approveSubmission(regionCode: $r, period: "2024", expectedVersion: 2) { status } }`, map[string]any{"r": region}, &out)
	}
	// A county reads its city's total as the city last published it: each step publishes.
	cityTotal := func(token string) valueJSON {
		t.Helper()
		if token == clerkA {
			MustPublish(t, e, city, "2024")
		}
		var out struct {
			IndicatorValues []struct {
				valueJSON
				Withheld bool `json:"withheld"`
			}
		}
		e.MustOK(t, token, `{ indicatorValues(regionCode: "419900", period: "2024", indicatorCodes: ["2.10"]) {
			value numerator denominator withheld completeness { expected reported approved missing { code } } } }`, nil, &out)
		v := out.IndicatorValues[0]
		if v.Withheld != (v.Value == nil && v.Completeness.Approved > 0) {
			t.Errorf("withheld = %v with value %v and %d approved", v.Withheld, v.Value, v.Completeness.Approved)
		}
		return v.valueJSON
	}

	// 西城区 submits: awaiting review.
	saveAndSubmit(countyB, 317, 7)
	t.Run("NoPreviewAboveOwnScope", func(t *testing.T) {
		for name, q := range map[string]string{
			"indicatorValues": `{ indicatorValues(regionCode: "419900", period: "2024", includeUnapproved: true) { value } }`,
			"dashboard":       `{ dashboard(regionCode: "419900", period: "2024", includeUnapproved: true) { rows { total { value } } } }`,
			"taskRollup":      `{ taskRollup(regionCode: "419900", period: "2024", includeUnapproved: true) { outputs { value } } }`,
		} {
			if r := e.Do(t, clerkA, q, nil); r.Code() != "FORBIDDEN" {
				t.Errorf("%s preview of the city by a county: %s", name, r.Code())
			}
		}
		// Its own county's preview is fine.
		if r := e.Do(t, clerkA, `{ indicatorValues(regionCode: "419902", period: "2024", includeUnapproved: true) { value } }`, nil); len(r.Errors) > 0 {
			t.Errorf("own preview: %+v", r.Errors)
		}
	})
	t.Run("PendingNeighbourNotShown", func(t *testing.T) {
		v := cityTotal(clerkA)
		if v.Completeness.Reported != 0 || len(v.Completeness.Missing) != 0 || v.Value != nil {
			t.Errorf("a county sees its city's total as %+v: it shows the neighbour awaiting review", v)
		}
		// The city itself sees who is pending and who is missing.
		if c := cityTotal(reviewer).Completeness; c.Reported != 1 || c.Approved != 0 || len(c.Missing) != 4 {
			t.Errorf("the city's view of completeness = %+v", c)
		}
	})

	// Approved: the city total is now 西城区's figures alone; 东城区 must not see them.
	approve(countyB)
	t.Run("OneNeighbourWithheld", func(t *testing.T) {
		if v := cityTotal(clerkA); v.Value != nil || v.Numerator != nil || v.Denominator != nil {
			t.Errorf("city total of one neighbour shown to a county: %v / %v", v.Numerator, v.Denominator)
		}
		if v := cityTotal(reviewer); v.Denominator == nil || *v.Denominator != 317 {
			t.Errorf("the city's own view = %+v", v)
		}
		MustPublish(t, e, city, "2024")
		var tr struct{ TaskRollup []taskRollupJSON }
		e.MustOK(t, clerkA, `{ taskRollup(regionCode: "419900", period: "2024") { task { code } outputs { code value } } }`, nil, &tr)
		for _, r := range tr.TaskRollup {
			if len(r.Outputs) > 0 {
				t.Errorf("task %s outputs of one neighbour shown to a county: %+v", r.Task.Code, r.Outputs)
			}
		}
	})
	// Its own figures plus one neighbour's: subtracting its own would give the neighbour's.
	saveAndSubmit(countyA, 100, 10)
	approve(countyA)
	t.Run("OwnPlusOneNeighbourWithheld", func(t *testing.T) {
		if v := cityTotal(clerkA); v.Value != nil {
			t.Errorf("own + one neighbour shown: %v / %v", *v.Numerator, *v.Denominator)
		}
	})
	// A second neighbour: the total no longer singles anyone out.
	saveAndSubmit("419921", 50, 1)
	approve("419921")
	t.Run("TwoNeighboursShown", func(t *testing.T) {
		v := cityTotal(clerkA)
		if v.Denominator == nil || *v.Denominator != 467 || v.Completeness.Approved != 3 {
			t.Errorf("city total with two neighbours = %+v, want 467 batches from 3 approved counties", v)
		}
	})
}
