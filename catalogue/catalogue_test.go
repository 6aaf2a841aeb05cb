package catalogue

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"planapi/msg"
)

// MustLoad loads the embedded plan or stops the test.
func MustLoad(tb testing.TB) *Plan {
	tb.Helper()
	p, err := Load()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return p
}

func ptr(v float64) *float64 { return &v }

func TestLoadPlanHeader(t *testing.T) {
	p := MustLoad(t)
	if p.Code != "MS14FYP" || p.Name != "市场监管现代化“十四五”规划" {
		t.Errorf("plan = %q %q", p.Code, p.Name)
	}
	if p.StartYear != 2021 || p.EndYear != 2025 || p.OwnerLevel != City {
		t.Errorf("plan years/owner = %d–%d %s, want 2021–2025 CITY", p.StartYear, p.EndYear, p.OwnerLevel)
	}
	if p.Source != "市场监管现代化“十四五”规划中期评估报告" {
		t.Errorf("source = %q", p.Source)
	}
}

func TestLoadReturnsIndependentPlans(t *testing.T) {
	a, b := MustLoad(t), MustLoad(t)
	a.Categories[0].Indicators[0].Name = "changed"
	if b.Categories[0].Indicators[0].Name == "changed" {
		t.Fatal("two Loads share state")
	}
}

func TestCategories(t *testing.T) {
	p := MustLoad(t)
	want := []struct {
		code, name string
		count      int
	}{
		{"1", "市场活力指标", 4},
		{"2", "市场秩序指标", 18},
		{"3", "社会共治指标", 4},
	}
	if len(p.Categories) != len(want) {
		t.Fatalf("%d categories, want %d", len(p.Categories), len(want))
	}
	for i, w := range want {
		t.Run(w.code, func(t *testing.T) {
			c := p.Categories[i]
			if c.Code != w.code || c.Name != w.name || len(c.Indicators) != w.count {
				t.Errorf("category = %q %q with %d indicators, want %q %q with %d",
					c.Code, c.Name, len(c.Indicators), w.code, w.name, w.count)
			}
			for j, ind := range c.Indicators {
				if want := w.code + "." + strconv.Itoa(j+1); ind.Code != want {
					t.Errorf("indicator #%d code = %q, want %q", j+1, ind.Code, want)
				}
			}
		})
	}
	if n := len(p.Indicators()); n != 26 {
		t.Errorf("Indicators() has %d, want 26", n)
	}
}

// The 26 headline indicators as the report states them.
var wantIndicators = []struct {
	code, name, unit string
	value            *float64 // nil: redacted in the report
	cmp              Comparator
	dir              Direction
}{
	{"1.1", "每万人高价值发明专利拥有量", "件/万人", ptr(3.0), GTE, HigherIsBetter},
	{"1.2", "PCT国际专利申请量", "件", nil, GTE, HigherIsBetter},
	{"1.3", "商标有效注册量", "件", nil, GTE, HigherIsBetter},
	{"1.4", "创新性惠企政策出台数", "个", nil, GTE, HigherIsBetter},
	{"2.1", "一般事项“双随机、一公开”抽查比例", "%", ptr(5), GTE, HigherIsBetter},
	{"2.2", "信用分级监管实施率", "%", ptr(100), GTE, HigherIsBetter},
	{"2.3", "食品经营日常监督检查覆盖率", "%", ptr(100), GTE, HigherIsBetter},
	{"2.4", "药品零售企业完成年度检查计划率", "%", ptr(100), GTE, HigherIsBetter},
	{"2.5", "医疗器械生产企业完成年度检查计划率", "%", ptr(100), GTE, HigherIsBetter},
	{"2.6", "网络销售“两品一械”平台监管覆盖率", "%", ptr(100), GTE, HigherIsBetter},
	{"2.7", "监督检查发现问题处置率", "%", ptr(100), GTE, HigherIsBetter},
	{"2.8", "智慧监管平台一体化程度", "%", ptr(100), GTE, HigherIsBetter},
	{"2.9", "餐饮单位“明厨亮灶”覆盖率", "%", ptr(90), GTE, HigherIsBetter},
	{"2.10", "重点工业产品监督抽查合格率", "%", ptr(96.5), GTE, HigherIsBetter},
	{"2.11", "药品不良反应报告数", "份/百万人口", ptr(1600), GTE, HigherIsBetter},
	{"2.12", "医疗器械不良反应报告数", "份/百万人口", ptr(750), GTE, HigherIsBetter},
	{"2.13", "化妆品不良反应报告数", "份/百万人口", ptr(280), GTE, HigherIsBetter},
	{"2.14", "食品抽检量", "批次/千人", ptr(4), GT, HigherIsBetter},
	{"2.15", "公众药品安全满意度", "分", ptr(90), GTE, HigherIsBetter},
	{"2.16", "公众食品安全满意度", "分", ptr(85), GTE, HigherIsBetter},
	{"2.17", "万台特种设备死亡率", "人/万台", ptr(0.1), LTE, LowerIsBetter},
	{"2.18", "96333电梯应急处置平台覆盖率", "%", ptr(100), GTE, HigherIsBetter},
	{"3.1", "政务信息公开率", "%", ptr(100), GTE, HigherIsBetter},
	{"3.2", "市级应急演练", "次", ptr(3), GTE, HigherIsBetter},
	{"3.3", "消费投诉按期办结率", "%", ptr(98), GTE, HigherIsBetter},
	{"3.4", "举报按期核查率", "%", ptr(100), GTE, HigherIsBetter},
}

func TestIndicatorTargets(t *testing.T) {
	p := MustLoad(t)
	all := p.Indicators()
	if len(all) != len(wantIndicators) {
		t.Fatalf("%d indicators, want %d", len(all), len(wantIndicators))
	}
	for i, w := range wantIndicators {
		t.Run(w.code, func(t *testing.T) {
			got := all[i]
			if got.Code != w.code || got.Name != w.name || got.Unit != w.unit {
				t.Errorf("indicator = %q %q [%s], want %q %q [%s]", got.Code, got.Name, got.Unit, w.code, w.name, w.unit)
			}
			switch {
			case w.value == nil && got.Target.Value != nil:
				t.Errorf("target.value = %v, want null (redacted in the report)", *got.Target.Value)
			case w.value != nil && got.Target.Value == nil:
				t.Errorf("target.value = null, want %v", *w.value)
			case w.value != nil && *got.Target.Value != *w.value:
				t.Errorf("target.value = %v, want %v", *got.Target.Value, *w.value)
			}
			if got.Target.Comparator != w.cmp {
				t.Errorf("target.comparator = %s, want %s", got.Target.Comparator, w.cmp)
			}
			if got.Direction != w.dir {
				t.Errorf("direction = %s, want %s", got.Direction, w.dir)
			}
			if got.Target.Year != 2025 {
				t.Errorf("target.year = %d, want 2025", got.Target.Year)
			}
		})
	}
}

