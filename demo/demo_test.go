package demo

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"planapi/catalogue"
	"planapi/period"
)

func loadPlan(tb testing.TB) *catalogue.Plan {
	tb.Helper()
	p, err := catalogue.Load()
	if err != nil {
		tb.Fatalf("catalogue.Load: %v", err)
	}
	return p
}

func mustSubmissions(tb testing.TB, plan *catalogue.Plan) []Submission {
	tb.Helper()
	subs, err := Submissions(plan)
	if err != nil {
		tb.Fatalf("Submissions: %v", err)
	}
	return subs
}

// rollup is the municipal view of the demo: the five county submissions and the city's own,
// by period.
type rollup struct {
	plan   *catalogue.Plan
	county map[string]map[string]Submission // period -> county code -> submission
	city   map[string]Submission            // period -> the city's submission
}

func newRollup(t *testing.T) rollup {
	t.Helper()
	plan := loadPlan(t)
	r := rollup{plan: plan, county: map[string]map[string]Submission{}, city: map[string]Submission{}}
	for _, s := range mustSubmissions(t, plan) {
		if s.Region == CityCode {
			r.city[s.Period] = s
			continue
		}
		if r.county[s.Period] == nil {
			r.county[s.Period] = map[string]Submission{}
		}
		r.county[s.Period][s.Region] = s
	}
	return r
}

// element rolls one data element up to the city for a period: the sum over the five counties
// for a county element (all five must have it), the city's own value for a city element.
func (r rollup) element(code, p string) (float64, bool) {
	e, ok := r.plan.DataElement(code)
	if !ok {
		return 0, false
	}
	if e.CollectedAt == catalogue.City {
		v, ok := r.city[p].Values[code]
		return v, ok
	}
	var sum float64
	for _, c := range Counties() {
		v, ok := r.county[p][c.Code].Values[code]
		if !ok {
			return 0, false
		}
		sum += v
	}
	return sum, true
}

func (r rollup) side(terms []catalogue.Term, p string) (float64, bool) {
	var sum float64
	for _, term := range terms {
		v, ok := r.element(term.Element, p)
		if !ok {
			return 0, false
		}
		sum += term.Coef() * v
	}
	return sum, true
}

// indicator evaluates an indicator's formula for a period as a ratio of sums: each side is
// summed over the counties (or taken from the city) before dividing, then times the factor.
func (r rollup) indicator(t *testing.T, code, p string) float64 {
	t.Helper()
	ind, ok := r.plan.Indicator(code)
	if !ok {
		t.Fatalf("indicator %s is not in the catalogue", code)
	}
	f := ind.Formula
	num, ok := r.side(f.Numerator, p)
	if !ok {
		t.Fatalf("indicator %s %s: a numerator element has no figure", code, p)
	}
	if len(f.Denominator) == 0 {
		return num * f.Factor
	}
	den, ok := r.side(f.Denominator, p)
	if !ok || den == 0 {
		t.Fatalf("indicator %s %s: no denominator (%v)", code, p, den)
	}
	return num / den * f.Factor
}

// countyIndicator evaluates an indicator's formula on one county's own figures.
func (r rollup) countyIndicator(t *testing.T, code, p, county string) float64 {
	t.Helper()
	ind, _ := r.plan.Indicator(code)
	vals := r.county[p][county].Values
	sum := func(terms []catalogue.Term) float64 {
		var s float64
		for _, term := range terms {
			v, ok := vals[term.Element]
			if !ok {
				t.Fatalf("%s %s: no %s", county, p, term.Element)
			}
			s += term.Coef() * v
		}
		return s
	}
	return sum(ind.Formula.Numerator) / sum(ind.Formula.Denominator) * ind.Formula.Factor
}

func round(v float64, decimals int) float64 {
	m := math.Pow(10, float64(decimals))
	return math.Round(v*m) / m
}

