// Package demo holds a deterministic set of approved submissions for a demonstration city,
// XX市 (419900), and its five county-level divisions, for 2021, 2022 and 2023 Q1.
//
// The figures are made up, but they are made up so that, rolled up the way the city rolls
// county figures up (a ratio of sums over the five counties for every rate and per-capita
// figure, city-only elements taken from the city's own submission), they reproduce every
// figure the mid-term evaluation report prints: 538 inspected batches with 25 failures in
// 2021 (95.35 %), 1483 drug ADR reports per million people, 46 % of the device-producer
// inspection plan done in 2023 Q1, 18 165 complaints since 2021 and so on. Where the report
// prints nothing the figures are plausible and differ between counties, as real ones do.
//
// The package uses only the standard library and the catalogue: it knows nothing of storage.
// Submissions checks every figure against the catalogue (level, period type, value type,
// part ≤ whole) and fails rather than hand out a figure the server would refuse.
package demo

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"planapi/catalogue"
	"planapi/period"
)

// Submission is one region's approved figures for one period.
type Submission struct {
	Region string             // region code
	Period string             // "2021", "2022", "2023Q1"
	Values map[string]float64 // data element code -> value
	Tasks  []TaskReport
}

// TaskReport is a county's progress on one key-task measure in a period.
type TaskReport struct {
	Task      string             // measure code, e.g. "2.3.3"
	Status    string             // StatusNotStarted, StatusInProgress or StatusDone
	Narrative string             // in Chinese, as a county bureau writes it
	Outputs   map[string]float64 // output code (CASES, FINES...) -> value
}

// Task statuses.
const (
	StatusNotStarted = "NOT_STARTED"
	StatusInProgress = "IN_PROGRESS"
	StatusDone       = "DONE"
)

// Region is a region of the demo tree.
type Region struct {
	Code   string // GB/T 2260 code
	Name   string
	Parent string // parent region code
	Level  catalogue.Level
}

// The demo city and its province.
const (
	CityCode     = "419900"
	CityName     = "XX市"
	ProvinceCode = "410000"
)

const numCounties = 5

// counties are the city's county-level divisions in code order; every [numCounties] array
// below is in this order.
var counties = [numCounties]Region{
	{Code: "419902", Name: "东城区", Parent: CityCode, Level: catalogue.County},
	{Code: "419903", Name: "西城区", Parent: CityCode, Level: catalogue.County},
	{Code: "419921", Name: "南山县", Parent: CityCode, Level: catalogue.County},
	{Code: "419922", Name: "北河县", Parent: CityCode, Level: catalogue.County},
	{Code: "419923", Name: "中原县", Parent: CityCode, Level: catalogue.County},
}

// City returns the demo city, 419900 XX市 in province 410000.
func City() Region {
	return Region{Code: CityCode, Name: CityName, Parent: ProvinceCode, Level: catalogue.City}
}

// Counties returns the five county-level divisions in code order.
func Counties() []Region { return slices.Clone(counties[:]) }

// Periods returns the periods the demo has submissions for, in order: two years and one
// quarter, as the report gives figures for 2021, 2022 and "截至2023年第一季度".
func Periods() []string { return []string{"2021", "2022", "2023Q1"} }

// populations is the resident population of each county (1 500 500 in all). The same figure
// is submitted for every period, yearly and quarterly: a fixed population is what makes the
// per-million figures come out exactly as the report prints them.
var populations = [numCounties]float64{412356, 318947, 276518, 251903, 240776}

// Populations returns the resident population by county code.
func Populations() map[string]float64 {
	out := make(map[string]float64, numCounties)
	for i, c := range counties {
		out[c.Code] = populations[i]
	}
	return out
}