func TestRedactedTargetsAreUnknown(t *testing.T) {
	p := MustLoad(t)
	redacted := map[string]bool{"1.2": true, "1.3": true, "1.4": true}
	for _, ind := range p.Indicators() {
		t.Run(ind.Code, func(t *testing.T) {
			if redacted[ind.Code] != (ind.Target.Value == nil) {
				t.Errorf("target.value nil = %v, want %v", ind.Target.Value == nil, redacted[ind.Code])
			}
			if ind.Target.Value != nil && *ind.Target.Value == 0 {
				t.Error("target.value is 0; a redacted target must be null")
			}
		})
	}
}

func TestSpecialEquipmentDeathRateIsUpperBound(t *testing.T) {
	p := MustLoad(t)
	ind, ok := p.Indicator("2.17")
	if !ok {
		t.Fatal("indicator 2.17 missing")
	}
	if ind.Target.Comparator != LTE || ind.Direction != LowerIsBetter || *ind.Target.Value != 0.1 {
		t.Errorf("2.17 target = %s %v %s, want LTE 0.1 LOWER_IS_BETTER", ind.Target.Comparator, *ind.Target.Value, ind.Direction)
	}
}

func TestIndicatorSources(t *testing.T) {
	p := MustLoad(t)
	ocr := regexp.MustCompile(`IO0|Io0|%[oO]|^\d+、|L2亿`)
	for _, ind := range p.Indicators() {
		t.Run(ind.Code, func(t *testing.T) {
			for field, s := range map[string]string{"name": ind.Name, "source": ind.Source} {
				if m := ocr.FindString(s); m != "" {
					t.Errorf("%s keeps OCR artefact %q: %s", field, m, s)
				}
			}
			if ind.Target.Value != nil {
				v := strconv.FormatFloat(*ind.Target.Value, 'f', -1, 64)
				if !strings.Contains(ind.Source, v) {
					t.Errorf("source does not state the target %s: %s", v, ind.Source)
				}
			}
		})
	}
}

func TestCumulativeTargets(t *testing.T) {
	p := MustLoad(t)
	for _, ind := range p.Indicators() {
		want := ind.Code == "1.2" || ind.Code == "1.4"
		if ind.Cumulative != want {
			t.Errorf("indicator %s: cumulative = %v, want %v", ind.Code, ind.Cumulative, want)
		}
	}
}

type wantTerm struct {
	element string
	coef    float64
}

// Every indicator's formula: how the city figure is computed from the data elements.
var wantFormulas = map[string]struct {
	num, den []wantTerm
	factor   float64
}{
	"1.1":  {[]wantTerm{{"HV_INVENTION_PATENTS", 1}}, []wantTerm{{"RESIDENT_POPULATION", 1}}, 10000},
	"1.2":  {[]wantTerm{{"PCT_APPLICATIONS", 1}}, nil, 1},
	"1.3":  {[]wantTerm{{"TRADEMARKS_VALID", 1}}, nil, 1},
	"1.4":  {[]wantTerm{{"PRO_BUSINESS_POLICIES", 1}}, nil, 1},
	"2.1":  {[]wantTerm{{"RI_ENTITIES_CHECKED", 1}}, []wantTerm{{"RI_POOL_ENTITIES", 1}}, 100},
	"2.2":  {[]wantTerm{{"CREDIT_TASKS_COMPLETED", 1}}, []wantTerm{{"CREDIT_TASKS_LAUNCHED", 1}}, 100},
	"2.3":  {[]wantTerm{{"FOOD_BUSINESSES_INSPECTED", 1}}, []wantTerm{{"FOOD_BUSINESSES", 1}}, 100},
	"2.4":  {[]wantTerm{{"DRUG_RETAILERS_INSPECTED", 1}}, []wantTerm{{"DRUG_RETAILERS_PLANNED", 1}}, 100},
	"2.5":  {[]wantTerm{{"DEVICE_PRODUCERS_INSPECTED", 1}}, []wantTerm{{"DEVICE_PRODUCERS_PLANNED", 1}}, 100},
	"2.6":  {[]wantTerm{{"ONLINE_PLATFORMS_MONITORED", 1}}, []wantTerm{{"ONLINE_PLATFORMS", 1}}, 100},
	"2.7":  {[]wantTerm{{"PROBLEMS_DISPOSED", 1}}, []wantTerm{{"PROBLEMS_FOUND", 1}}, 100},
	"2.8":  {[]wantTerm{{"SMART_PLATFORM_INTEGRATION", 1}}, nil, 1},
	"2.9":  {[]wantTerm{{"CATERING_UNITS_OPEN_KITCHEN", 1}}, []wantTerm{{"CATERING_UNITS", 1}}, 100},
	"2.10": {[]wantTerm{{"IP_BATCHES_INSPECTED", 1}, {"IP_BATCHES_FAILED", -1}}, []wantTerm{{"IP_BATCHES_INSPECTED", 1}}, 100},
	"2.11": {[]wantTerm{{"DRUG_ADR_REPORTS", 1}}, []wantTerm{{"RESIDENT_POPULATION", 1}}, 1e6},
	"2.12": {[]wantTerm{{"DEVICE_AE_REPORTS", 1}}, []wantTerm{{"RESIDENT_POPULATION", 1}}, 1e6},
	"2.13": {[]wantTerm{{"COSMETIC_AE_REPORTS", 1}}, []wantTerm{{"RESIDENT_POPULATION", 1}}, 1e6},
	"2.14": {[]wantTerm{{"FOOD_SAMPLE_BATCHES", 1}}, []wantTerm{{"RESIDENT_POPULATION", 1}}, 1000},
	"2.15": {[]wantTerm{{"DRUG_SAFETY_SATISFACTION", 1}}, nil, 1},
	"2.16": {[]wantTerm{{"FOOD_SAFETY_SATISFACTION", 1}}, nil, 1},
	"2.17": {[]wantTerm{{"SE_DEATHS", 1}}, []wantTerm{{"SE_UNITS", 1}}, 10000},
	"2.18": {[]wantTerm{{"ELEVATORS_ON_PLATFORM", 1}}, []wantTerm{{"ELEVATORS_PASSENGER", 1}}, 100},
	"3.1":  {[]wantTerm{{"GOV_INFO_DISCLOSED", 1}}, []wantTerm{{"GOV_INFO_DUE", 1}}, 100},
	"3.2":  {[]wantTerm{{"CITY_EMERGENCY_DRILLS", 1}}, nil, 1},
	"3.3":  {[]wantTerm{{"COMPLAINTS_CLOSED_ON_TIME", 1}}, []wantTerm{{"COMPLAINTS_RECEIVED", 1}}, 100},
	"3.4":  {[]wantTerm{{"TIPS_VERIFIED_ON_TIME", 1}}, []wantTerm{{"TIPS_RECEIVED", 1}}, 100},
}