// TestReportFigures recomputes every figure the report prints from the demo submissions and
// compares it with the report: rates to 2 decimals, per-million figures as rounded integers.
func TestReportFigures(t *testing.T) {
	r := newRollup(t)
	type check struct {
		indicator, period string
		op                string // "=": equal after rounding; ">=" and ">": at least, more than
		want              float64
		decimals          int
	}
	var cases []check
	eq := func(ind, p string, want float64, decimals int) {
		cases = append(cases, check{ind, p, "=", want, decimals})
	}
	for _, y := range []string{"2021", "2022"} {
		for _, ind := range []string{"2.3", "2.4", "2.5", "2.6", "2.7", "2.18", "3.1"} {
			eq(ind, y, 100, 2)
		}
		cases = append(cases,
			check{"2.1", y, ">=", 5, 2},
			check{"2.14", y, ">", 4, 2},
		)
	}
	eq("2.2", "2022", 100, 2)
	eq("2.10", "2021", 95.35, 2)
	eq("2.10", "2022", 95.61, 2)
	for _, pm := range []struct {
		ind  string
		want [3]float64
	}{
		{"2.11", [3]float64{1483, 1585, 466}},
		{"2.12", [3]float64{656, 718, 168}},
		{"2.13", [3]float64{203, 235, 61}},
	} {
		for i, p := range Periods() {
			eq(pm.ind, p, pm.want[i], 0)
		}
	}
	eq("2.5", "2023Q1", 46, 2)
	eq("2.6", "2023Q1", 25, 2)
	eq("2.18", "2023Q1", 100, 2)
	cases = append(cases, check{"2.9", "2023Q1", ">=", 90, 2})
	eq("2.16", "2021", 84.39, 2)
	for _, p := range Periods() {
		eq("2.17", p, 0, 4)
		eq("3.3", p, 100, 2)
		eq("3.4", p, 100, 2)
	}
	cases = append(cases, check{"3.2", "2022", ">=", 3, 0})

	for _, c := range cases {
		t.Run(fmt.Sprintf("%s_%s_%s%v", c.indicator, c.period, c.op, c.want), func(t *testing.T) {
			got := round(r.indicator(t, c.indicator, c.period), c.decimals)
			var ok bool
			switch c.op {
			case "=":
				ok = got == c.want
			case ">=":
				ok = got >= c.want
			case ">":
				ok = got > c.want
			}
			if !ok {
				t.Errorf("indicator %s %s = %.*f, want %s %v", c.indicator, c.period, c.decimals, got, c.op, c.want)
			}
		})
	}
}

