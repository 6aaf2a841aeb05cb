package rollupsql_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/models"
	"planapi/period"
	"planapi/refrollup"
	"planapi/setup"
	"planapi/store/internal/rollupsql"
	"planapi/testenv"
)

// rollupElements are the test plan's data elements: one per rule the roll-up knows.
var rollupElements = []catalogue.DataElement{
	rollupElement("FLOW", catalogue.County, catalogue.RegionSum, catalogue.TimeSum, ""),
	rollupElement("STOCK", catalogue.County, catalogue.RegionSum, catalogue.TimeLast, ""),
	rollupElement("SCORE", catalogue.County, catalogue.RegionAverage, catalogue.TimeLast, "PEOPLE"),
	rollupElement("PEOPLE", catalogue.County, catalogue.RegionSum, catalogue.TimeLast, ""),
	rollupElement("MEAN", catalogue.County, catalogue.RegionAverage, catalogue.TimeAverage, ""),
	rollupElement("LOW", catalogue.County, catalogue.RegionMin, catalogue.TimeSum, ""),
	rollupElement("HIGH", catalogue.County, catalogue.RegionMax, catalogue.TimeSum, ""),
	rollupElement("POLICIES", catalogue.City, catalogue.RegionNone, catalogue.TimeSum, ""),
}

func rollupElement(code string, level catalogue.Level, r catalogue.RegionRule, tr catalogue.TimeRule, weight string) catalogue.DataElement {
	return catalogue.DataElement{Code: code, CollectedAt: level, Aggregation: catalogue.Aggregation{Regions: r, Time: tr, Weight: weight}}
}

// The demo city 419900 has five counties; a second city proves that subtrees stay apart.
const (
	city      = "419900"
	otherCity = "418800"
)

// rollupFixture is a database with a plan of rollupElements, the demo region tree plus a
// second city, and helpers to submit figures.
type rollupFixture struct {
	e       *testenv.Env
	plan    int64
	ids     map[string]int64 // element code → id
	codes   map[int64]string // element id → code
	rules   map[string]catalogue.DataElement
	regions []refrollup.RegionInfo
	paths   map[string]string
}