// countyValues holds each county's figures by period and data element, in county order.
// RESIDENT_POPULATION is added from populations. How the report's figures come out:
//
//   - 2.10: IP_BATCHES_INSPECTED/FAILED sum to 538/25 (2021) and 501/22 (2022), while the
//     county pass rates differ (94.44 % to 96.72 % in 2021), so their mean is not the
//     municipal 95.35 %.
//   - 2.11–2.13: reports over 1 500 500 people: 2225 → 1482.84 ≈ 1483 per million, 2378 →
//     1585, 699 → 466 (one quarter's reports); 984 → 656, 1077 → 718, 252 → 168; 305 → 203,
//     353 → 235, 92 → 61.
//   - 2.5 and 2.6 in 2023Q1: 23 of 50 planned producers (46 %), 10 of 40 platforms (25 %);
//     year-to-date counts, as the catalogue defines them.
//   - 2.9 in 2023Q1: 8100 of 9000 catering units (90 %).
//   - 2.18: 8412 of 8412 passenger elevators in 2023Q1.
//   - 3.3 and 3.4: 7412 + 8236 + 2517 = 18165 complaints, 2934 + 3268 + 890 = 7092 tips, all
//     handled on time.
//   - 2.1: every county checks at least 5 % of its pool each year (city 5.25 %, 5.35 %); a
//     single quarter (2023Q1) naturally checks far less.
//   - 2.14: 6920 and 7355 food sample batches a year, 4.61 and 4.90 per 1,000 people.
var countyValues = map[string]map[string][numCounties]float64{
	"2021": {
		"HV_INVENTION_PATENTS":        {99, 66, 35, 33, 29},
		"PCT_APPLICATIONS":            {3, 2, 1, 2, 0},
		"TRADEMARKS_VALID":            {8119, 5408, 2806, 2708, 2409},
		"RI_POOL_ENTITIES":            {32527, 23528, 22810, 21501, 18274},
		"RI_ENTITIES_CHECKED":         {1760, 1228, 1159, 1107, 970},
		"CREDIT_TASKS_LAUNCHED":       {10, 8, 7, 6, 5},
		"CREDIT_TASKS_COMPLETED":      {10, 8, 6, 6, 5},
		"FOOD_BUSINESSES":             {3964, 3434, 3068, 2483, 2371},
		"FOOD_BUSINESSES_INSPECTED":   {3964, 3434, 3068, 2483, 2371},
		"DRUG_RETAILERS_PLANNED":      {325, 235, 228, 215, 183},
		"DRUG_RETAILERS_INSPECTED":    {325, 235, 228, 215, 183},
		"DEVICE_PRODUCERS_PLANNED":    {13, 11, 8, 7, 5},
		"DEVICE_PRODUCERS_INSPECTED":  {13, 11, 8, 7, 5},
		"ONLINE_PLATFORMS":            {10, 8, 6, 4, 3},
		"ONLINE_PLATFORMS_MONITORED":  {10, 8, 6, 4, 3},
		"PROBLEMS_FOUND":              {1106, 758, 669, 684, 625},
		"PROBLEMS_DISPOSED":           {1106, 758, 669, 684, 625},
		"CATERING_UNITS":              {2254, 1840, 1760, 1489, 1307},
		"CATERING_UNITS_OPEN_KITCHEN": {1808, 1444, 1304, 1126, 951},
		"IP_BATCHES_INSPECTED":        {192, 154, 72, 59, 61},
		"IP_BATCHES_FAILED":           {9, 7, 4, 3, 2},
		"DRUG_ADR_REPORTS":            {785, 642, 304, 244, 250},
		"DEVICE_AE_REPORTS":           {335, 282, 149, 113, 105},
		"COSMETIC_AE_REPORTS":         {104, 88, 45, 35, 33},
		"FOOD_SAMPLE_BATCHES":         {2009, 1396, 1167, 1198, 1150},
		"SE_UNITS":                    {10096, 6888, 3919, 3586, 2961},
		"SE_DEATHS":                   {0, 0, 0, 0, 0},
		"ELEVATORS_PASSENGER":         {3143, 2188, 723, 713, 617},
		"ELEVATORS_ON_PLATFORM":       {3143, 2188, 723, 713, 617},
		"GOV_INFO_DUE":                {575, 495, 402, 334, 350},
		"GOV_INFO_DISCLOSED":          {575, 495, 402, 334, 350},
		"COMPLAINTS_RECEIVED":         {2702, 1871, 1077, 969, 793},
		"COMPLAINTS_CLOSED_ON_TIME":   {2702, 1871, 1077, 969, 793},
		"TIPS_RECEIVED":               {1082, 811, 373, 330, 338},
		"TIPS_VERIFIED_ON_TIME":       {1082, 811, 373, 330, 338},
	},
	"2022": {
		"HV_INVENTION_PATENTS":        {120, 80, 42, 41, 35},
		"PCT_APPLICATIONS":            {4, 3, 2, 1, 1},
		"TRADEMARKS_VALID":            {9414, 6270, 3254, 3139, 2793},
		"RI_POOL_ENTITIES":            {34904, 25248, 24476, 23073, 19609},
		"RI_ENTITIES_CHECKED":         {1927, 1356, 1253, 1214, 1067},
		"CREDIT_TASKS_LAUNCHED":       {16, 13, 11, 10, 8},
		"CREDIT_TASKS_COMPLETED":      {16, 13, 11, 10, 8},
		"FOOD_BUSINESSES":             {4151, 3596, 3214, 2601, 2483},
		"FOOD_BUSINESSES_INSPECTED":   {4151, 3596, 3214, 2601, 2483},
		"DRUG_RETAILERS_PLANNED":      {341, 247, 239, 225, 191},
		"DRUG_RETAILERS_INSPECTED":    {341, 247, 239, 225, 191},
		"DEVICE_PRODUCERS_PLANNED":    {14, 11, 9, 7, 6},
		"DEVICE_PRODUCERS_INSPECTED":  {14, 11, 9, 7, 6},
		"ONLINE_PLATFORMS":            {11, 9, 7, 5, 4},
		"ONLINE_PLATFORMS_MONITORED":  {11, 9, 7, 5, 4},
		"PROBLEMS_FOUND":              {1110, 877, 852, 740, 636},
		"PROBLEMS_DISPOSED":           {1110, 877, 852, 740, 636},
		"CATERING_UNITS":              {2325, 1897, 1815, 1535, 1348},
		"CATERING_UNITS_OPEN_KITCHEN": {2032, 1633, 1510, 1297, 1113},
		"IP_BATCHES_INSPECTED":        {190, 130, 63, 61, 57},
		"IP_BATCHES_FAILED":           {8, 5, 4, 3, 2},
		"DRUG_ADR_REPORTS":            {895, 595, 319, 305, 264},
		"DEVICE_AE_REPORTS":           {384, 278, 162, 140, 113},
		"COSMETIC_AE_REPORTS":         {121, 96, 55, 44, 37},
		"FOOD_SAMPLE_BATCHES":         {1900, 1632, 1485, 1209, 1129},
		"SE_UNITS":                    {10732, 7323, 4165, 3812, 3148},
		"SE_DEATHS":                   {0, 0, 0, 0, 0},
		"ELEVATORS_PASSENGER":         {3391, 2361, 781, 770, 665},
		"ELEVATORS_ON_PLATFORM":       {3391, 2361, 781, 770, 665},
		"GOV_INFO_DUE":                {609, 529, 467, 377, 366},
		"GOV_INFO_DISCLOSED":          {609, 529, 467, 377, 366},
		"COMPLAINTS_RECEIVED":         {3123, 2090, 1064, 1028, 931},
		"COMPLAINTS_CLOSED_ON_TIME":   {3123, 2090, 1064, 1028, 931},
		"TIPS_RECEIVED":               {1138, 870, 505, 414, 341},
		"TIPS_VERIFIED_ON_TIME":       {1138, 870, 505, 414, 341},
	},
	"2023Q1": {
		"HV_INVENTION_PATENTS":        {129, 86, 45, 43, 38},
		"PCT_APPLICATIONS":            {1, 1, 0, 1, 0},
		"TRADEMARKS_VALID":            {9826, 6545, 3396, 3277, 2916},
		"RI_POOL_ENTITIES":            {35381, 25593, 24811, 23388, 19877},
		"RI_ENTITIES_CHECKED":         {517, 328, 352, 365, 276},
		"CREDIT_TASKS_LAUNCHED":       {5, 4, 3, 3, 2},
		"CREDIT_TASKS_COMPLETED":      {3, 2, 2, 1, 1},
		"FOOD_BUSINESSES":             {4194, 3633, 3247, 2628, 2508},
		"FOOD_BUSINESSES_INSPECTED":   {1824, 1529, 1292, 1067, 958},
		"DRUG_RETAILERS_PLANNED":      {348, 251, 244, 230, 195},
		"DRUG_RETAILERS_INSPECTED":    {119, 83, 74, 69, 55},
		"DEVICE_PRODUCERS_PLANNED":    {16, 12, 10, 7, 5},
		"DEVICE_PRODUCERS_INSPECTED":  {8, 6, 4, 3, 2},
		"ONLINE_PLATFORMS":            {12, 10, 8, 6, 4},
		"ONLINE_PLATFORMS_MONITORED":  {4, 3, 2, 1, 0},
		"PROBLEMS_FOUND":              {289, 203, 194, 188, 162},
		"PROBLEMS_DISPOSED":           {283, 197, 187, 182, 155},
		"CATERING_UNITS":              {2345, 1914, 1832, 1549, 1360},
		"CATERING_UNITS_OPEN_KITCHEN": {2154, 1734, 1629, 1385, 1198},
		"IP_BATCHES_INSPECTED":        {40, 32, 15, 12, 13},
		"IP_BATCHES_FAILED":           {2, 1, 0, 0, 1},
		"DRUG_ADR_REPORTS":            {256, 195, 90, 78, 80},
		"DEVICE_AE_REPORTS":           {92, 71, 32, 28, 29},
		"COSMETIC_AE_REPORTS":         {31, 26, 14, 11, 10},
		"FOOD_SAMPLE_BATCHES":         {476, 331, 277, 284, 272},
		"SE_UNITS":                    {10898, 7435, 4230, 3871, 3196},
		"SE_DEATHS":                   {0, 0, 0, 0, 0},
		"ELEVATORS_PASSENGER":         {3580, 2493, 824, 812, 703},
		"ELEVATORS_ON_PLATFORM":       {3580, 2493, 824, 812, 703},
		"GOV_INFO_DUE":                {165, 113, 98, 101, 94},
		"GOV_INFO_DISCLOSED":          {165, 113, 98, 101, 94},
		"COMPLAINTS_RECEIVED":         {865, 685, 392, 312, 263},
		"COMPLAINTS_CLOSED_ON_TIME":   {865, 685, 392, 312, 263},
		"TIPS_RECEIVED":               {338, 229, 113, 109, 101},
		"TIPS_VERIFIED_ON_TIME":       {338, 229, 113, 109, 101},
	},
}