// TestReportTotals checks the counts behind the report's figures.
func TestReportTotals(t *testing.T) {
	r := newRollup(t)
	sumPeriods := func(code string) float64 {
		var s float64
		for _, p := range Periods() {
			v, ok := r.element(code, p)
			if !ok {
				t.Fatalf("%s %s: no figure", code, p)
			}
			s += v
		}
		return s
	}
	at := func(code, p string) float64 {
		v, ok := r.element(code, p)
		if !ok {
			t.Fatalf("%s %s: no figure", code, p)
		}
		return v
	}
	cases := []struct {
		name string
		got  func() float64
		want float64
	}{
		{"2.10_2021_inspected_538", func() float64 { return at("IP_BATCHES_INSPECTED", "2021") }, 538},
		{"2.10_2021_failed_25", func() float64 { return at("IP_BATCHES_FAILED", "2021") }, 25},
		{"2.10_2022_inspected_501", func() float64 { return at("IP_BATCHES_INSPECTED", "2022") }, 501},
		{"2.10_2022_failed_22", func() float64 { return at("IP_BATCHES_FAILED", "2022") }, 22},
		{"2.18_2023Q1_elevators_8412", func() float64 { return at("ELEVATORS_PASSENGER", "2023Q1") }, 8412},
		{"2.18_2023Q1_on_platform_8412", func() float64 { return at("ELEVATORS_ON_PLATFORM", "2023Q1") }, 8412},
		{"3.3_complaints_since_2021_18165", func() float64 { return sumPeriods("COMPLAINTS_RECEIVED") }, 18165},
		{"3.3_closed_on_time_since_2021_18165", func() float64 { return sumPeriods("COMPLAINTS_CLOSED_ON_TIME") }, 18165},
		{"3.4_tips_since_2021_7092", func() float64 { return sumPeriods("TIPS_RECEIVED") }, 7092},
		{"3.4_verified_on_time_since_2021_7092", func() float64 { return sumPeriods("TIPS_VERIFIED_ON_TIME") }, 7092},
		{"2.17_no_deaths", func() float64 { return sumPeriods("SE_DEATHS") }, 0},
		{"2.16_2021_satisfaction", func() float64 { return at("FOOD_SAFETY_SATISFACTION", "2021") }, 84.39},
		{"population_1500500", func() float64 { return at("RESIDENT_POPULATION", "2023Q1") }, 1500500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.got(); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}

	// 1.4 is cumulative: the policies of every period since 2021 add up to 21 by 2023 Q1.
	t.Run("1.4_cumulative_policies_21", func(t *testing.T) {
		var sum float64
		for _, p := range Periods() {
			sum += r.indicator(t, "1.4", p)
		}
		if sum != 21 {
			t.Errorf("cumulative pro-business policies = %v, want 21", sum)
		}
	})
	t.Run("2.17_realistic_special_equipment", func(t *testing.T) {
		for _, p := range Periods() {
			units, elevators := at("SE_UNITS", p), at("ELEVATORS_PASSENGER", p)
			if units < 10000 || units <= elevators {
				t.Errorf("%s: %v special-equipment units for %v passenger elevators", p, units, elevators)
			}
		}
	})
}

// TestPassRateMeanDiffersFromMunicipalRate shows why the city must not average county rates.
func TestPassRateMeanDiffersFromMunicipalRate(t *testing.T) {
	r := newRollup(t)
	for _, p := range []string{"2021", "2022"} {
		t.Run(p, func(t *testing.T) {
			var mean float64
			rates := map[float64]bool{}
			for _, c := range Counties() {
				rate := r.countyIndicator(t, "2.10", p, c.Code)
				rates[round(rate, 2)] = true
				mean += rate / numCounties
			}
			municipal := r.indicator(t, "2.10", p)
			if round(mean, 2) == round(municipal, 2) {
				t.Errorf("mean of county pass rates %.4f equals the municipal rate %.4f to 2 decimals", mean, municipal)
			}
			if len(rates) < 2 {
				t.Errorf("all counties have the same pass rate")
			}
		})
	}
}

// TestValuesObeyRules checks every figure against the catalogue's rules.
func TestValuesObeyRules(t *testing.T) {
	plan := loadPlan(t)
	levels := map[string]catalogue.Level{CityCode: catalogue.City}
	for _, c := range Counties() {
		levels[c.Code] = catalogue.County
	}
	for _, s := range mustSubmissions(t, plan) {
		t.Run(s.Region+"_"+s.Period, func(t *testing.T) {
			p, err := period.Parse(s.Period)
			if err != nil {
				t.Fatal(err)
			}
			pt := catalogue.PeriodType(p.Type())
			level, ok := levels[s.Region]
			if !ok {
				t.Fatalf("unknown region %s", s.Region)
			}
			if len(s.Values) == 0 {
				t.Errorf("empty submission")
			}
			for code, v := range s.Values {
				e, ok := plan.DataElement(code)
				if !ok {
					t.Errorf("%s: not a data element", code)
					continue
				}
				if e.CollectedAt != level {
					t.Errorf("%s: collected at %s, submitted by a %s", code, e.CollectedAt, level)
				}
				if !slices.Contains(e.PeriodTypes, pt) {
					t.Errorf("%s: period types %v do not allow %s", code, e.PeriodTypes, pt)
				}
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Errorf("%s = %v: not a non-negative number", code, v)
				}
				switch e.ValueType {
				case catalogue.Count:
					if v != math.Trunc(v) {
						t.Errorf("%s = %v: a count must be a whole number", code, v)
					}
				case catalogue.Percent, catalogue.Score:
					if v > 100 {
						t.Errorf("%s = %v: above 100", code, v)
					}
				}
				if e.PartOf != "" {
					if whole, ok := s.Values[e.PartOf]; ok && v > whole {
						t.Errorf("%s = %v exceeds its whole %s = %v", code, v, e.PartOf, whole)
					}
				}
			}
		})
	}
}