func TestFormulas(t *testing.T) {
	p := MustLoad(t)
	if len(wantFormulas) != len(p.Indicators()) {
		t.Fatalf("table has %d formulas for %d indicators", len(wantFormulas), len(p.Indicators()))
	}
	terms := func(ts []Term) []wantTerm {
		var out []wantTerm
		for _, t := range ts {
			out = append(out, wantTerm{t.Element, t.Coef()})
		}
		return out
	}
	for _, ind := range p.Indicators() {
		t.Run(ind.Code, func(t *testing.T) {
			w, ok := wantFormulas[ind.Code]
			if !ok {
				t.Fatal("no expected formula")
			}
			if got := terms(ind.Formula.Numerator); !equalTerms(got, w.num) {
				t.Errorf("numerator = %v, want %v", got, w.num)
			}
			if got := terms(ind.Formula.Denominator); !equalTerms(got, w.den) {
				t.Errorf("denominator = %v, want %v", got, w.den)
			}
			if ind.Formula.Factor != w.factor {
				t.Errorf("factor = %v, want %v", ind.Formula.Factor, w.factor)
			}
			for _, code := range ind.Elements() {
				if _, ok := p.DataElement(code); !ok {
					t.Errorf("formula element %q is not a data element", code)
				}
			}
		})
	}
}

func equalTerms(a, b []wantTerm) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Percentages are a ratio of sums times 100, unless the city holds the percentage itself.
func TestPercentIndicatorsAreRatios(t *testing.T) {
	p := MustLoad(t)
	for _, ind := range p.Indicators() {
		if ind.Unit != "%" {
			continue
		}
		t.Run(ind.Code, func(t *testing.T) {
			f := ind.Formula
			if len(f.Denominator) == 0 {
				// The only allowed form without a denominator: one city-level PERCENT figure.
				e, _ := p.DataElement(f.Numerator[0].Element)
				if len(f.Numerator) != 1 || e == nil || e.ValueType != Percent || e.CollectedAt != City || f.Factor != 1 {
					t.Errorf("percentage without a denominator must be one CITY PERCENT element with factor 1: %+v", f)
				}
				return
			}
			if f.Factor != 100 {
				t.Errorf("factor = %v, want 100", f.Factor)
			}
		})
	}
}

func TestPerCapitaIndicatorsUsePopulation(t *testing.T) {
	p := MustLoad(t)
	factors := map[string]float64{"件/万人": 1e4, "份/百万人口": 1e6, "批次/千人": 1e3}
	seen := 0
	for _, ind := range p.Indicators() {
		factor, ok := factors[ind.Unit]
		if !ok {
			continue
		}
		seen++
		t.Run(ind.Code, func(t *testing.T) {
			d := ind.Formula.Denominator
			if len(d) != 1 || d[0].Element != "RESIDENT_POPULATION" || d[0].Coef() != 1 {
				t.Errorf("denominator = %+v, want RESIDENT_POPULATION", d)
			}
			if ind.Formula.Factor != factor {
				t.Errorf("factor = %v, want %v for %s", ind.Formula.Factor, factor, ind.Unit)
			}
		})
	}
	if seen != 5 { // 1.1, 2.11–2.14
		t.Errorf("%d per-capita indicators, want 5", seen)
	}
}

// eval computes a formula from already aggregated element values, the way the roll-up does.
func eval(f Formula, v map[string]float64) float64 {
	sum := func(ts []Term) float64 {
		s := 0.0
		for _, t := range ts {
			s += t.Coef() * v[t.Element]
		}
		return s
	}
	if len(f.Denominator) == 0 {
		return sum(f.Numerator) * f.Factor
	}
	return sum(f.Numerator) / sum(f.Denominator) * f.Factor
}

// The report's own figures, recomputed through the formulas.
func TestFormulasReproduceReportFigures(t *testing.T) {
	p := MustLoad(t)
	tests := []struct {
		name      string
		indicator string
		values    map[string]float64
		want      float64
	}{
		{"PassRate2021", "2.10", map[string]float64{"IP_BATCHES_INSPECTED": 538, "IP_BATCHES_FAILED": 25}, 95.353},
		{"PassRate2022", "2.10", map[string]float64{"IP_BATCHES_INSPECTED": 501, "IP_BATCHES_FAILED": 22}, 95.609},
		{"ElevatorsAllOnPlatform", "2.18", map[string]float64{"ELEVATORS_PASSENGER": 8412, "ELEVATORS_ON_PLATFORM": 8412}, 100},
		{"ADRPerMillion", "2.11", map[string]float64{"DRUG_ADR_REPORTS": 1483 * 3, "RESIDENT_POPULATION": 3e6}, 1483},
		{"FoodSamplesPerThousand", "2.14", map[string]float64{"FOOD_SAMPLE_BATCHES": 12500, "RESIDENT_POPULATION": 2.5e6}, 5},
		{"NoSpecialEquipmentDeaths", "2.17", map[string]float64{"SE_DEATHS": 0, "SE_UNITS": 60000}, 0},
		{"DeathsPerTenThousandUnits", "2.17", map[string]float64{"SE_DEATHS": 1, "SE_UNITS": 50000}, 0.2},
		{"PatentsPerTenThousand", "1.1", map[string]float64{"HV_INVENTION_PATENTS": 900, "RESIDENT_POPULATION": 3e6}, 3},
		{"FoodSatisfactionCityOnly", "2.16", map[string]float64{"FOOD_SAFETY_SATISFACTION": 84.39}, 84.39},
		{"PoliciesCount", "1.4", map[string]float64{"PRO_BUSINESS_POLICIES": 21}, 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ind, ok := p.Indicator(tt.indicator)
			if !ok {
				t.Fatalf("indicator %s missing", tt.indicator)
			}
			if got := eval(ind.Formula, tt.values); math.Abs(got-tt.want) > 0.001 {
				t.Errorf("%s = %.4f, want %.3f", tt.indicator, got, tt.want)
			}
		})
	}
}