// cityValues holds the figures that exist only at city level (collected_at CITY), entered on
// the city's own submission. PRO_BUSINESS_POLICIES adds up to the report's 21 policies by
// 2023 Q1 (9 + 8 + 4). CITY_EMERGENCY_DRILLS counts the drills the city bureau itself
// organised; the report's "20余次" for 2022 is the whole system, counties included.
// FOOD_SAFETY_SATISFACTION is the 2021 survey score the report prints (84.39); the 2022
// survey was not yet published when the report was written, and DRUG_SAFETY_SATISFACTION
// has no survey at all since 2021, so neither is given. SMART_PLATFORM_INTEGRATION and the
// satisfaction scores are yearly figures and never appear in a quarter.
var cityValues = map[string]map[string]float64{
	"2021": {
		"PRO_BUSINESS_POLICIES":      9,
		"CITY_EMERGENCY_DRILLS":      3,
		"SMART_PLATFORM_INTEGRATION": 40,
		"FOOD_SAFETY_SATISFACTION":   84.39,
	},
	"2022": {
		"PRO_BUSINESS_POLICIES":      8,
		"CITY_EMERGENCY_DRILLS":      4,
		"SMART_PLATFORM_INTEGRATION": 85,
	},
	"2023Q1": {
		"PRO_BUSINESS_POLICIES": 4,
		"CITY_EMERGENCY_DRILLS": 1,
	},
}