// TestSubmissionShape checks periods, regions and completeness: one submission per region and
// period, only 2021, 2022 and 2023Q1, every county element in every county submission.
func TestSubmissionShape(t *testing.T) {
	plan := loadPlan(t)
	subs := mustSubmissions(t, plan)
	seen := map[string]int{}
	for _, s := range subs {
		seen[s.Region+"/"+s.Period]++
	}
	regions := []string{CityCode}
	for _, c := range Counties() {
		regions = append(regions, c.Code)
	}
	for _, p := range Periods() {
		for _, reg := range regions {
			t.Run(reg+"_"+p, func(t *testing.T) {
				if n := seen[reg+"/"+p]; n != 1 {
					t.Errorf("%d submissions, want 1", n)
				}
			})
		}
	}
	t.Run("only_planned_periods", func(t *testing.T) {
		if want := len(regions) * len(Periods()); len(subs) != want {
			t.Errorf("%d submissions, want %d", len(subs), want)
		}
		for _, s := range subs {
			if !slices.Contains([]string{"2021", "2022", "2023Q1"}, s.Period) {
				t.Errorf("submission for period %s", s.Period)
			}
		}
	})
	t.Run("county_elements_complete", func(t *testing.T) {
		for _, s := range subs {
			if s.Region == CityCode {
				continue
			}
			pt := catalogue.PeriodType(period.MustParse(s.Period).Type())
			for _, e := range plan.DataElements {
				if e.CollectedAt != catalogue.County || !slices.Contains(e.PeriodTypes, pt) {
					continue
				}
				if _, ok := s.Values[e.Code]; !ok {
					t.Errorf("%s %s: no %s", s.Region, s.Period, e.Code)
				}
			}
		}
	})
	t.Run("city_figures", func(t *testing.T) {
		want := map[string][]string{
			"2021":   {"CITY_EMERGENCY_DRILLS", "FOOD_SAFETY_SATISFACTION", "PRO_BUSINESS_POLICIES", "SMART_PLATFORM_INTEGRATION"},
			"2022":   {"CITY_EMERGENCY_DRILLS", "PRO_BUSINESS_POLICIES", "SMART_PLATFORM_INTEGRATION"},
			"2023Q1": {"CITY_EMERGENCY_DRILLS", "PRO_BUSINESS_POLICIES"},
		}
		for _, s := range subs {
			if s.Region != CityCode {
				continue
			}
			var got []string
			for code := range s.Values {
				got = append(got, code)
			}
			slices.Sort(got)
			if !slices.Equal(got, want[s.Period]) {
				t.Errorf("city %s: elements %v, want %v", s.Period, got, want[s.Period])
			}
			if len(s.Tasks) != 0 {
				t.Errorf("city %s: %d task reports; task progress comes from counties", s.Period, len(s.Tasks))
			}
		}
	})
}

// TestPopulations checks the populations: distinct, realistic, and what each submission says.
func TestPopulations(t *testing.T) {
	pops := Populations()
	if len(pops) != numCounties {
		t.Fatalf("%d populations, want %d", len(pops), numCounties)
	}
	seen := map[float64]bool{}
	var total float64
	for _, c := range Counties() {
		v, ok := pops[c.Code]
		if !ok || v < 100000 || v > 1000000 || v != math.Trunc(v) || seen[v] {
			t.Errorf("%s %s: population %v", c.Code, c.Name, v)
		}
		seen[v] = true
		total += v
	}
	if total != 1500500 {
		t.Errorf("total population %v, want 1500500", total)
	}
	for _, s := range mustSubmissions(t, loadPlan(t)) {
		if s.Region == CityCode {
			continue
		}
		if got := s.Values["RESIDENT_POPULATION"]; got != pops[s.Region] {
			t.Errorf("%s %s: RESIDENT_POPULATION %v, want %v", s.Region, s.Period, got, pops[s.Region])
		}
	}
}

// TestCountyValuesDiffer checks that no element has the same figure in all five counties,
// as real figures never do; the exception is zero special-equipment deaths.
func TestCountyValuesDiffer(t *testing.T) {
	r := newRollup(t)
	allZero := map[string]bool{"SE_DEATHS": true}
	for _, p := range Periods() {
		for _, e := range r.plan.DataElements {
			if e.CollectedAt != catalogue.County {
				continue
			}
			t.Run(p+"_"+e.Code, func(t *testing.T) {
				distinct := map[float64]bool{}
				for _, c := range Counties() {
					distinct[r.county[p][c.Code].Values[e.Code]] = true
				}
				switch {
				case allZero[e.Code]:
					if len(distinct) != 1 || !distinct[0] {
						t.Errorf("want zero in every county, got %v", distinct)
					}
				case len(distinct) < 2:
					t.Errorf("the same figure in all five counties: %v", distinct)
				}
			})
		}
	}
}