// Every data element: where it is collected, how it rolls up, and what bounds it.
var wantElements = []struct {
	code    string
	vt      ValueType
	at      Level
	regions RegionRule
	time    TimeRule
	partOf  string
}{
	{"RESIDENT_POPULATION", Count, County, RegionSum, TimeLast, ""},
	{"HV_INVENTION_PATENTS", Count, County, RegionSum, TimeLast, ""},
	{"PCT_APPLICATIONS", Count, County, RegionSum, TimeSum, ""},
	{"TRADEMARKS_VALID", Count, County, RegionSum, TimeLast, ""},
	{"PRO_BUSINESS_POLICIES", Count, City, RegionNone, TimeSum, ""},
	{"RI_POOL_ENTITIES", Count, County, RegionSum, TimeLast, ""},
	{"RI_ENTITIES_CHECKED", Count, County, RegionSum, TimeSum, "RI_POOL_ENTITIES"},
	{"CREDIT_TASKS_LAUNCHED", Count, County, RegionSum, TimeSum, ""},
	{"CREDIT_TASKS_COMPLETED", Count, County, RegionSum, TimeSum, "CREDIT_TASKS_LAUNCHED"},
	{"FOOD_BUSINESSES", Count, County, RegionSum, TimeLast, ""},
	{"FOOD_BUSINESSES_INSPECTED", Count, County, RegionSum, TimeLast, "FOOD_BUSINESSES"},
	{"DRUG_RETAILERS_PLANNED", Count, County, RegionSum, TimeLast, ""},
	{"DRUG_RETAILERS_INSPECTED", Count, County, RegionSum, TimeLast, "DRUG_RETAILERS_PLANNED"},
	{"DEVICE_PRODUCERS_PLANNED", Count, County, RegionSum, TimeLast, ""},
	{"DEVICE_PRODUCERS_INSPECTED", Count, County, RegionSum, TimeLast, "DEVICE_PRODUCERS_PLANNED"},
	{"ONLINE_PLATFORMS", Count, County, RegionSum, TimeLast, ""},
	{"ONLINE_PLATFORMS_MONITORED", Count, County, RegionSum, TimeLast, "ONLINE_PLATFORMS"},
	{"PROBLEMS_FOUND", Count, County, RegionSum, TimeSum, ""},
	{"PROBLEMS_DISPOSED", Count, County, RegionSum, TimeSum, "PROBLEMS_FOUND"},
	{"SMART_PLATFORM_INTEGRATION", Percent, City, RegionNone, TimeLast, ""},
	{"CATERING_UNITS", Count, County, RegionSum, TimeLast, ""},
	{"CATERING_UNITS_OPEN_KITCHEN", Count, County, RegionSum, TimeLast, "CATERING_UNITS"},
	{"IP_BATCHES_INSPECTED", Count, County, RegionSum, TimeSum, ""},
	{"IP_BATCHES_FAILED", Count, County, RegionSum, TimeSum, "IP_BATCHES_INSPECTED"},
	{"DRUG_ADR_REPORTS", Count, County, RegionSum, TimeSum, ""},
	{"DEVICE_AE_REPORTS", Count, County, RegionSum, TimeSum, ""},
	{"COSMETIC_AE_REPORTS", Count, County, RegionSum, TimeSum, ""},
	{"FOOD_SAMPLE_BATCHES", Count, County, RegionSum, TimeSum, ""},
	{"DRUG_SAFETY_SATISFACTION", Score, City, RegionNone, TimeLast, ""},
	{"FOOD_SAFETY_SATISFACTION", Score, City, RegionNone, TimeLast, ""},
	{"SE_UNITS", Count, County, RegionSum, TimeLast, ""},
	{"SE_DEATHS", Count, County, RegionSum, TimeSum, ""},
	{"ELEVATORS_PASSENGER", Count, County, RegionSum, TimeLast, ""},
	{"ELEVATORS_ON_PLATFORM", Count, County, RegionSum, TimeLast, "ELEVATORS_PASSENGER"},
	{"GOV_INFO_DUE", Count, County, RegionSum, TimeSum, ""},
	{"GOV_INFO_DISCLOSED", Count, County, RegionSum, TimeSum, "GOV_INFO_DUE"},
	{"CITY_EMERGENCY_DRILLS", Count, City, RegionNone, TimeSum, ""},
	{"COMPLAINTS_RECEIVED", Count, County, RegionSum, TimeSum, ""},
	{"COMPLAINTS_CLOSED_ON_TIME", Count, County, RegionSum, TimeSum, "COMPLAINTS_RECEIVED"},
	{"TIPS_RECEIVED", Count, County, RegionSum, TimeSum, ""},
	{"TIPS_VERIFIED_ON_TIME", Count, County, RegionSum, TimeSum, "TIPS_RECEIVED"},
}

func TestDataElements(t *testing.T) {
	p := MustLoad(t)
	if len(p.DataElements) != len(wantElements) {
		t.Fatalf("%d data elements, want %d", len(p.DataElements), len(wantElements))
	}
	for i, w := range wantElements {
		t.Run(w.code, func(t *testing.T) {
			e := p.DataElements[i]
			if e.Code != w.code {
				t.Fatalf("element #%d = %q, want %q", i+1, e.Code, w.code)
			}
			if e.ValueType != w.vt || e.CollectedAt != w.at || e.Aggregation.Regions != w.regions ||
				e.Aggregation.Time != w.time || e.PartOf != w.partOf {
				t.Errorf("got %s %s regions=%s time=%s part_of=%q, want %s %s regions=%s time=%s part_of=%q",
					e.ValueType, e.CollectedAt, e.Aggregation.Regions, e.Aggregation.Time, e.PartOf,
					w.vt, w.at, w.regions, w.time, w.partOf)
			}
			yearlyOnly := e.ValueType == Score || e.ValueType == Percent
			if yearlyOnly && (len(e.PeriodTypes) != 1 || e.PeriodTypes[0] != Yearly) {
				t.Errorf("period_types = %v, want [YEARLY] for a survey or assessed figure", e.PeriodTypes)
			}
			if !yearlyOnly && len(e.PeriodTypes) != 2 {
				t.Errorf("period_types = %v, want [YEARLY QUARTERLY]", e.PeriodTypes)
			}
		})
	}
}

func TestEveryDataElementIsUsed(t *testing.T) {
	p := MustLoad(t)
	used := map[string]bool{}
	for _, ind := range p.Indicators() {
		for _, e := range ind.Elements() {
			used[e] = true
		}
	}
	for _, e := range p.DataElements {
		if !used[e.Code] {
			t.Errorf("data element %q is used by no indicator formula", e.Code)
		}
	}
}