// taskPeriods are the periods whose county submissions carry key-task progress, with the
// share of each county's figures since 2021 that falls in each. The report states only the
// running totals (“2021年以来”, “累计”, “2021年至2023年一季度”) as of 2023 Q1, so the split
// is made up: about two fifths in 2021, a little more in 2022 as the campaigns took hold, and
// the rest, about a quarter of a year's work, in 2023 Q1. Each share is rounded to the
// figure's precision (whole cases, fines to 0.01 万元) and the last period takes the
// remainder, so the periods add up exactly to the county's total, and the counties to the
// report's figure: the range 2021..2023Q1 reproduces it.
var taskPeriods = []struct {
	period string
	label  string  // the period in a narrative
	share  float64 // of the county's total; the last period takes the remainder
}{
	{"2021", "2021年", 0.42},
	{"2022", "2022年", 0.45},
	{"2023Q1", "2023年第一季度", 0},
}

// taskFigures is one measure's progress as the five counties report it: the outputs, by output
// code in county order, are each county's totals from 2021 to 2023 Q1, and add up to the
// figure the report states for the city (the catalogue's reported value); taskPeriods splits
// them over the periods. Fines are in 万元 with two decimals.
//
// In 2021 every county was still at work on every measure (IN_PROGRESS); in 2022 and 2023 Q1
// all but one county (inProgress) report it DONE.
type taskFigures struct {
	task       string
	lead       string // what the county bureau did, opening its narrative
	inProgress int    // index of the county still working on it from 2022; the others are done
	pending    string // what that county still has open
	outputs    map[string][numCounties]float64
}