// TestTaskReports checks the key-task progress: declared outputs only, sums over the periods
// 2021 to 2023 Q1 equal to the report's running totals, every county at work in 2021 and one
// county still in progress per measure from 2022, Chinese narratives.
func TestTaskReports(t *testing.T) {
	plan := loadPlan(t)
	measures := map[string]catalogue.Task{}
	for _, ft := range plan.FlatTasks() {
		if ft.Level == catalogue.MeasureLevel {
			measures[ft.Code] = ft.Task
		}
	}
	byTask := map[string][]TaskReport{}
	byTaskPeriod := map[string]map[string][]TaskReport{}
	for _, s := range mustSubmissions(t, plan) {
		if len(s.Tasks) > 0 && s.Region == CityCode {
			t.Errorf("%s %s: task reports only belong to the counties' submissions", s.Region, s.Period)
		}
		if s.Region != CityCode && len(s.Tasks) == 0 {
			t.Errorf("%s %s: no task reports; every county reports progress in every demo period", s.Region, s.Period)
		}
		seen := map[string]bool{}
		for _, tr := range s.Tasks {
			if seen[tr.Task] {
				t.Errorf("%s %s: task %s reported twice", s.Region, s.Period, tr.Task)
			}
			seen[tr.Task] = true
			byTask[tr.Task] = append(byTask[tr.Task], tr)
			if byTaskPeriod[tr.Task] == nil {
				byTaskPeriod[tr.Task] = map[string][]TaskReport{}
			}
			byTaskPeriod[tr.Task][s.Period] = append(byTaskPeriod[tr.Task][s.Period], tr)
		}
	}
	if len(byTask) < 3 {
		t.Errorf("%d measures with task reports, want a handful", len(byTask))
	}
	for code, reports := range byTask {
		t.Run(code, func(t *testing.T) {
			m, ok := measures[code]
			if !ok {
				t.Fatalf("not a measure of the catalogue")
			}
			if len(reports) != numCounties*len(Periods()) {
				t.Errorf("%d county reports, want %d", len(reports), numCounties*len(Periods()))
			}
			for _, ps := range Periods() {
				statuses := map[string]int{}
				for _, tr := range byTaskPeriod[code][ps] {
					statuses[tr.Status]++
				}
				want := map[string]int{StatusDone: numCounties - 1, StatusInProgress: 1}
				if ps == "2021" {
					want = map[string]int{StatusInProgress: numCounties}
				}
				if !reflect.DeepEqual(statuses, want) {
					t.Errorf("%s statuses %v, want %v", ps, statuses, want)
				}
			}
			sums := map[string]float64{}
			for _, tr := range reports {
				if !hasHan(tr.Narrative) {
					t.Errorf("narrative %q is not Chinese", tr.Narrative)
				}
				for oc, v := range tr.Outputs {
					if v < 0 {
						t.Errorf("output %s = %v is negative", oc, v)
					}
					if oc != catalogue.OutputFines && v != math.Trunc(v) {
						t.Errorf("output %s = %v is not a whole number", oc, v)
					}
					if oc == catalogue.OutputFines && round(v, 2) != v {
						t.Errorf("fines %v have more than 2 decimals", v)
					}
					sums[oc] += v
				}
			}
			declared := map[string]int{}
			for _, o := range m.Outputs {
				declared[o.Code]++
			}
			for oc := range sums {
				if declared[oc] != 1 {
					t.Errorf("output %s is declared %d times by the measure, want once", oc, declared[oc])
				}
			}
			for _, o := range m.Outputs {
				if o.Reported == nil {
					continue
				}
				got, ok := sums[o.Code]
				if !ok {
					t.Errorf("no county reports output %s (%s), reported %v", o.Code, o.Name, *o.Reported)
					continue
				}
				if round(got, 2) != *o.Reported {
					t.Errorf("output %s (%s) sums to %.6f, report says %v", o.Code, o.Name, got, *o.Reported)
				}
			}
		})
	}
	t.Run("2.3.3_figures", func(t *testing.T) {
		want := map[string]float64{catalogue.OutputInspections: 17162, catalogue.OutputCases: 28, catalogue.OutputFines: 233.77}
		got := map[string]float64{}
		for _, tr := range byTask["2.3.3"] {
			for oc, v := range tr.Outputs {
				got[oc] += v
			}
		}
		for oc, w := range want {
			if round(got[oc], 2) != w {
				t.Errorf("%s = %v, want %v", oc, got[oc], w)
			}
		}
	})
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestDeterministic checks that two calls give equal submissions.
func TestDeterministic(t *testing.T) {
	plan := loadPlan(t)
	a, b := mustSubmissions(t, plan), mustSubmissions(t, plan)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two calls differ")
	}
	a[0].Values["RESIDENT_POPULATION"] = -1
	if c := mustSubmissions(t, plan); reflect.DeepEqual(a, c) {
		t.Errorf("a caller's change leaks into the next call")
	}
}