func TestTaskTree(t *testing.T) {
	p := MustLoad(t)
	want := []struct {
		title    string
		measures []int // measures per sub-task
	}{
		{"深化商事制度改革,进一步增强市场主体活力", []int{4, 4, 2, 3}},
		{"强化竞争政策实施,进一步改善市场竞争环境", []int{2, 3, 3, 3, 2, 3}},
		{"强化重点领域监管,进一步规范市场经营秩序", []int{3, 3, 3}},
		{"严格落实“四个最严”,进一步把好市场安全关", []int{4, 4, 3, 3}},
		{"深化质量强市建设,进一步推动产业企业高质量发展", []int{4, 2, 1, 5, 3, 2}},
		// The report's text stops inside 6.(1) 二是; no "(2)" survives.
		{"构建现代化市场监管体系,进一步提升市场监管效能", []int{2}},
	}
	if len(p.Tasks) != len(want) {
		t.Fatalf("%d tasks, want %d", len(p.Tasks), len(want))
	}
	for i, w := range want {
		task := p.Tasks[i]
		t.Run(task.Code, func(t *testing.T) {
			if task.Title != w.title {
				t.Errorf("title = %q, want %q", task.Title, w.title)
			}
			if len(task.Children) != len(w.measures) {
				t.Fatalf("%d sub-tasks, want %d", len(task.Children), len(w.measures))
			}
			for j, sub := range task.Children {
				if len(sub.Children) == 0 {
					t.Errorf("sub-task %s has no measure", sub.Code)
				}
				if len(sub.Children) != w.measures[j] {
					t.Errorf("sub-task %s has %d measures, want %d", sub.Code, len(sub.Children), w.measures[j])
				}
			}
		})
	}
}

func TestMeasures(t *testing.T) {
	p := MustLoad(t)
	n := 0
	for _, ft := range p.FlatTasks() {
		if ft.Level != MeasureLevel {
			continue
		}
		n++
		t.Run(ft.Code, func(t *testing.T) {
			if c := utf8.RuneCountInString(ft.Title); c == 0 || c > 30 {
				t.Errorf("title %q has %d characters, want 1–30", ft.Title, c)
			}
			if strings.HasPrefix(ft.Text, "一是") || strings.Contains(ft.Text, "IO0") || strings.Contains(ft.Text, "%o") {
				t.Errorf("text keeps a marker or OCR artefact: %s", ft.Text)
			}
			if len(ft.Children) > 0 {
				t.Errorf("a measure has %d children", len(ft.Children))
			}
			// Outputs are the report's figures, not invented ones: each is in the text.
			for _, o := range ft.Outputs {
				if o.Reported == nil {
					continue
				}
				v := strconv.FormatFloat(*o.Reported, 'f', -1, 64)
				if !strings.Contains(ft.Text, v) {
					t.Errorf("output %s %q reports %s, which the text does not state", o.Code, o.Name, v)
				}
			}
		})
	}
	if n != 71 {
		t.Errorf("%d measures, want 71", n)
	}
}

func TestOutputs(t *testing.T) {
	p := MustLoad(t)
	outputs := map[string][]Output{}
	for _, ft := range p.FlatTasks() {
		outputs[ft.Code] = ft.Outputs
	}
	tests := []struct {
		measure, code, unit string
		reported            float64
	}{
		{"2.1.2", OutputCases, "起", 1},
		{"2.1.2", OutputFines, "万元", 8949.44},
		{"2.3.3", OutputInspections, "家次", 17162},
		{"2.3.3", OutputCases, "起", 28},
		{"2.3.3", OutputFines, "万元", 233.77},
		{"2.5.1", OutputCases, "件", 14},
		{"2.5.1", OutputFines, "万元", 53.83},
		{"2.6.2", OutputStations, "个", 30},
		{"2.6.3", OutputCases, "起", 53},
		{"3.1.3", OutputFines, "万元", 9061.9},
		{"3.2.2", OutputCases, "起", 343},
		{"3.2.2", OutputFines, "万元", 38.94},
		{"3.3.2", OutputFines, "万元", 4.89},
		{"4.1.3", OutputCases, "起", 1158},
		{"4.1.4", OutputEvents, "次", 18},
		{"4.1.4", OutputStations, "个", 17},
		{"4.2.3", OutputBatches, "批次", 586},
		{"4.2.4", OutputCases, "件", 311},
		{"4.4.2", OutputBatches, "批次", 968},
		{"4.4.2", OutputStations, "个", 33},
		{"6.1.1", OutputTrainees, "人次", 685},
		{"6.1.1", OutputTrainees, "人次", 5850},
	}
	for _, tt := range tests {
		t.Run(tt.measure+"/"+tt.code+"/"+strconv.FormatFloat(tt.reported, 'f', -1, 64), func(t *testing.T) {
			for _, o := range outputs[tt.measure] {
				if o.Code == tt.code && o.Unit == tt.unit && o.Reported != nil && *o.Reported == tt.reported {
					return
				}
			}
			var has []string
			for _, o := range outputs[tt.measure] {
				if o.Reported != nil {
					has = append(has, fmt.Sprintf("%s %v %s", o.Code, *o.Reported, o.Unit))
				}
			}
			t.Errorf("measure %s has no output %s %v %s; has %v", tt.measure, tt.code, tt.reported, tt.unit, has)
		})
	}
}

func TestFlatTasks(t *testing.T) {
	p := MustLoad(t)
	flat := p.FlatTasks()
	if len(flat) != 6+24+71 {
		t.Fatalf("%d rows, want %d", len(flat), 6+24+71)
	}
	head := []struct {
		code, parent   string
		level, ordinal int
	}{
		{"1", "", KeyTaskLevel, 1},
		{"1.1", "1", SubTaskLevel, 1},
		{"1.1.1", "1.1", MeasureLevel, 1},
		{"1.1.2", "1.1", MeasureLevel, 2},
		{"1.1.3", "1.1", MeasureLevel, 3},
		{"1.1.4", "1.1", MeasureLevel, 4},
		{"1.2", "1", SubTaskLevel, 2},
		{"1.2.1", "1.2", MeasureLevel, 1},
	}
	for i, w := range head {
		t.Run(w.code, func(t *testing.T) {
			got := flat[i]
			if got.Code != w.code || got.ParentCode != w.parent || got.Level != w.level || got.Ordinal != w.ordinal {
				t.Errorf("row %d = %s parent=%q level=%d ordinal=%d, want %s parent=%q level=%d ordinal=%d",
					i, got.Code, got.ParentCode, got.Level, got.Ordinal, w.code, w.parent, w.level, w.ordinal)
			}
		})
	}
	last := flat[len(flat)-1]
	if last.Code != "6.1.2" || last.ParentCode != "6.1" || last.Level != MeasureLevel || last.Ordinal != 2 {
		t.Errorf("last row = %+v, want 6.1.2", last)
	}
}