var taskReports = []taskFigures{
	{
		task:       "2.3.3",
		lead:       "聚焦食品饮料、日用消费品、医美服务、校外培训等重点领域,开展混淆、虚假商业宣传等不正当竞争行为专项整治",
		inProgress: 2,
		pending:    "尚有2起案件处于调查取证阶段,专项整治持续推进",
		outputs: map[string][numCounties]float64{
			catalogue.OutputInspections: {5214, 3876, 3102, 2731, 2239}, // 17162 家次
			catalogue.OutputCases:       {9, 7, 5, 4, 3},                // 28 起
			catalogue.OutputFines:       {78.36, 61.05, 42.18, 31.57, 20.61},
		}, // 233.77 万元
	},
	{
		task:       "2.5.1",
		lead:       "联合发改等部门开展供水供电供气供暖行业及房地产开发企业涉企违规收费专项治理",
		inProgress: 4,
		pending:    "对行业协会、中介机构收费的专项检查仍在进行",
		outputs: map[string][numCounties]float64{
			catalogue.OutputCases: {5, 4, 2, 2, 1},                  // 14 件
			catalogue.OutputFines: {19.46, 14.25, 9.80, 6.72, 3.60}, // 53.83 万元
		},
	},
	{
		task:       "3.3.1",
		lead:       "依托国家互联网广告监测平台和移动互联网广告监测平台加强网络广告监测",
		inProgress: 1,
		pending:    "第三方监测发现的部分违法线索正在核查",
		outputs: map[string][numCounties]float64{
			catalogue.OutputCases: {12, 9, 6, 5, 3},                   // 35 起
			catalogue.OutputFines: {31.84, 24.17, 16.53, 12.46, 8.31}, // 93.31 万元
		},
	},
	{
		task:       "3.3.2",
		lead:       "召开不公平合同格式条款规范指导会,开展平台经营者专项整治",
		inProgress: 3,
		pending:    "平台服务协议格式条款检查尚未全部完成",
		outputs: map[string][numCounties]float64{
			catalogue.OutputCases: {3, 2, 2, 1, 1},                // 9 起
			catalogue.OutputFines: {1.65, 1.20, 0.98, 0.56, 0.50}, // 4.89 万元
		},
	},
	{
		task:       "2.6.3",
		lead:       "开展农村市场知识产权保护专项整治、网剑行动和驰名商标保护等专项行动",
		inProgress: 3,
		pending:    "1起商标侵权案件尚待行政处罚决定",
		outputs: map[string][numCounties]float64{
			catalogue.OutputCases: {15, 12, 11, 8, 7}, // 53 起
		},
	},
	{
		task:       "4.2.4",
		lead:       "组织实施药品安全“百日攻坚”、网售药品、医疗美容等专项整治",
		inProgress: 1,
		pending:    "医疗美容领域专项整治发现的线索仍在查办",
		outputs: map[string][numCounties]float64{
			catalogue.OutputEvents: {6, 5, 4, 3, 2},      // 20余次
			catalogue.OutputCases:  {96, 72, 61, 45, 37}, // 311 件
		},
	},
	{
		task:       "4.1.3",
		lead:       "持续深化食品安全放心工程建设攻坚行动,开展农村食品安全治理和食品“三小”综合治理",
		inProgress: 0,
		pending:    "城乡接合部食品“三小”整治仍在推进",
		outputs: map[string][numCounties]float64{
			catalogue.OutputCases: {352, 271, 204, 178, 153}, // 1158 起
		},
	},
}