// TestSubmissionsFollowCatalogue checks that the catalogue, not the demo, decides what is
// submitted: a yearly-only element is dropped from the quarter, and an element the
// catalogue no longer knows, or collects at another level, is an error.
func TestSubmissionsFollowCatalogue(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(p *catalogue.Plan)
		wantErr string
		check   func(t *testing.T, subs []Submission)
	}{
		{
			name: "yearly_only_element_left_out_of_quarter",
			edit: func(p *catalogue.Plan) {
				e, _ := p.DataElement("CITY_EMERGENCY_DRILLS")
				e.PeriodTypes = []catalogue.PeriodType{catalogue.Yearly}
			},
			check: func(t *testing.T, subs []Submission) {
				for _, s := range subs {
					_, ok := s.Values["CITY_EMERGENCY_DRILLS"]
					if want := s.Region == CityCode && s.Period != "2023Q1"; ok != want {
						t.Errorf("%s %s: CITY_EMERGENCY_DRILLS present = %v, want %v", s.Region, s.Period, ok, want)
					}
				}
			},
		},
		{
			name: "unknown_element",
			edit: func(p *catalogue.Plan) {
				e, _ := p.DataElement("SE_DEATHS")
				e.Code = "SE_FATALITIES"
			},
			wantErr: "SE_DEATHS: not a data element",
		},
		{
			name: "wrong_level",
			edit: func(p *catalogue.Plan) {
				e, _ := p.DataElement("TIPS_RECEIVED")
				e.CollectedAt = catalogue.City
			},
			wantErr: "TIPS_RECEIVED: collected at CITY level",
		},
		{
			name: "percent_refused_as_count",
			edit: func(p *catalogue.Plan) {
				e, _ := p.DataElement("FOOD_SAFETY_SATISFACTION")
				e.ValueType = catalogue.Count
			},
			wantErr: "not a whole number",
		},
		{
			name: "undeclared_output",
			edit: func(p *catalogue.Plan) {
				walkTasks(p.Tasks, func(task *catalogue.Task) {
					if task.Code == "4.1.3" {
						task.Outputs[0].Code = catalogue.OutputItems
					}
				})
			},
			wantErr: "output code CASES is not declared",
		},
		{name: "nil_plan", wantErr: "no plan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var plan *catalogue.Plan
			if c.edit != nil {
				plan = loadPlan(t)
				c.edit(plan)
			}
			subs, err := Submissions(plan)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Submissions: %v", err)
			}
			c.check(t, subs)
		})
	}
}

func walkTasks(ts []catalogue.Task, f func(*catalogue.Task)) {
	for i := range ts {
		f(&ts[i])
		walkTasks(ts[i].Children, f)
	}
}

func TestSecondCitySubmissions(t *testing.T) {
	plan := loadPlan(t)
	subs, err := SecondCitySubmissions(plan)
	if err != nil {
		t.Fatal(err)
	}
	if want := (len(SecondCounties()) + 1) * len(SecondPeriods()); len(subs) != want {
		t.Errorf("%d submissions, want %d", len(subs), want)
	}
	for _, s := range subs {
		if s.Region != SecondCityCode && s.Region != "419701" && s.Region != "419702" {
			t.Errorf("submission of %s, not the second city's", s.Region)
		}
		if len(s.Values) == 0 {
			t.Errorf("%s %s has no figures", s.Region, s.Period)
		}
	}
}
