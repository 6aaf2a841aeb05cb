package refrollup

import (
	"math"
	"slices"
	"testing"

	"planapi/catalogue"
	"planapi/models"
	"planapi/period"
)

func fp(v float64) *float64 { return &v }

func TestAggregateTime(t *testing.T) {
	y := period.Year(2022)
	q := func(n int) period.Period { return period.Quarter(2022, n) }
	tests := []struct {
		name   string
		rule   catalogue.TimeRule
		p      period.Period
		values map[period.Period]float64
		want   float64
		ok     bool
	}{
		{"QuarterOnlyItself", catalogue.TimeSum, q(2), map[period.Period]float64{q(1): 1, q(2): 2, y: 9}, 2, true},
		{"QuarterMissing", catalogue.TimeSum, q(3), map[period.Period]float64{q(1): 1, y: 9}, 0, false},
		{"QuarterIgnoresYear", catalogue.TimeLast, q(1), map[period.Period]float64{y: 9}, 0, false},
		{"SumFromQuarters", catalogue.TimeSum, y, map[period.Period]float64{q(1): 1, q(2): 2, q(4): 4}, 7, true},
		{"LastFromQuarters", catalogue.TimeLast, y, map[period.Period]float64{q(1): 10, q(3): 30, q(2): 20}, 30, true},
		{"LastIsLatestPresent", catalogue.TimeLast, y, map[period.Period]float64{q(1): 10}, 10, true},
		{"AverageFromQuarters", catalogue.TimeAverage, y, map[period.Period]float64{q(1): 1, q(2): 4}, 2.5, true},
		{"YearlyOverridesSum", catalogue.TimeSum, y, map[period.Period]float64{q(1): 1, q(2): 2, y: 100}, 100, true},
		{"YearlyOverridesLast", catalogue.TimeLast, y, map[period.Period]float64{q(4): 5, y: 7}, 7, true},
		{"YearlyZeroStillOverrides", catalogue.TimeSum, y, map[period.Period]float64{q(1): 5, y: 0}, 0, true},
		{"OtherYearIgnored", catalogue.TimeSum, y, map[period.Period]float64{period.Quarter(2021, 4): 5, period.Year(2023): 1}, 0, false},
		{"Nothing", catalogue.TimeSum, y, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AggregateTime(tt.rule, tt.p, tt.values)
			if ok != tt.ok || got != tt.want {
				t.Errorf("AggregateTime(%s, %s) = %v, %v; want %v, %v", tt.rule, tt.p, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestAggregateRegions(t *testing.T) {
	const city = "419900"
	vals := map[string]float64{"419902": 10, "419903": 20, "419921": 60}
	tests := []struct {
		name    string
		agg     catalogue.Aggregation
		values  map[string]float64
		weights map[string]float64
		want    Total
		ok      bool
	}{
		{"Sum", catalogue.Aggregation{Regions: catalogue.RegionSum}, vals, nil, Total{Value: 90, Regions: 3}, true},
		{"SumIncludesTarget", catalogue.Aggregation{Regions: catalogue.RegionSum}, map[string]float64{city: 1, "419902": 2}, nil, Total{Value: 3, Regions: 2}, true},
		{"Min", catalogue.Aggregation{Regions: catalogue.RegionMin}, vals, nil, Total{Value: 10, Regions: 3}, true},
		{"Max", catalogue.Aggregation{Regions: catalogue.RegionMax}, vals, nil, Total{Value: 60, Regions: 3}, true},
		{"AveragePlain", catalogue.Aggregation{Regions: catalogue.RegionAverage}, vals, nil, Total{Value: 30, Regions: 3}, true},
		{"AverageWeighted", catalogue.Aggregation{Regions: catalogue.RegionAverage, Weight: "W"}, vals,
			map[string]float64{"419902": 1, "419903": 1, "419921": 2}, Total{Value: (10 + 20 + 120) / 4.0, Regions: 3}, true},
		{"AverageWeightedSkipsUnweighted", catalogue.Aggregation{Regions: catalogue.RegionAverage, Weight: "W"}, vals,
			map[string]float64{"419902": 3, "419903": 1}, Total{Value: (30 + 20) / 4.0, Regions: 2}, true},
		{"AverageWeightedZeroWeight", catalogue.Aggregation{Regions: catalogue.RegionAverage, Weight: "W"}, vals,
			map[string]float64{"419902": 0}, Total{}, false},
		{"AverageWeightedNoWeights", catalogue.Aggregation{Regions: catalogue.RegionAverage, Weight: "W"}, vals, nil, Total{}, false},
		{"NoneTakesTargetOnly", catalogue.Aggregation{Regions: catalogue.RegionNone}, map[string]float64{city: 5, "419902": 7}, nil, Total{Value: 5, Regions: 1}, true},
		{"NoneNeverSumsCounties", catalogue.Aggregation{Regions: catalogue.RegionNone}, vals, nil, Total{}, false},
		{"Empty", catalogue.Aggregation{Regions: catalogue.RegionSum}, nil, nil, Total{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AggregateRegions(tt.agg, city, tt.values, tt.weights)
			if ok != tt.ok || got != tt.want {
				t.Errorf("AggregateRegions = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	pct := catalogue.Formula{
		Numerator:   []catalogue.Term{{Element: "INSPECTED"}, {Element: "FAILED", Coefficient: -1}},
		Denominator: []catalogue.Term{{Element: "INSPECTED"}},
		Factor:      100,
	}
	perCapita := catalogue.Formula{
		Numerator:   []catalogue.Term{{Element: "PATENTS"}},
		Denominator: []catalogue.Term{{Element: "POPULATION"}},
		Factor:      10000,
	}
	count := catalogue.Formula{Numerator: []catalogue.Term{{Element: "CASES"}}, Factor: 1}
	tests := []struct {
		name            string
		f               catalogue.Formula
		agg             map[string]float64
		value, num, den *float64
	}{
		// The report's own example: 538 inspected, 25 failed → 95.35 %.
		{"RatioOfSums", pct, map[string]float64{"INSPECTED": 538, "FAILED": 25}, fp(513.0 / 538 * 100), fp(513), fp(538)},
		{"PerCapita", perCapita, map[string]float64{"PATENTS": 300, "POPULATION": 1e6}, fp(3), fp(300), fp(1e6)},
		{"NoDenominator", count, map[string]float64{"CASES": 28}, fp(28), fp(28), nil},
		{"ZeroDenominator", pct, map[string]float64{"INSPECTED": 0, "FAILED": 0}, nil, fp(0), fp(0)},
		{"MissingNumeratorElement", pct, map[string]float64{"INSPECTED": 10}, nil, nil, fp(10)},
		{"MissingDenominatorElement", perCapita, map[string]float64{"PATENTS": 3}, nil, fp(3), nil},
		{"MissingAll", count, nil, nil, nil, nil},
	}
	eq := func(a, b *float64) bool {
		return (a == nil && b == nil) || (a != nil && b != nil && math.Abs(*a-*b) < 1e-9)
	}
	str := func(a *float64) any {
		if a == nil {
			return nil
		}
		return *a
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, d := Evaluate(tt.f, tt.agg)
			if !eq(v, tt.value) || !eq(n, tt.num) || !eq(d, tt.den) {
				t.Errorf("Evaluate = %v, %v, %v; want %v, %v, %v", str(v), str(n), str(d), str(tt.value), str(tt.num), str(tt.den))
			}
		})
	}

	// A municipal percentage is the ratio of the summed parts, not the mean of county rates:
	// county A 90/100 = 90 %, county B 1/10 = 10 %; the city is 91/110, not 50 %.
	t.Run("NotAnAverageOfRates", func(t *testing.T) {
		rules := map[string]catalogue.DataElement{
			"INSPECTED": {Code: "INSPECTED", CollectedAt: catalogue.County, Aggregation: catalogue.Aggregation{Regions: catalogue.RegionSum, Time: catalogue.TimeSum}},
			"FAILED":    {Code: "FAILED", CollectedAt: catalogue.County, Aggregation: catalogue.Aggregation{Regions: catalogue.RegionSum, Time: catalogue.TimeSum}},
		}
		y := period.Year(2022)
		rows := []Row{
			{"419902", y, "INSPECTED", 100}, {"419902", y, "FAILED", 10},
			{"419903", y, "INSPECTED", 10}, {"419903", y, "FAILED", 9},
		}
		v, _, _ := Evaluate(pct, rollupValues(rules, testRegions, rows, "419900", y))
		if v == nil || math.Abs(*v-91.0/110*100) > 1e-9 {
			t.Errorf("city pass rate = %v, want %v", str(v), 91.0/110*100)
		}
	})
}

func TestElements(t *testing.T) {
	f := catalogue.Formula{
		Numerator:   []catalogue.Term{{Element: "A"}, {Element: "B", Coefficient: -1}},
		Denominator: []catalogue.Term{{Element: "A"}, {Element: "C"}},
	}
	if got, want := Elements(f), []string{"A", "B", "C"}; !slices.Equal(got, want) {
		t.Errorf("Elements = %v, want %v", got, want)
	}
}

var testRegions = []RegionInfo{
	{"410000", "410000/", catalogue.Province},
	{"419900", "410000/419900/", catalogue.City},
	{"419902", "410000/419900/419902/", catalogue.County},
	{"419903", "410000/419900/419903/", catalogue.County},
	{"419921", "410000/419900/419921/", catalogue.County},
	{"418800", "410000/418800/", catalogue.City},
	{"418801", "410000/418800/418801/", catalogue.County},
}

func el(code string, level catalogue.Level, r catalogue.RegionRule, tr catalogue.TimeRule, weight string) catalogue.DataElement {
	return catalogue.DataElement{Code: code, CollectedAt: level, Aggregation: catalogue.Aggregation{Regions: r, Time: tr, Weight: weight}}
}

func TestRollup(t *testing.T) {
	rules := map[string]catalogue.DataElement{}
	for _, e := range []catalogue.DataElement{
		el("FLOW", catalogue.County, catalogue.RegionSum, catalogue.TimeSum, ""),
		el("STOCK", catalogue.County, catalogue.RegionSum, catalogue.TimeLast, ""),
		el("SCORE", catalogue.County, catalogue.RegionAverage, catalogue.TimeLast, "PEOPLE"),
		el("PEOPLE", catalogue.County, catalogue.RegionSum, catalogue.TimeLast, ""),
		el("LOW", catalogue.County, catalogue.RegionMin, catalogue.TimeAverage, ""),
		el("HIGH", catalogue.County, catalogue.RegionMax, catalogue.TimeSum, ""),
		el("POLICIES", catalogue.City, catalogue.RegionNone, catalogue.TimeSum, ""),
	} {
		rules[e.Code] = e
	}
	y, q := period.Year(2022), func(n int) period.Period { return period.Quarter(2022, n) }
	rows := []Row{
		// FLOW: 419902 by quarters (1+2), 419903 yearly 10 overriding its quarter 99, 419921 Q4 only.
		{"419902", q(1), "FLOW", 1}, {"419902", q(2), "FLOW", 2},
		{"419903", q(1), "FLOW", 99}, {"419903", y, "FLOW", 10},
		{"419921", q(4), "FLOW", 4},
		// STOCK: latest quarter.
		{"419902", q(1), "STOCK", 100}, {"419902", q(3), "STOCK", 130},
		{"419903", q(2), "STOCK", 50},
		// SCORE weighted by PEOPLE.
		{"419902", y, "SCORE", 80}, {"419902", y, "PEOPLE", 1000},
		{"419903", y, "SCORE", 90}, {"419903", y, "PEOPLE", 3000},
		{"419921", y, "SCORE", 10}, // no PEOPLE: left out of the weighted mean
		// LOW: time average then minimum over regions.
		{"419902", q(1), "LOW", 4}, {"419902", q(2), "LOW", 6},
		{"419903", y, "LOW", 7},
		// HIGH: time sum then maximum.
		{"419902", q(1), "HIGH", 4}, {"419902", q(2), "HIGH", 6},
		{"419903", y, "HIGH", 7},
		// POLICIES: only the city's own figure; a county's is never summed.
		{"419900", q(1), "POLICIES", 2}, {"419900", q(2), "POLICIES", 3}, {"419902", y, "POLICIES", 50},
		// Another city's subtree, and another year: never included.
		{"418801", y, "FLOW", 1000}, {"418800", y, "POLICIES", 1000}, {"419902", period.Year(2021), "FLOW", 1000},
	}
	tests := []struct {
		name   string
		target string
		p      period.Period
		want   map[string]Total
	}{
		{"CityYear", "419900", y, map[string]Total{
			"FLOW":     {Value: 3 + 10 + 4, Regions: 3},
			"STOCK":    {Value: 130 + 50, Regions: 2},
			"SCORE":    {Value: (80*1000 + 90*3000) / 4000.0, Regions: 2},
			"PEOPLE":   {Value: 4000, Regions: 2},
			"LOW":      {Value: 5, Regions: 2},
			"HIGH":     {Value: 10, Regions: 2},
			"POLICIES": {Value: 5, Regions: 1},
		}},
		{"CityQuarter", "419900", q(1), map[string]Total{
			"FLOW":     {Value: 1 + 99, Regions: 2},
			"STOCK":    {Value: 100, Regions: 1},
			"LOW":      {Value: 4, Regions: 1},
			"HIGH":     {Value: 4, Regions: 1},
			"POLICIES": {Value: 2, Regions: 1},
		}},
		{"County", "419902", y, map[string]Total{
			"FLOW":     {Value: 3, Regions: 1},
			"STOCK":    {Value: 130, Regions: 1},
			"SCORE":    {Value: 80, Regions: 1},
			"PEOPLE":   {Value: 1000, Regions: 1},
			"LOW":      {Value: 5, Regions: 1},
			"HIGH":     {Value: 10, Regions: 1},
			"POLICIES": {Value: 50, Regions: 1}, // what the county itself entered, were it ever to
		}},
		{"OtherCity", "418800", y, map[string]Total{"FLOW": {Value: 1000, Regions: 1}, "POLICIES": {Value: 1000, Regions: 1}}},
		{"UnknownTarget", "999999", y, map[string]Total{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RollupTotals(rules, testRegions, rows, tt.target, tt.p)
			if len(got) != len(tt.want) {
				t.Errorf("RollupTotals = %v, want %v", got, tt.want)
			}
			for e, w := range tt.want {
				if g, ok := got[e]; !ok || math.Abs(g.Value-w.Value) > 1e-9 || g.Regions != w.Regions {
					t.Errorf("%s = %+v (present %v), want %+v", e, g, ok, w)
				}
			}
		})
	}
}

func TestCompleteness(t *testing.T) {
	rules := map[string]catalogue.DataElement{
		"A":        el("A", catalogue.County, catalogue.RegionSum, catalogue.TimeSum, ""),
		"B":        el("B", catalogue.County, catalogue.RegionSum, catalogue.TimeSum, ""),
		"OTHER":    el("OTHER", catalogue.County, catalogue.RegionSum, catalogue.TimeSum, ""),
		"POLICIES": el("POLICIES", catalogue.City, catalogue.RegionNone, catalogue.TimeSum, ""),
	}
	y, q := period.Year(2022), func(n int) period.Period { return period.Quarter(2022, n) }
	subs := []Submission{
		{"419902", y, models.StatusApproved, []string{"A"}},
		{"419902", q(1), models.StatusSubmitted, []string{"A"}}, // overridden by the yearly one: does not spoil approval
		{"419903", q(1), models.StatusApproved, []string{"B"}},
		{"419903", q(2), models.StatusSubmitted, []string{"A"}},
		{"419921", y, "DRAFT", []string{"A"}},
		{"419921", q(1), models.StatusApproved, []string{"OTHER"}}, // holds none of the formula's elements
		{"419900", q(3), models.StatusSubmitted, []string{"POLICIES"}},
		{"418801", y, models.StatusApproved, []string{"A"}},
	}
	counties := []string{"419902", "419903", "419921"}
	tests := []struct {
		name              string
		elements          []string
		target            string
		p                 period.Period
		includeUnapproved bool
		want              Coverage
	}{
		// 419902 has A and not B, 419903 B (approved) and A only awaiting review: each reported
		// something and not enough to count.
		{"ApprovedOnly", []string{"A", "B"}, "419900", y, false, Coverage{
			Expected: counties, Reported: []string{"419902", "419903"}, Incomplete: []string{"419902", "419903"}, Missing: []string{"419921"}}},
		// With SUBMITTED figures 419903 has both, but not all approved.
		{"WithSubmitted", []string{"A", "B"}, "419900", y, true, Coverage{
			Expected: counties, Reported: []string{"419902", "419903"}, Incomplete: []string{"419902"}, Missing: []string{"419921"}}},
		{"OneElement", []string{"A"}, "419900", y, false, Coverage{
			Expected: counties, Reported: []string{"419902"}, Approved: []string{"419902"}, Missing: []string{"419903", "419921"}}},
		// In Q1 419903 has B and not A (its A is in Q2).
		{"QuarterLacksAnElement", []string{"A", "B"}, "419903", q(1), true, Coverage{
			Expected: []string{"419903"}, Reported: []string{"419903"}, Incomplete: []string{"419903"}}},
		{"Quarter", []string{"A"}, "419900", q(1), true, Coverage{
			Expected: counties, Reported: []string{"419902"}, Missing: []string{"419903", "419921"}}},
		{"CityOnly", []string{"POLICIES"}, "419900", y, true, Coverage{
			Expected: []string{"419900"}, Reported: []string{"419900"}, Missing: nil}},
		{"CityOnlyApprovedOnly", []string{"POLICIES"}, "419900", y, false, Coverage{
			Expected: []string{"419900"}, Missing: []string{"419900"}}},
		{"MixedLevels", []string{"POLICIES", "A"}, "419900", y, false, Coverage{
			Expected: []string{"419900", "419902", "419903", "419921"}, Reported: []string{"419902"}, Approved: []string{"419902"},
			Missing: []string{"419900", "419903", "419921"}}},
		{"CountyTarget", []string{"A"}, "419902", y, false, Coverage{
			Expected: []string{"419902"}, Reported: []string{"419902"}, Approved: []string{"419902"}}},
		{"CityElementAtCounty", []string{"POLICIES"}, "419902", y, true, Coverage{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Completeness(rules, testRegions, subs, tt.elements, tt.target, period.Single(tt.p), tt.includeUnapproved)
			if !slices.Equal(got.Expected, tt.want.Expected) || !slices.Equal(got.Reported, tt.want.Reported) ||
				!slices.Equal(got.Approved, tt.want.Approved) || !slices.Equal(got.Missing, tt.want.Missing) ||
				!slices.Equal(got.Incomplete, tt.want.Incomplete) {
				t.Errorf("Completeness = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestCounted(t *testing.T) {
	for _, tt := range []struct {
		status string
		incl   bool
		want   bool
	}{
		{"APPROVED", false, true}, {"APPROVED", true, true},
		{"SUBMITTED", false, false}, {"SUBMITTED", true, true},
		{"DRAFT", true, false}, {"RETURNED", true, false},
	} {
		if got := Counted(tt.status, tt.incl); got != tt.want {
			t.Errorf("Counted(%s, %v) = %v, want %v", tt.status, tt.incl, got, tt.want)
		}
	}
}

// rollupValues is RollupTotals without the region counts.
func rollupValues(rules map[string]catalogue.DataElement, regions []RegionInfo, rows []Row, target string, p period.Period) map[string]float64 {
	totals := RollupTotals(rules, regions, rows, target, p)
	out := make(map[string]float64, len(totals))
	for e, t := range totals {
		out[e] = t.Value
	}
	return out
}

func TestRollupSet(t *testing.T) {
	rules := map[string]catalogue.DataElement{
		"INSPECTED": el("INSPECTED", catalogue.County, catalogue.RegionSum, catalogue.TimeSum, ""),
		"FAILED":    el("FAILED", catalogue.County, catalogue.RegionSum, catalogue.TimeSum, ""),
		"STOCK":     el("STOCK", catalogue.County, catalogue.RegionSum, catalogue.TimeLast, ""),
		"POLICIES":  el("POLICIES", catalogue.City, catalogue.RegionNone, catalogue.TimeSum, ""),
	}
	row := func(region, per, element string, v float64) Row {
		return Row{Region: region, Period: period.MustParse(per), Element: element, Value: v}
	}
	rows := []Row{
		// 2024: 419902 and 419921 whole; 419903 entered the batches inspected only.
		row("419902", "2024", "INSPECTED", 100), row("419902", "2024", "FAILED", 5),
		row("419903", "2024", "INSPECTED", 90),
		row("419921", "2024", "INSPECTED", 50), row("419921", "2024", "FAILED", 0),
		// 2021..2023Q1 for ranges: a yearly submission and quarters of the same year.
		row("419902", "2021", "INSPECTED", 10), row("419902", "2021Q1", "INSPECTED", 1000),
		row("419902", "2022Q1", "INSPECTED", 20), row("419902", "2022Q2", "INSPECTED", 30),
		row("419902", "2023Q1", "INSPECTED", 40), row("419902", "2023Q2", "INSPECTED", 5000),
		row("419902", "2021", "STOCK", 7), row("419902", "2022Q3", "STOCK", 8), row("419902", "2023Q1", "STOCK", 9),
		row("419903", "2021", "STOCK", 70),
		row("419900", "2021", "POLICIES", 9), row("419900", "2022", "POLICIES", 8), row("419900", "2023Q1", "POLICIES", 4),
		// Not a usable figure: read as if it were not there.
		row("419922", "2024", "INSPECTED", 1.7e308), row("419922", "2024", "FAILED", 1),
	}
	rg := func(s string) period.Range {
		r, err := period.ParseRange(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name string
		set  []string
		r    period.Range
		want map[string]Total
	}{
		{"HalfFilledUnitLeftOut", []string{"INSPECTED", "FAILED"}, rg("2024"), map[string]Total{
			"INSPECTED": {Value: 150, Regions: 2, Complete: true}, "FAILED": {Value: 5, Regions: 2, Complete: true}}},
		{"OneElementCountsEveryone", []string{"INSPECTED"}, rg("2024"), map[string]Total{
			"INSPECTED": {Value: 240, Regions: 3, Complete: true}}},
		{"RangeSumsPartsWithoutDoubleCounting", []string{"INSPECTED"}, rg("2021..2023Q1"), map[string]Total{
			"INSPECTED": {Value: 10 + 20 + 30 + 40, Regions: 1, Complete: false}}}, // 2022 has two quarters
		{"RangeOfWholeParts", []string{"INSPECTED"}, rg("2021..2021"), map[string]Total{
			"INSPECTED": {Value: 10, Regions: 1, Complete: true}}},
		{"StockTakesTheRangeEnd", []string{"STOCK"}, rg("2021..2023Q1"), map[string]Total{
			"STOCK": {Value: 9 + 70, Regions: 2, Complete: false}}}, // 419903's is from 2021
		{"CityOnlySinceTheStart", []string{"POLICIES"}, rg("2021..2023Q1"), map[string]Total{
			"POLICIES": {Value: 21, Regions: 1, Complete: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RollupSet(rules, testRegions, rows, tt.set, "419900", tt.r)
			if len(got) != len(tt.want) {
				t.Errorf("RollupSet = %+v, want %+v", got, tt.want)
			}
			for e, w := range tt.want {
				if g := got[e]; math.Abs(g.Value-w.Value) > 1e-9 || g.Regions != w.Regions || g.Complete != w.Complete {
					t.Errorf("%s = %+v, want %+v", e, g, w)
				}
			}
		})
	}
}

func TestEvaluateNeverGivesInfinity(t *testing.T) {
	f := catalogue.Formula{Numerator: []catalogue.Term{{Element: "N"}}, Denominator: []catalogue.Term{{Element: "D"}}, Factor: 1e6}
	if v, _, _ := Evaluate(f, map[string]float64{"N": 1e300, "D": 1e-300}); v != nil {
		t.Errorf("Evaluate overflowed to %v, want no value", *v)
	}
	if v, _, _ := Evaluate(f, map[string]float64{"N": 1, "D": 0}); v != nil {
		t.Errorf("Evaluate divided by zero: %v", *v)
	}
}