func TestLookups(t *testing.T) {
	p := MustLoad(t)
	t.Run("IndicatorFound", func(t *testing.T) {
		ind, ok := p.Indicator("2.10")
		if !ok || ind.Name != "重点工业产品监督抽查合格率" {
			t.Errorf("Indicator(2.10) = %v, %v", ind, ok)
		}
	})
	t.Run("IndicatorMissing", func(t *testing.T) {
		if _, ok := p.Indicator("9.9"); ok {
			t.Error("Indicator(9.9) found")
		}
	})
	t.Run("DataElementFound", func(t *testing.T) {
		e, ok := p.DataElement("IP_BATCHES_FAILED")
		if !ok || e.PartOf != "IP_BATCHES_INSPECTED" {
			t.Errorf("DataElement(IP_BATCHES_FAILED) = %v, %v", e, ok)
		}
	})
	t.Run("DataElementMissing", func(t *testing.T) {
		if _, ok := p.DataElement("NOPE"); ok {
			t.Error("DataElement(NOPE) found")
		}
	})
	t.Run("ElementsDistinctInOrder", func(t *testing.T) {
		ind, _ := p.Indicator("2.10")
		got := strings.Join(ind.Elements(), ",")
		if got != "IP_BATCHES_INSPECTED,IP_BATCHES_FAILED" {
			t.Errorf("Elements() = %s", got)
		}
	})
}

func TestTermCoef(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want float64
	}{
		{"UnsetMeansOne", 0, 1},
		{"Subtract", -1, -1},
		{"Scale", 2.5, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Term{Element: "X", Coefficient: tt.in}).Coef(); got != tt.want {
				t.Errorf("Coef() = %v, want %v", got, tt.want)
			}
		})
	}
}