// Submissions returns the demo's approved submissions: for each period in Periods, one per
// county in code order and then the city's own. Each carries only the elements the catalogue
// collects at its level in that kind of period; the county submissions also carry key-task
// progress (see taskPeriods). The result is the same on every call.
//
// Every figure is checked against plan: an element or measure the catalogue does not know, a
// figure at the wrong level, or a value the catalogue's rules refuse is an error, naming the
// region, period and element.
func Submissions(plan *catalogue.Plan) ([]Submission, error) {
	if plan == nil {
		return nil, fmt.Errorf("demo: no plan")
	}
	var out []Submission
	for _, ps := range Periods() {
		p, err := period.Parse(ps)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		pt := catalogue.PeriodType(p.Type())
		for i, c := range counties {
			raw := map[string]float64{"RESIDENT_POPULATION": populations[i]}
			for code, vs := range countyValues[ps] {
				raw[code] = vs[i]
			}
			values, err := admit(plan, c, ps, pt, raw)
			if err != nil {
				return nil, err
			}
			s := Submission{Region: c.Code, Period: ps, Values: values}
			if s.Tasks, err = countyTasks(plan, i, ps); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		values, err := admit(plan, City(), ps, pt, cityValues[ps])
		if err != nil {
			return nil, err
		}
		out = append(out, Submission{Region: CityCode, Period: ps, Values: values})
	}
	return out, nil
}

// admit checks a region's raw figures for one period against the catalogue and returns those
// the catalogue collects in this kind of period. An element whose period_types leave this
// period type out is dropped (a yearly-only element has no quarterly figure); anything else
// the catalogue would refuse is an error.
func admit(plan *catalogue.Plan, r Region, ps string, pt catalogue.PeriodType, raw map[string]float64) (map[string]float64, error) {
	codes := make([]string, 0, len(raw))
	for code := range raw {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	values := make(map[string]float64, len(raw))
	for _, code := range codes {
		v := raw[code]
		where := fmt.Sprintf("demo: %s %s %s", r.Code, ps, code)
		e, ok := plan.DataElement(code)
		if !ok {
			return nil, fmt.Errorf("%s: not a data element of the catalogue", where)
		}
		if e.CollectedAt != r.Level {
			return nil, fmt.Errorf("%s: collected at %s level, not by a %s", where, e.CollectedAt, r.Level)
		}
		if !slices.Contains(e.PeriodTypes, pt) {
			continue
		}
		if err := checkValue(e, v); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		values[code] = v
	}
	for _, code := range codes {
		e, _ := plan.DataElement(code)
		if e.PartOf == "" {
			continue
		}
		part, okPart := values[code]
		whole, okWhole := values[e.PartOf]
		if okPart && okWhole && part > whole {
			return nil, fmt.Errorf("demo: %s %s %s: %v exceeds its whole %s = %v", r.Code, ps, code, part, e.PartOf, whole)
		}
	}
	return values, nil
}

// checkValue applies the catalogue's value rules: no negative or non-finite figure, whole
// numbers for counts, 0..100 for percentages and scores.
func checkValue(e *catalogue.DataElement, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%v is not a number", v)
	case v < 0:
		return fmt.Errorf("%v is negative", v)
	}
	switch e.ValueType {
	case catalogue.Count:
		if v != math.Trunc(v) {
			return fmt.Errorf("%v is not a whole number", v)
		}
	case catalogue.Percent, catalogue.Score:
		if v > 100 {
			return fmt.Errorf("%v is above 100", v)
		}
	}
	return nil
}

// countyTasks builds county i's task reports for period ps (none outside taskPeriods),
// checking each measure and output code against the catalogue.
func countyTasks(plan *catalogue.Plan, i int, ps string) ([]TaskReport, error) {
	pi := -1
	for k, tp := range taskPeriods {
		if tp.period == ps {
			pi = k
		}
	}
	if pi < 0 {
		return nil, nil
	}
	measures := map[string]catalogue.Task{}
	for _, ft := range plan.FlatTasks() {
		if ft.Level == catalogue.MeasureLevel {
			measures[ft.Code] = ft.Task
		}
	}
	var reports []TaskReport
	for _, tf := range taskReports {
		m, ok := measures[tf.task]
		if !ok {
			return nil, fmt.Errorf("demo: task %s: not a measure of the catalogue", tf.task)
		}
		declared := map[string]int{}
		for _, o := range m.Outputs {
			declared[o.Code]++
		}
		outputs := make(map[string]float64, len(tf.outputs))
		var figures []string
		for _, o := range m.Outputs { // in the catalogue's order, for the narrative
			vs, ok := tf.outputs[o.Code]
			if !ok {
				continue
			}
			if declared[o.Code] > 1 {
				return nil, fmt.Errorf("demo: task %s: output code %s occurs %d times in the measure; its figures cannot be told apart", tf.task, o.Code, declared[o.Code])
			}
			total := vs[i]
			if total < 0 || math.IsNaN(total) || math.IsInf(total, 0) {
				return nil, fmt.Errorf("demo: task %s %s: output %s = %v is not a non-negative number", counties[i].Code, tf.task, o.Code, total)
			}
			v := splitOutput(o.Code, total)[pi]
			outputs[o.Code] = v
			figures = append(figures, o.Name+formatOutput(o.Code, v)+o.Unit)
		}
		for code := range tf.outputs {
			if declared[code] == 0 {
				return nil, fmt.Errorf("demo: task %s: output code %s is not declared by the measure", tf.task, code)
			}
		}
		status, closing := StatusDone, "已完成年度任务。"
		switch {
		case pi == 0:
			status, closing = StatusInProgress, "相关工作持续推进。"
		case i == tf.inProgress:
			status, closing = StatusInProgress, tf.pending+"。"
		case strings.Contains(ps, "Q"):
			closing = "已完成本季度任务。"
		}
		reports = append(reports, TaskReport{
			Task:      tf.task,
			Status:    status,
			Narrative: counties[i].Name + "市场监管局" + tf.lead + "," + taskPeriods[pi].label + "共" + strings.Join(figures, ",") + "。" + closing,
			Outputs:   outputs,
		})
	}
	return reports, nil
}

// splitOutput splits a county's total since 2021 over taskPeriods, in whole units of the
// figure's precision (0.01 万元 for fines, 1 for counts), the last period taking the
// remainder, so that the parts add up exactly to the total.
func splitOutput(code string, total float64) []float64 {
	scale := 1.0
	if code == catalogue.OutputFines {
		scale = 100
	}
	n := math.Round(total * scale)
	parts := make([]float64, len(taskPeriods))
	rest := n
	for k, tp := range taskPeriods {
		p := math.Round(n * tp.share)
		if k == len(taskPeriods)-1 {
			p = rest
		}
		rest -= p
		parts[k] = p / scale
	}
	return parts
}

// formatOutput writes an output figure as a county would: fines in 万元 with two decimals,
// counts as whole numbers.
func formatOutput(code string, v float64) string {
	if code == catalogue.OutputFines {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// The second demo city: a made-up neighbour of XX市 in the same province, with two counties
// and approved figures for 2021 and 2022, so that cross-city isolation and province totals
// are exercised by the demo. Its figures are XX市's first two counties' counts at 60 %
// (rounded), its rates and scores as they are.
const (
	SecondCityCode = "419700"
	SecondCityName = "YY市"
)

var secondCounties = [2]Region{
	{Code: "419701", Name: "甲县", Parent: SecondCityCode, Level: catalogue.County},
	{Code: "419702", Name: "乙县", Parent: SecondCityCode, Level: catalogue.County},
}

// SecondCity returns the second demo city, 419700 YY市 in province 410000.
func SecondCity() Region {
	return Region{Code: SecondCityCode, Name: SecondCityName, Parent: ProvinceCode, Level: catalogue.City}
}

// SecondCounties returns the second city's two counties in code order.
func SecondCounties() []Region { return slices.Clone(secondCounties[:]) }

// SecondPeriods are the periods the second city has submissions for.
func SecondPeriods() []string { return []string{"2021", "2022"} }

// SecondCitySubmissions returns the second city's approved submissions: for each of
// SecondPeriods, one per county and the city's own, checked against plan as Submissions are.
func SecondCitySubmissions(plan *catalogue.Plan) ([]Submission, error) {
	if plan == nil {
		return nil, fmt.Errorf("demo: no plan")
	}
	scale := func(code string, v float64) float64 {
		if e, ok := plan.DataElement(code); ok && e.ValueType == catalogue.Count {
			return math.Round(v * 0.6)
		}
		return v
	}
	var out []Submission
	for _, ps := range SecondPeriods() {
		p, err := period.Parse(ps)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		pt := catalogue.PeriodType(p.Type())
		for i, c := range secondCounties {
			raw := map[string]float64{"RESIDENT_POPULATION": math.Round(populations[i] * 0.6)}
			for code, vs := range countyValues[ps] {
				raw[code] = scale(code, vs[i])
			}
			values, err := admit(plan, c, ps, pt, raw)
			if err != nil {
				return nil, err
			}
			out = append(out, Submission{Region: c.Code, Period: ps, Values: values})
		}
		raw := map[string]float64{}
		for code, v := range cityValues[ps] {
			raw[code] = scale(code, v)
		}
		values, err := admit(plan, SecondCity(), ps, pt, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, Submission{Region: SecondCityCode, Period: ps, Values: values})
	}
	return out, nil
}