func mustRollupFixture(tb testing.TB) *rollupFixture {
	tb.Helper()
	ctx := context.Background()
	e := testenv.New(tb)
	f := &rollupFixture{e: e, ids: map[string]int64{}, codes: map[int64]string{}, rules: map[string]catalogue.DataElement{}, paths: map[string]string{}}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(setup.UpsertRegions(ctx, e.Owner, []models.Region{
		{Code: otherCity, Name: "YY市", Level: "CITY", ParentCode: ptr("410000")},
		{Code: "418801", Name: "甲县", Level: "COUNTY", ParentCode: ptr(otherCity)},
		{Code: "418802", Name: "乙县", Level: "COUNTY", ParentCode: ptr(otherCity)},
	}))
	must(e.Owner.Raw(`INSERT INTO plans (code, name, start_year, end_year, owner_level)
		VALUES ('ROLLUP_TEST', 'roll-up test plan', 2021, 2025, 'CITY') RETURNING id`).Scan(&f.plan).Error)
	for i, de := range rollupElements {
		var id int64
		must(e.Owner.Raw(`INSERT INTO data_elements (plan_id, code, name, unit, value_type, collected_at,
				period_types, region_rule, weight_code, time_rule, ordinal)
			VALUES (?, ?, ?, '个', 'NUMBER', ?, '{YEARLY,QUARTERLY}', ?, ?, ?, ?) RETURNING id`,
			f.plan, de.Code, de.Code, string(de.CollectedAt), string(de.Aggregation.Regions),
			de.Aggregation.Weight, string(de.Aggregation.Time), i+1).Scan(&id).Error)
		f.ids[de.Code], f.codes[id] = id, de.Code
		f.rules[de.Code] = de
	}
	var regions []models.Region
	must(e.Owner.Order("path").Find(&regions).Error)
	for _, r := range regions {
		f.regions = append(f.regions, refrollup.RegionInfo{Code: r.Code, Path: r.Path, Level: catalogue.Level(r.Level)})
		f.paths[r.Code] = r.Path
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// mustSubmit writes a submission with its values as the owner, past row-level security.
func (f *rollupFixture) mustSubmit(tb testing.TB, region, per, status string, values map[string]float64) {
	tb.Helper()
	p := period.MustParse(per)
	var id int64
	err := f.e.Owner.Raw(`INSERT INTO submissions (plan_id, region_code, region_path, period, period_year,
			period_quarter, status, version, updated_by)
		SELECT ?, code, path, ?, ?, ?, ?, 1, 'test' FROM regions WHERE code = ? RETURNING id`,
		f.plan, per, p.Year, p.Quarter, status, region).Scan(&id).Error
	if err != nil || id == 0 {
		tb.Fatalf("submit %s %s: %v", region, per, err)
	}
	for code, v := range values {
		err := f.e.Owner.Exec(`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
			VALUES (?, ?, ?, ?, 'test')`, id, f.ids[code], f.paths[region], v).Error
		if err != nil {
			tb.Fatalf("value %s of %s %s: %v", code, region, per, err)
		}
	}
}

func (f *rollupFixture) targets(codes ...string) []rollupsql.Target {
	var out []rollupsql.Target
	for _, c := range codes {
		out = append(out, rollupsql.Target{Code: c, Path: f.paths[c]})
	}
	return out
}

func (f *rollupFixture) elementIDs(codes ...string) []int64 {
	var out []int64
	for _, c := range codes {
		out = append(out, f.ids[c])
	}
	return out
}

// inScope runs fn as the application role in a transaction scoped to the region's subtree,
// as the service runs every tenant query.
func (f *rollupFixture) inScope(tb testing.TB, region string, fn func(tx *gorm.DB) error) {
	tb.Helper()
	err := f.e.DB.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('planapi.scope', ?, true)`, f.paths[region]).Error; err != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// mustRollup runs ElementRollup within the region's scope and indexes the results by
// "target period element".
func (f *rollupFixture) mustRollup(tb testing.TB, scope string, q rollupsql.RollupQuery) map[string]rollupsql.ElementTotal {
	tb.Helper()
	q.PlanID = f.plan
	var got []rollupsql.ElementTotal
	f.inScope(tb, scope, func(tx *gorm.DB) (err error) {
		got, err = rollupsql.ElementRollup(context.Background(), tx, q)
		return err
	})
	if want := len(q.Targets) * len(q.Periods) * len(q.ElementIDs); len(got) != want {
		tb.Fatalf("ElementRollup returned %d rows, want %d (every target × period × element)", len(got), want)
	}
	out := map[string]rollupsql.ElementTotal{}
	for _, r := range got {
		out[fmt.Sprintf("%s %s %s", r.Target, r.Period, f.codes[r.ElementID])] = r
	}
	return out
}

var everyElement = func() []string {
	var out []string
	for _, de := range rollupElements {
		out = append(out, de.Code)
	}
	return out
}()

// TestElementRollupRules checks each aggregation rule on a small hand-made data set.
func TestElementRollupRules(t *testing.T) {
	t.Parallel()
	f := mustRollupFixture(t)
	v := func(kv ...any) map[string]float64 {
		m := map[string]float64{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = float64(kv[i+1].(int))
		}
		return m
	}
	const A, S, D, R = models.StatusApproved, models.StatusSubmitted, "DRAFT", "RETURNED"
	f.mustSubmit(t, "419902", "2022Q1", A, v("FLOW", 1, "STOCK", 100, "LOW", 4, "HIGH", 4, "MEAN", 4))
	f.mustSubmit(t, "419902", "2022Q2", A, v("FLOW", 2, "LOW", 6, "HIGH", 6, "MEAN", 6))
	f.mustSubmit(t, "419902", "2022Q3", A, v("STOCK", 130))
	f.mustSubmit(t, "419902", "2022", A, v("SCORE", 80, "PEOPLE", 1000, "POLICIES", 50))
	f.mustSubmit(t, "419903", "2022Q1", A, v("FLOW", 99, "POLICIES", 7)) // the yearly one lacks POLICIES
	f.mustSubmit(t, "419903", "2022Q2", A, v("STOCK", 50))
	f.mustSubmit(t, "419903", "2022", A, v("FLOW", 10, "SCORE", 90, "PEOPLE", 3000, "LOW", 7, "HIGH", 7, "MEAN", 7))
	f.mustSubmit(t, "419921", "2022Q4", A, v("FLOW", 4))
	f.mustSubmit(t, "419921", "2022", A, v("SCORE", 10)) // no PEOPLE: out of the weighted mean
	f.mustSubmit(t, "419922", "2022Q1", S, v("FLOW", 1000, "STOCK", 1000, "HIGH", 1000))
	f.mustSubmit(t, "419923", "2022Q1", D, v("FLOW", 5000, "LOW", 0))
	f.mustSubmit(t, "419923", "2022Q2", R, v("FLOW", 7000))
	f.mustSubmit(t, city, "2022Q1", A, v("POLICIES", 2))
	f.mustSubmit(t, city, "2022Q2", A, v("POLICIES", 3))
	f.mustSubmit(t, "418801", "2022", A, v("FLOW", 100000))
	f.mustSubmit(t, otherCity, "2022", A, v("POLICIES", 100000))
	f.mustSubmit(t, "419902", "2021", A, v("FLOW", 100000))

	targets := f.targets(city, "419902", "419903", "419922", otherCity, "410000")
	periods := []period.Period{period.Year(2022), period.MustParse("2022Q1"), period.MustParse("2022Q2"), period.MustParse("2022Q3"), period.Year(2023)}
	ids := f.elementIDs(everyElement...)
	approved := f.mustRollup(t, "410000", rollupsql.RollupQuery{Targets: targets, Periods: periods, Statuses: refrollup.Statuses(false), ElementIDs: ids})
	withSubmitted := f.mustRollup(t, "410000", rollupsql.RollupQuery{Targets: targets, Periods: periods, Statuses: refrollup.Statuses(true), ElementIDs: ids})

	type want struct {
		value   *float64
		regions int
	}
	none := want{}
	tests := []struct {
		name         string
		key          string // target period element
		approvedOnly want
		submitted    want // with SUBMITTED counted too
	}{
		{"SumFromQuarters", "419902 2022 FLOW", want{ptr(3.0), 1}, want{ptr(3.0), 1}},
		{"YearlyOverridesQuarters", "419903 2022 FLOW", want{ptr(10.0), 1}, want{ptr(10.0), 1}},
		{"Sum", "419900 2022 FLOW", want{ptr(3.0 + 10 + 4), 3}, want{ptr(3.0 + 10 + 4 + 1000), 4}},
		{"SumQuarter", "419900 2022Q1 FLOW", want{ptr(1.0 + 99), 2}, want{ptr(1.0 + 99 + 1000), 3}},
		{"QuarterWithoutData", "419900 2022Q3 FLOW", none, none},
		{"YearWithoutData", "419900 2023 FLOW", none, none},
		{"LastFromQuarters", "419902 2022 STOCK", want{ptr(130.0), 1}, want{ptr(130.0), 1}},
		{"SumOfLast", "419900 2022 STOCK", want{ptr(130.0 + 50), 2}, want{ptr(130.0 + 50 + 1000), 3}},
		{"QuarterShowsOnlyItself", "419900 2022Q3 STOCK", want{ptr(130.0), 1}, want{ptr(130.0), 1}},
		{"AverageWeighted", "419900 2022 SCORE", want{ptr((80.0*1000 + 90*3000) / 4000), 2}, want{ptr((80.0*1000 + 90*3000) / 4000), 2}},
		{"AveragePlain", "419900 2022 MEAN", want{ptr((5.0 + 7) / 2), 2}, want{ptr((5.0 + 7) / 2), 2}},
		{"Min", "419900 2022 LOW", want{ptr(7.0), 2}, want{ptr(7.0), 2}},
		{"Max", "419900 2022 HIGH", want{ptr(10.0), 2}, want{ptr(1000.0), 3}},
		{"NoneTakesCityOnly", "419900 2022 POLICIES", want{ptr(5.0), 1}, want{ptr(5.0), 1}},
		{"NoneAtCounty", "419902 2022 POLICIES", want{ptr(50.0), 1}, want{ptr(50.0), 1}},
		{"NoneAtProvince", "410000 2022 POLICIES", none, none},
		{"NoneFromQuarterTheYearLacks", "419903 2022 POLICIES", want{ptr(7.0), 1}, want{ptr(7.0), 1}},
		{"OtherCityIsolated", "418800 2022 FLOW", want{ptr(100000.0), 1}, want{ptr(100000.0), 1}},
		{"OtherCityNone", "418800 2022 POLICIES", want{ptr(100000.0), 1}, want{ptr(100000.0), 1}},
		{"ProvinceSumsCities", "410000 2022 FLOW", want{ptr(17.0 + 100000), 4}, want{ptr(1017.0 + 100000), 5}},
		{"SubmittedOnlyWithFlag", "419922 2022 FLOW", none, want{ptr(1000.0), 1}},
		{"DraftAndReturnedNeverCount", "419900 2022Q2 FLOW", want{ptr(2.0), 1}, want{ptr(2.0), 1}},
		{"PreviousYearApart", "419902 2022Q1 FLOW", want{ptr(1.0), 1}, want{ptr(1.0), 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name string
				got  map[string]rollupsql.ElementTotal
				want want
			}{{"approved", approved, tt.approvedOnly}, {"submitted", withSubmitted, tt.submitted}} {
				g, ok := c.got[tt.key]
				if !ok {
					t.Fatalf("%s: no row for %s", c.name, tt.key)
				}
				if !sameValue(g.Value, c.want.value) || g.Regions != c.want.regions {
					t.Errorf("%s: %s = %s from %d regions, want %s from %d", c.name, tt.key, show(g.Value), g.Regions, show(c.want.value), c.want.regions)
				}
			}
		})
	}

	// A year built from fewer than four quarters somewhere is not complete.
	t.Run("Complete", func(t *testing.T) {
		for key, want := range map[string]bool{
			"419902 2022 FLOW":     false, // Q1 and Q2
			"419903 2022 FLOW":     true,  // the yearly submission
			"419900 2022 FLOW":     false, // 419902's
			"419900 2022Q1 FLOW":   true,  // a quarter is always whole
			"419900 2022 SCORE":    true,  // yearly submissions only
			"419903 2022 POLICIES": false, // Q1 only
			"419900 2023 FLOW":     true,  // no value
		} {
			if g := approved[key]; g.Complete != want {
				t.Errorf("%s complete = %v, want %v", key, g.Complete, want)
			}
		}
	})

	// Row-level security: a county's clerk rolling up the city sees only its own county.
	t.Run("RowLevelSecurity", func(t *testing.T) {
		got := f.mustRollup(t, "419902", rollupsql.RollupQuery{Targets: f.targets(city), Periods: periods[:1],
			Statuses: refrollup.Statuses(true), ElementIDs: f.elementIDs("FLOW", "POLICIES")})
		if g := got["419900 2022 FLOW"]; !sameValue(g.Value, ptr(3.0)) || g.Regions != 1 {
			t.Errorf("FLOW in county scope = %s from %d regions, want 3 from 1", show(g.Value), g.Regions)
		}
		if g := got["419900 2022 POLICIES"]; g.Value != nil {
			t.Errorf("POLICIES in county scope = %s, want no value (the city's row is out of scope)", show(g.Value))
		}
	})

	// The weight need not be asked for, and an element asked twice is counted once.
	t.Run("WeightNotAskedElementTwice", func(t *testing.T) {
		var got []rollupsql.ElementTotal
		f.inScope(t, "410000", func(tx *gorm.DB) (err error) {
			got, err = rollupsql.ElementRollup(context.Background(), tx, rollupsql.RollupQuery{PlanID: f.plan,
				Targets: f.targets(city), Periods: periods[:1], Statuses: refrollup.Statuses(false),
				ElementIDs: f.elementIDs("SCORE", "FLOW", "SCORE")})
			return err
		})
		want := []rollupsql.ElementTotal{
			{Target: city, Period: periods[0], ElementID: f.ids["SCORE"], Value: ptr((80.0*1000 + 90*3000) / 4000), Regions: 2},
			{Target: city, Period: periods[0], ElementID: f.ids["FLOW"], Value: ptr(17.0), Regions: 3},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d rows, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.Target != w.Target || g.Period != w.Period || g.ElementID != w.ElementID || !sameValue(g.Value, w.Value) || g.Regions != w.Regions {
				t.Errorf("row %d = %+v (%s), want %+v (%s)", i, g, show(g.Value), w, show(w.Value))
			}
		}
	})

	t.Run("ErrBadArguments", func(t *testing.T) {
		for _, q := range []rollupsql.RollupQuery{
			{Targets: []rollupsql.Target{{Code: city, Path: ""}}, Periods: periods, Statuses: refrollup.Statuses(false), ElementIDs: ids},
			{Targets: targets, Periods: []period.Period{{}}, Statuses: refrollup.Statuses(false), ElementIDs: ids},
			{Targets: targets, Periods: periods, Statuses: []string{"DRAFT"}, ElementIDs: ids},
		} {
			if _, err := rollupsql.ElementRollup(context.Background(), f.e.Owner, q); err == nil {
				t.Errorf("ElementRollup(%+v) succeeded, want an error", q)
			}
		}
	})
}

// TestCompleteness checks the completeness query on a hand-made data set.
func TestCompleteness(t *testing.T) {
	t.Parallel()
	f := mustRollupFixture(t)
	const A, S = models.StatusApproved, models.StatusSubmitted
	f.mustSubmit(t, "419902", "2022", A, map[string]float64{"FLOW": 1})
	f.mustSubmit(t, "419902", "2022Q1", S, map[string]float64{"FLOW": 1}) // overridden by the yearly one
	f.mustSubmit(t, "419903", "2022Q1", A, map[string]float64{"STOCK": 1})
	f.mustSubmit(t, "419903", "2022Q2", S, map[string]float64{"FLOW": 1})
	f.mustSubmit(t, "419921", "2022", "DRAFT", map[string]float64{"FLOW": 1})
	f.mustSubmit(t, "419922", "2022Q1", A, map[string]float64{"PEOPLE": 1}) // none of the formula's elements
	f.mustSubmit(t, city, "2022Q3", S, map[string]float64{"POLICIES": 1})
	f.mustSubmit(t, "418801", "2022", A, map[string]float64{"FLOW": 1})

	counties := []string{"419902", "419903", "419921", "419922", "419923"}
	sets := []rollupsql.ElementSet{
		{Key: "counties", ElementIDs: f.elementIDs("FLOW", "STOCK")},
		{Key: "city", ElementIDs: f.elementIDs("POLICIES")},
		{Key: "mixed", ElementIDs: f.elementIDs("POLICIES", "FLOW")},
		{Key: "flow", ElementIDs: f.elementIDs("FLOW")},
	}
	periods := []period.Period{period.Year(2022), period.MustParse("2022Q1")}
	run := func(includeUnapproved bool) map[string]rollupsql.Coverage {
		var got []rollupsql.Coverage
		f.inScope(t, "410000", func(tx *gorm.DB) (err error) {
			got, err = rollupsql.Completeness(context.Background(), tx, rollupsql.CompletenessQuery{PlanID: f.plan,
				Targets: f.targets(city, "419902", otherCity), Periods: periods, Statuses: refrollup.Statuses(includeUnapproved), Sets: sets})
			return err
		})
		if len(got) != 3*2*4 {
			t.Fatalf("Completeness returned %d rows, want 24", len(got))
		}
		out := map[string]rollupsql.Coverage{}
		for _, c := range got {
			out[fmt.Sprintf("%s %s %s", c.Target, c.Range, c.Key)] = c
		}
		return out
	}
	approved, withSubmitted := run(false), run(true)
	tests := []struct {
		name string
		got  map[string]rollupsql.Coverage
		key  string
		want refrollup.Coverage
	}{
		// A county counts in a figure only with every element of it: 419902 has FLOW, not
		// STOCK; 419903 STOCK approved and FLOW awaiting review.
		{"ApprovedOnly", approved, "419900 2022 counties", refrollup.Coverage{Expected: counties,
			Reported: []string{"419902", "419903"}, Incomplete: []string{"419902", "419903"}, Missing: []string{"419921", "419922", "419923"}}},
		{"WithSubmitted", withSubmitted, "419900 2022 counties", refrollup.Coverage{Expected: counties,
			Reported: []string{"419902", "419903"}, Incomplete: []string{"419902"}, Missing: []string{"419921", "419922", "419923"}}},
		{"Quarter", withSubmitted, "419900 2022Q1 counties", refrollup.Coverage{Expected: counties,
			Reported: []string{"419902", "419903"}, Incomplete: []string{"419902", "419903"}, Missing: []string{"419921", "419922", "419923"}}},
		{"WholeAndApproved", approved, "419900 2022 flow", refrollup.Coverage{Expected: counties,
			Reported: []string{"419902"}, Approved: []string{"419902"}, Missing: []string{"419903", "419921", "419922", "419923"}}},
		{"CityOnlyUnapproved", approved, "419900 2022 city", refrollup.Coverage{Expected: []string{city}, Missing: []string{city}}},
		{"CityOnlySubmitted", withSubmitted, "419900 2022 city", refrollup.Coverage{Expected: []string{city}, Reported: []string{city}}},
		{"MixedLevels", withSubmitted, "419900 2022 mixed", refrollup.Coverage{Expected: append([]string{city}, counties...),
			Reported: []string{city, "419902", "419903"}, Approved: []string{"419902"}, Missing: []string{"419921", "419922", "419923"}}},
		{"County", approved, "419902 2022 counties", refrollup.Coverage{Expected: []string{"419902"}, Reported: []string{"419902"}, Incomplete: []string{"419902"}}},
		{"CityElementBelowCity", approved, "419902 2022 city", refrollup.Coverage{}},
		{"OtherCity", approved, "418800 2022 counties", refrollup.Coverage{Expected: []string{"418801", "418802"},
			Reported: []string{"418801"}, Incomplete: []string{"418801"}, Missing: []string{"418802"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := tt.got[tt.key]
			if !ok {
				t.Fatalf("no row for %s", tt.key)
			}
			checkCoverage(t, tt.key, g, tt.want)
		})
	}
}

func checkCoverage(t *testing.T, key string, got rollupsql.Coverage, want refrollup.Coverage) {
	t.Helper()
	for _, l := range []struct {
		name      string
		got, want []string
	}{
		{"expected", got.Expected, want.Expected}, {"reported", got.Reported, want.Reported},
		{"approved", got.Approved, want.Approved}, {"missing", got.Missing, want.Missing},
		{"incomplete", got.Incomplete, want.Incomplete},
	} {
		if !slices.Equal(l.got, l.want) && len(l.got)+len(l.want) > 0 {
			t.Errorf("%s: %s = %v, want %v", key, l.name, l.got, l.want)
		}
	}
}

// TestRollupMatchesReference fills the database with random submissions and checks that the
// SQL roll-up and completeness equal package refrollup's reference results for every element,
// target and period. Each seed is a different data set (fixed, so a failure reproduces).
func TestRollupMatchesReference(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{2021, 7, 1984} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rollupMatchesReference(t, seed)
		})
	}
}

func rollupMatchesReference(t *testing.T, seed uint64) {
	f := mustRollupFixture(t)
	rng := rand.New(rand.NewPCG(seed, 2025))
	statuses := []string{"DRAFT", "SUBMITTED", "APPROVED", "APPROVED", "APPROVED", "RETURNED"}
	var (
		periods []period.Period
		subs    []refrollup.Submission
		rows    []refrollup.Row // with the submission's status in a side slice
		status  []string
	)
	for _, y := range []int{2022, 2023} {
		periods = append(periods, period.Year(y))
		periods = append(periods, period.Year(y).Quarters()...)
	}
	for _, r := range f.regions {
		if r.Level == catalogue.Province {
			continue
		}
		for _, p := range periods {
			if rng.IntN(3) == 0 {
				continue // no submission
			}
			st := statuses[rng.IntN(len(statuses))]
			values := map[string]float64{}
			for _, de := range rollupElements {
				// Mostly the elements of the region's own level; now and then one of the other.
				if (de.CollectedAt == r.Level && rng.IntN(4) > 0) || rng.IntN(12) == 0 {
					values[de.Code] = float64(rng.IntN(21)) + float64(rng.IntN(4))/4 // zeros, fractions
					if rng.IntN(60) == 0 {
						values[de.Code] = 1e300 // not usable: as if it were not there
					}
				}
			}
			f.mustSubmit(t, r.Code, p.String(), st, values)
			s := refrollup.Submission{Region: r.Code, Period: p, Status: st}
			for code, v := range values {
				if refrollup.Usable(v) {
					s.Elements = append(s.Elements, code)
				}
				rows = append(rows, refrollup.Row{Region: r.Code, Period: p, Element: code, Value: v})
				status = append(status, st)
			}
			subs = append(subs, s)
		}
	}
	var targets []string
	for _, r := range f.regions {
		targets = append(targets, r.Code)
	}
	// Figures: an element alone, ratios of county elements, a city-only one, a weighted mean
	// with its weight, and mixed levels.
	formulas := [][]string{{"FLOW", "STOCK"}, {"POLICIES"}, {"SCORE", "POLICIES"}, {"LOW"}, {"MEAN", "HIGH", "FLOW"}, {"SCORE", "PEOPLE"}}
	var sets []rollupsql.ElementSet
	for _, els := range formulas {
		sets = append(sets, rollupsql.ElementSet{Key: strings.Join(els, "+"), ElementIDs: f.elementIDs(els...)})
	}
	// Every period, and ranges across years and quarters.
	var ranges []period.Range
	for _, p := range periods {
		ranges = append(ranges, period.Single(p))
	}
	for _, s := range []string{"2022..2023", "2022Q2..2023Q1", "2022Q3..2023", "2022..2022Q3"} {
		r, err := period.ParseRange(s)
		if err != nil {
			t.Fatal(err)
		}
		ranges = append(ranges, r)
	}
	counted := func(includeUnapproved bool) []refrollup.Row {
		var out []refrollup.Row
		for i, r := range rows {
			if refrollup.Counted(status[i], includeUnapproved) {
				out = append(out, r)
			}
		}
		return out
	}

	// Every region a target, each status choice: every value is relevant everywhere.
	// Then a few targets, as IndicatorValues runs it: totals and completeness counting
	// different statuses. There a county that is not a target need not look at the quarters
	// of a city-level element its yearly submission lacks, a city need not for completeness
	// of county figures, and so on, which the statement relies on to read less.
	// Each once with the elements' lists as bitmasks (the ids are small) and once as arrays,
	// as they are when an id is 64 or more.
	type testCase struct {
		targets          []string
		values, coverage bool // includeUnapproved for each
		arrays           bool
	}
	var cases []testCase
	for _, tc := range []struct {
		targets          []string
		values, coverage bool
	}{
		{targets, false, false},
		{targets, true, true},
		{[]string{"410000"}, false, true},
		{[]string{"410000", city, otherCity}, true, true},
		{[]string{city, "419902", "419903", "419921", "419922", "419923"}, false, true},
		{[]string{otherCity, "419902"}, false, false},
		{[]string{"419903"}, true, false},
		{[]string{"419921", city}, false, true},
	} {
		for _, arrays := range []bool{false, true} {
			cases = append(cases, testCase{tc.targets, tc.values, tc.coverage, arrays})
		}
	}
	for _, tc := range cases {
		name := fmt.Sprintf("Figures%v/values=%v/coverage=%v", tc.targets, tc.values, tc.coverage)
		if len(tc.targets) == len(targets) {
			name = fmt.Sprintf("EveryRegion/values=%v/coverage=%v", tc.values, tc.coverage)
		}
		if tc.arrays {
			name += "/arrays"
		}
		t.Run(name, func(t *testing.T) {
			rowsCounted := counted(tc.values)
			var totals []rollupsql.SetTotal
			var cov []rollupsql.Coverage
			f.inScope(t, "410000", func(tx *gorm.DB) (err error) {
				q := rollupsql.FiguresQuery{PlanID: f.plan,
					Targets: f.targets(tc.targets...), Ranges: ranges, Statuses: refrollup.Statuses(tc.values),
					CoverageStatuses: refrollup.Statuses(tc.coverage), Sets: sets}
				if tc.arrays {
					q = rollupsql.WithoutMasks(q)
				}
				totals, cov, err = rollupsql.Figures(context.Background(), tx, q)
				return err
			})
			members := 0
			for _, els := range formulas {
				members += len(els)
			}
			if len(totals) != len(tc.targets)*len(ranges)*members || len(cov) != len(tc.targets)*len(ranges)*len(sets) {
				t.Fatalf("Figures returned %d totals and %d coverages, want %d and %d", len(totals), len(cov),
					len(tc.targets)*len(ranges)*members, len(tc.targets)*len(ranges)*len(sets))
			}
			i, nonEmpty := 0, 0
			for _, target := range tc.targets {
				for _, r := range ranges {
					for si, set := range sets {
						want := refrollup.RollupSet(f.rules, f.regions, rowsCounted, formulas[si], target, r)
						for _, code := range formulas[si] {
							g := totals[i]
							i++
							key := fmt.Sprintf("%s %s %s %s", target, r, set.Key, code)
							if g.Target != target || g.Range != r || g.Key != set.Key || g.ElementID != f.ids[code] {
								t.Fatalf("total %d is %s %s %s %s, want %s", i-1, g.Target, g.Range, g.Key, f.codes[g.ElementID], key)
							}
							w, ok := want[code]
							var wv *float64
							if ok {
								wv = &w.Value
								nonEmpty++
							}
							if !sameValue(g.Value, wv) || g.Regions != w.Regions {
								t.Errorf("%s = %s from %d regions, reference %s from %d", key, show(g.Value), g.Regions, show(wv), w.Regions)
							}
							if wc := !ok || w.Complete; g.Complete != wc {
								t.Errorf("%s complete = %v, reference %v", key, g.Complete, wc)
							}
						}
					}
				}
			}
			if nonEmpty < len(totals)/4 && len(tc.targets) == len(targets) {
				t.Errorf("only %d of %d values are present: the random data is too thin to test anything", nonEmpty, len(totals))
			}
			i = 0
			incomplete := 0
			for _, target := range tc.targets {
				for _, r := range ranges {
					for si, set := range sets {
						c := cov[i]
						i++
						key := fmt.Sprintf("%s %s %s", target, r, set.Key)
						if c.Target != target || c.Range != r || c.Key != set.Key {
							t.Fatalf("coverage %d is %s %s %s, want %s", i-1, c.Target, c.Range, c.Key, key)
						}
						want := refrollup.Completeness(f.rules, f.regions, subs, formulas[si], target, r, tc.coverage)
						checkCoverage(t, key, c, want)
						incomplete += len(want.Incomplete)
					}
				}
			}
			if incomplete == 0 && len(tc.targets) == len(targets) {
				t.Errorf("no unit is incomplete anywhere: the random data does not test the rule")
			}
		})
	}
}

// TestRollupUsesScopeIndex checks that, under row-level security and with a realistic amount
// of data (a large second city, five years of submissions), the roll-up of one city finds its
// submissions by index lookups on submissions_scope_idx (plan_id, period_year, region_path)
// rather than by reading every submission of the year: the subtree's paths come from the
// regions table and are matched by equality, which stays an index condition under the
// policy, where a prefix test on submissions would not.
func TestRollupUsesScopeIndex(t *testing.T) {
	t.Parallel()
	f := mustRollupFixture(t)
	f.mustSubmit(t, "419902", "2022", models.StatusApproved, map[string]float64{"FLOW": 1})
	// 300 more counties under the second city, each with a yearly and four quarterly
	// submissions for every year of the plan, holding FLOW.
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO regions (code, name, level, parent_code, path)
			SELECT (418000 + i)::text, 'county ' || i, 'COUNTY', '418800', '410000/418800/' || (418000 + i)::text || '/'
			FROM generate_series(10, 309) AS i`, nil},
		{`INSERT INTO submissions (plan_id, region_code, region_path, period, period_year, period_quarter, status, version, updated_by)
			SELECT ?, g.code, g.path, y::text || CASE WHEN q = 0 THEN '' ELSE 'Q' || q END, y, q, 'APPROVED', 1, 'test'
			FROM regions g, generate_series(2021, 2025) AS y, generate_series(0, 4) AS q
			WHERE g.parent_code = '418800'`, []any{f.plan}},
		{`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
			SELECT s.id, ?, s.region_path, 1, 'test' FROM submissions s WHERE s.region_code LIKE '418%'`, []any{f.ids["FLOW"]}},
		{`ANALYZE regions, submissions, data_values, data_elements`, nil},
	} {
		if err := f.e.Owner.Exec(stmt.sql, stmt.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	q := rollupsql.RollupQuery{PlanID: f.plan, Targets: f.targets(city), Periods: []period.Period{period.Year(2022)},
		Statuses: refrollup.Statuses(false), ElementIDs: f.elementIDs("FLOW", "SCORE")}
	var plan []string
	f.inScope(t, "410000", func(tx *gorm.DB) (err error) {
		plan, err = rollupsql.ExplainElementRollup(context.Background(), tx, q)
		return err
	})
	text := strings.Join(plan, "\n")
	t.Logf("plan:\n%s", text)
	if !indexSearchedByPath(text) {
		t.Errorf("the roll-up does not search submissions_scope_idx by region_path under row-level security")
	}
	got := f.mustRollup(t, "410000", q)
	if g := got["419900 2022 FLOW"]; !sameValue(g.Value, ptr(1.0)) {
		t.Errorf("FLOW = %s, want 1", show(g.Value))
	}
}

// indexSearchedByPath reports whether the plan searches submissions_scope_idx with a condition
// on region_path, not only on its leading columns.
func indexSearchedByPath(plan string) bool {
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "submissions_scope_idx") {
			continue
		}
		for _, next := range lines[i+1 : min(i+4, len(lines))] {
			if strings.Contains(next, "Index Cond") && strings.Contains(next, "region_path") {
				return true
			}
		}
	}
	return false
}

func sameValue(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

func show(v *float64) string {
	if v == nil {
		return "no value"
	}
	return fmt.Sprint(*v)
}