// minimalPlan is a small valid plan that the rejection cases break one edit at a time.
const minimalPlan = `
code: T
name: 测试规划
start_year: 2021
end_year: 2025
owner_level: CITY
source: 测试
categories:
  - code: "1"
    name: 类别一
    indicators:
      - code: "1.1"
        name: 合格率
        unit: "%"
        target: {value: 96.5, comparator: GTE, year: 2025}
        direction: HIGHER_IS_BETTER
        source: 原文
        formula:
          numerator:
            - {element: INSPECTED}
            - {element: FAILED, coefficient: -1}
          denominator: [{element: INSPECTED}]
          factor: 100
      - code: "1.2"
        name: 政策数
        unit: 个
        target: {value: null, comparator: GTE, year: 2025}
        direction: HIGHER_IS_BETTER
        cumulative: true
        source: 原文
        formula:
          numerator: [{element: POLICIES}]
          factor: 1
data_elements:
  - code: INSPECTED
    name: 抽查批次
    unit: 批次
    value_type: COUNT
    collected_at: COUNTY
    period_types: [YEARLY, QUARTERLY]
    aggregation: {regions: SUM, time: SUM}
  - code: FAILED
    name: 不合格批次
    unit: 批次
    value_type: COUNT
    collected_at: COUNTY
    period_types: [YEARLY, QUARTERLY]
    aggregation: {regions: SUM, time: SUM}
    part_of: INSPECTED
  - code: POLICIES
    name: 政策数
    unit: 个
    value_type: COUNT
    collected_at: CITY
    period_types: [YEARLY]
    aggregation: {regions: NONE, time: SUM}
  - code: SCORE
    name: 满意度
    unit: 分
    value_type: SCORE
    collected_at: COUNTY
    period_types: [YEARLY]
    aggregation: {regions: AVERAGE, weight: RESPONDENTS, time: LAST}
  - code: RESPONDENTS
    name: 受访人数
    unit: 人
    value_type: COUNT
    collected_at: COUNTY
    period_types: [YEARLY]
    aggregation: {regions: SUM, time: SUM}
tasks:
  - code: "1"
    title: 任务一
    children:
      - code: "1.1"
        title: 子任务
        children:
          - code: "1.1.1"
            title: 举措
            text: 查处案件3起。
            outputs:
              - {code: CASES, name: 查处案件, unit: 起, reported: 3}
`

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		old, new string   // one edit to minimalPlan; old must occur
		wantErr  []string // substrings of the error; none means the plan is valid
	}{
		{name: "OK"},
		{name: "ErrUnknownFormulaElement",
			old: "denominator: [{element: INSPECTED}]", new: "denominator: [{element: NOPE}]",
			wantErr: []string{`indicator "1.1"`, `formula element "NOPE" is not a data element`}},
		{name: "ErrDuplicateIndicatorCode",
			old: `code: "1.2"`, new: `code: "1.1"`,
			wantErr: []string{`indicator "1.1": duplicate code`}},
		{name: "ErrDuplicateDataElementCode",
			old: "code: FAILED", new: "code: INSPECTED",
			wantErr: []string{`data element "INSPECTED": duplicate code`}},
		{name: "ErrBadComparator",
			old:     "comparator: GTE, year: 2025}\n        direction: HIGHER_IS_BETTER\n        source: 原文\n        formula:\n          numerator:\n",
			new:     "comparator: ATLEAST, year: 2025}\n        direction: HIGHER_IS_BETTER\n        source: 原文\n        formula:\n          numerator:\n",
			wantErr: []string{`indicator "1.1"`, `target.comparator "ATLEAST"`}},
		{name: "ErrUnknownYAMLKey",
			old: "source: 测试\n", new: "source: 测试\ncolour: red\n",
			wantErr: []string{"field colour not found"}},
		{name: "ErrUnknownNestedKey",
			old: "factor: 100", new: "factor: 100\n          scale: 2",
			wantErr: []string{"field scale not found"}},
		{name: "ErrBadDirection",
			old:     "direction: HIGHER_IS_BETTER\n        source: 原文\n        formula:\n          numerator:\n",
			new:     "direction: UP\n        source: 原文\n        formula:\n          numerator:\n",
			wantErr: []string{`indicator "1.1": direction "UP"`}},
		{name: "ErrUpperBoundHigherIsBetter",
			old:     "comparator: GTE, year: 2025}\n        direction: HIGHER_IS_BETTER\n        source: 原文\n        formula:\n          numerator:\n",
			new:     "comparator: LTE, year: 2025}\n        direction: HIGHER_IS_BETTER\n        source: 原文\n        formula:\n          numerator:\n",
			wantErr: []string{`indicator "1.1": target.comparator LTE is an upper bound`}},
		{name: "ErrTargetYearOutsidePlan",
			old: "value: 96.5, comparator: GTE, year: 2025", new: "value: 96.5, comparator: GTE, year: 2030",
			wantErr: []string{`indicator "1.1": target.year 2030 is outside`}},
		{name: "ErrIndicatorOutsideCategory",
			old: `code: "1.2"`, new: `code: "2.2"`,
			wantErr: []string{`indicator "2.2": code must be category code "1"`}},
		{name: "ErrBadValueType",
			old: "value_type: SCORE", new: "value_type: RATING",
			wantErr: []string{`data element "SCORE": value_type "RATING"`}},
		{name: "ErrBadElementCode",
			old: "code: RESPONDENTS", new: "code: respondents",
			wantErr: []string{`data element "respondents": code must be UPPER_SNAKE_CASE`}},
		{name: "ErrCityElementSummed",
			old: "aggregation: {regions: NONE, time: SUM}", new: "aggregation: {regions: SUM, time: SUM}",
			wantErr: []string{`data element "POLICIES": collected_at CITY needs aggregation.regions NONE, not "SUM"`}},
		{name: "ErrDuplicateYAMLKey",
			old: "part_of: INSPECTED", new: "part_of: INSPECTED\n    aggregation: {regions: NONE, time: SUM}",
			wantErr: []string{`"aggregation" already defined`}},
		{name: "ErrPartOfMissing",
			old: "part_of: INSPECTED", new: "part_of: CHECKED",
			wantErr: []string{`data element "FAILED": part_of "CHECKED" is not a data element`}},
		{name: "ErrPartOfSelf",
			old: "part_of: INSPECTED", new: "part_of: FAILED",
			wantErr: []string{`data element "FAILED": part_of "FAILED" names the element itself`}},
		{name: "ErrPartOfOtherUnit",
			old: "part_of: INSPECTED", new: "part_of: RESPONDENTS",
			wantErr: []string{`data element "FAILED": part_of "RESPONDENTS" has unit "人"`}},
		{name: "ErrWeightMissing",
			old: "weight: RESPONDENTS", new: "weight: PEOPLE",
			wantErr: []string{`data element "SCORE": aggregation.weight "PEOPLE" is not a data element`}},
		{name: "ErrWeightWithoutAverage",
			old: "regions: AVERAGE, weight", new: "regions: MAX, weight",
			wantErr: []string{`data element "SCORE": aggregation.weight "RESPONDENTS" is only used with regions AVERAGE`}},
		{name: "ErrBadTimeRule",
			old: "aggregation: {regions: SUM, time: SUM}\n  - code: FAILED", new: "aggregation: {regions: SUM, time: FIRST}\n  - code: FAILED",
			wantErr: []string{`data element "INSPECTED": aggregation.time "FIRST"`}},
		{name: "ErrBadPeriodType",
			old: "period_types: [YEARLY]\n    aggregation: {regions: NONE", new: "period_types: [MONTHLY]\n    aggregation: {regions: NONE",
			wantErr: []string{`data element "POLICIES": period_types value "MONTHLY"`}},
		{name: "ErrCumulativeRatio",
			old:     "cumulative: true\n        source: 原文\n        formula:\n          numerator: [{element: POLICIES}]\n",
			new:     "cumulative: true\n        source: 原文\n        formula:\n          numerator: [{element: POLICIES}]\n          denominator: [{element: INSPECTED}]\n",
			wantErr: []string{`indicator "1.2": cumulative target needs a formula without a denominator`}},
		{name: "ErrZeroFactor",
			old: "factor: 100", new: "factor: 0",
			wantErr: []string{`indicator "1.1": formula factor 0 must be positive`}},
		{name: "ErrTaskNotNested",
			old: `code: "1.1.1"`, new: `code: "2.1.1"`,
			wantErr: []string{`task "2.1.1": code must be "1.1.1"`}},
		{name: "ErrBadOutputCode",
			old: "code: CASES", new: "code: ARRESTS",
			wantErr: []string{`task "1.1.1": output #1: code "ARRESTS" is not one of`}},
		{name: "ErrOutputUnitNotTheCodes",
			old: "unit: 起, reported: 3", new: "unit: 万元, reported: 3",
			wantErr: []string{`task "1.1.1": output #1: unit "万元" is not one of CASES's units (起, 件)`}},
		{name: "ErrMeasureWithoutText",
			old: "text: 查处案件3起。", new: "text: \"\"",
			wantErr: []string{`task "1.1.1": a measure needs the report's text`}},
		{name: "ErrBadOwnerLevel",
			old: "owner_level: CITY", new: "owner_level: TOWN",
			wantErr: []string{`plan: owner_level "TOWN"`}},
		{name: "ErrEmpty",
			old: minimalPlan, new: "",
			wantErr: []string{"empty"}},
		{name: "ErrTwoDocuments",
			old: "owner_level: CITY\n", new: "owner_level: CITY\n---\ncode: X\n",
			wantErr: []string{"more than one YAML document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := minimalPlan
			if tt.old != "" {
				if !strings.Contains(doc, tt.old) {
					t.Fatalf("edit target %q is not in the minimal plan", tt.old)
				}
				doc = strings.Replace(doc, tt.old, tt.new, 1)
			}
			p, err := Parse([]byte(doc))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if p.Code != "T" || len(p.Indicators()) != 2 {
					t.Errorf("parsed plan = %+v", p)
				}
				return
			}
			if err == nil {
				t.Fatal("Parse accepted a broken plan")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// Validate also guards plans built or changed in code, not only parsed ones.
func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(p *Plan)
		wantErr string
	}{
		{"OK", func(p *Plan) {}, ""},
		{"ErrDuplicateElementCode", func(p *Plan) { p.DataElements[1].Code = p.DataElements[0].Code },
			`data element "RESIDENT_POPULATION": duplicate code`},
		{"ErrUnknownFormulaElement", func(p *Plan) { p.Categories[1].Indicators[9].Formula.Numerator[1].Element = "IP_BATCHES_BAD" },
			`indicator "2.10": formula element "IP_BATCHES_BAD" is not a data element`},
		{"ErrDuplicateCategory", func(p *Plan) { p.Categories[2].Code = "2" },
			`category "2": duplicate code`},
		{"ErrCountyElementNotRolledUp", func(p *Plan) { p.DataElements[0].Aggregation.Regions = RegionNone },
			`data element "RESIDENT_POPULATION": aggregation.regions NONE needs collected_at CITY`},
		{"ErrPartOfCycle", func(p *Plan) {
			e, _ := p.DataElement("IP_BATCHES_INSPECTED")
			e.PartOf = "IP_BATCHES_FAILED"
		}, `data element "IP_BATCHES_INSPECTED": part_of chain "IP_BATCHES_FAILED" leads back to it`},
		{"ErrSubTaskOutOfOrder", func(p *Plan) { p.Tasks[1].Children[0].Code = "2.7" },
			`task "2.7": code must be "2.1"`},
		{"OKOptionalWithReason", func(p *Plan) { p.DataElements[0].Optional = "本期不统计" }, ""},
		{"ErrOptionalWithoutReason", func(p *Plan) { p.DataElements[0].Optional = "  " },
			`data element "RESIDENT_POPULATION": optional needs a reason`},
		{"ErrMaxNotPositive", func(p *Plan) { m := 0.0; p.DataElements[0].Max = &m },
			`data element "RESIDENT_POPULATION": max 0 must be a positive finite number`},
		{"ErrMaxOnPercentage", func(p *Plan) {
			e, _ := p.DataElement("SMART_PLATFORM_INTEGRATION")
			m := 50.0
			e.Max = &m
		}, `data element "SMART_PLATFORM_INTEGRATION": max 50 is only for COUNT and NUMBER`},
		{"ErrChangeFactorNotAboveOne", func(p *Plan) { f := 1.0; p.DataElements[0].ChangeFactor = &f },
			`data element "RESIDENT_POPULATION": change_factor 1 must be a finite number above 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MustLoad(t)
			tt.edit(p)
			err := p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	p := MustLoad(t)
	for _, e := range p.DataElements {
		if ok, why := p.Required(e.Code); !ok {
			t.Errorf("%s: not required (%s); every element of the plan is used by an indicator", e.Code, why)
		}
	}
	e, _ := p.DataElement("DEVICE_AE_REPORTS")
	e.Optional = "本市不单独统计"
	if ok, why := p.Required("DEVICE_AE_REPORTS"); ok || why != "本市不单独统计" {
		t.Errorf("optional element: required %v, reason %q", ok, why)
	}
	p.Categories[2].Indicators = p.Categories[2].Indicators[:3] // drop 3.4, the only user of the tips figures
	if ok, why := p.Required("TIPS_RECEIVED"); ok || why == "" {
		t.Errorf("element no indicator uses: required %v, reason %q", ok, why)
	}
}

func TestCheckValueBounds(t *testing.T) {
	count := ElementRules{Code: "HV_INVENTION_PATENTS", Name: "高价值发明专利拥有量", ValueType: Count, CollectedAt: County, PeriodTypes: []PeriodType{Yearly}}
	capped := count
	capped.Max = ptr(1000.0)
	pct := ElementRules{Code: "P", Name: "比例", ValueType: Percent, CollectedAt: County, PeriodTypes: []PeriodType{Yearly}}
	tests := []struct {
		name string
		e    ElementRules
		v    float64
		want []Rule
	}{
		{"OK", count, 276518, nil},
		{"OKAtDefaultBound", count, 1e12, nil},
		{"ErrAboveDefaultBound", count, 1e12 + 1, []Rule{RuleOutOfRange}},
		{"ErrHuge", count, 1.7e308, []Rule{RuleOutOfRange}},
		{"ErrInfinity", count, math.Inf(1), []Rule{RuleNotANumber}},
		{"ErrNaN", count, math.NaN(), []Rule{RuleNotANumber}},
		{"ErrAboveCatalogueBound", capped, 1001, []Rule{RuleOutOfRange}},
		{"OKPercentHasNoCountBound", pct, 100, nil},
		{"ErrPercentAsBefore", pct, 101, []Rule{RulePercentRange}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Rule
			for _, v := range CheckValue(tt.e, County, Yearly, "2024", tt.v) {
				got = append(got, v.Rule)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rules = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckMissing(t *testing.T) {
	e := ElementRules{Code: "DEVICE_PRODUCERS_PLANNED", Name: "计划", ValueType: Count, CollectedAt: County, PeriodTypes: []PeriodType{Yearly}}
	tests := []struct {
		name   string
		level  Level
		pt     PeriodType
		reason string
		want   []Rule
	}{
		{"OK", County, Yearly, "本县无医疗器械生产企业", nil},
		{"ErrBlank", County, Yearly, " \t", []Rule{RuleEmptyMissingReason}},
		{"ErrTooLong", County, Yearly, strings.Repeat("无", 21), []Rule{RuleMissingReasonTooLong}},
		{"ErrWrongLevel", City, Yearly, "无", []Rule{RuleWrongLevel}},
		{"ErrWrongPeriodType", County, Quarterly, "无", []Rule{RuleWrongLevel}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Rule
			for _, v := range CheckMissing(e, tt.level, tt.pt, "2024", tt.reason, 20) {
				got = append(got, v.Rule)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rules = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestYoYFlag(t *testing.T) {
	pop := ElementRules{Code: "RESIDENT_POPULATION", Name: "常住人口", ValueType: Count}
	loose := pop
	loose.ChangeFactor = ptr(10.0)
	tests := []struct {
		name        string
		e           ElementRules
		value, prev float64
		flagged     bool
	}{
		{"OKSmallChange", pop, 280000, 276518, false},
		{"ErrDrop", pop, 3012, 276518, true},
		{"ErrRise", pop, 900000, 276518, true},
		{"OKExactlyThreeTimes", pop, 300, 100, false},
		{"ErrToZero", pop, 0, 100, true},
		{"OKFromZero", pop, 100, 0, false}, // the factor from 0 is infinite: no flag
		{"OKBothZero", pop, 0, 0, false},
		{"OKCatalogueFactor", loose, 900000, 276518, false},
		{"OKInfinitePrevious", pop, 1, math.Inf(1), false},
		{"OKHugePrevious", pop, 1, 1.7e308, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := YoYFlag(tt.e, tt.value, tt.prev, "2023")
			if (f != nil) != tt.flagged {
				t.Fatalf("flag = %+v, want flagged %v", f, tt.flagged)
			}
			if f == nil {
				return
			}
			if f.Change != nil && (math.IsNaN(*f.Change) || math.IsInf(*f.Change, 0)) {
				t.Errorf("change %v is not finite", *f.Change)
			}
			if !strings.HasPrefix(f.Message.String(), "常住人口 RESIDENT_POPULATION:") {
				t.Errorf("message %q", f.Message)
			}
		})
	}
	if f := YoYFlag(pop, 3012, 276518, "2023"); !strings.Contains(f.Message.String(), "3012 较上期(2023) 276518 下降超过3倍") {
		t.Errorf("message %q", f.Message)
	}
	if f := YoYFlag(pop, 3012, 276518, "2023"); f.Message.In(msg.En) != "RESIDENT_POPULATION (常住人口): 3012 is less than 1/3 of its 2023 figure 276518; check it" {
		t.Errorf("English message %q", f.Message.In(msg.En))
	}
}
