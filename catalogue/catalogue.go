// Package catalogue holds the five-year plan as the report states it: indicators with their
// 2025 targets, the data elements counties submit, and the key-task tree. The plan lives in
// plan.yaml (embedded); this package parses and validates it and knows nothing of storage or
// transport.
package catalogue

// Comparator says how a value is compared with its target.
type Comparator string

const (
	GTE Comparator = "GTE" // 达到 X, X以上: at least X
	GT  Comparator = "GT"  // 大于 X: more than X
	LTE Comparator = "LTE" // an upper bound: at most X (lower is better)
	LT  Comparator = "LT"
	EQ  Comparator = "EQ"
)

// Direction says which way an indicator improves.
type Direction string

const (
	HigherIsBetter Direction = "HIGHER_IS_BETTER"
	LowerIsBetter  Direction = "LOWER_IS_BETTER"
)

// ValueType is the kind of number a data element holds; it drives validation.
type ValueType string

const (
	Count   ValueType = "COUNT"   // a non-negative integer
	Number  ValueType = "NUMBER"  // any non-negative real (money in 万元, population...)
	Percent ValueType = "PERCENT" // 0..100
	Score   ValueType = "SCORE"   // 0..100 points
)

// Level is a level of the region tree.
type Level string

const (
	Nation   Level = "NATION" // the root above the provinces
	Province Level = "PROVINCE"
	City     Level = "CITY"
	County   Level = "COUNTY"
)

// PeriodType is a kind of reporting period.
type PeriodType string

const (
	Yearly    PeriodType = "YEARLY"
	Quarterly PeriodType = "QUARTERLY"
)

// RegionRule is how a data element aggregates over the regions of a subtree (DHIS2's
// aggregation type over the org-unit hierarchy).
type RegionRule string

const (
	RegionSum     RegionRule = "SUM"
	RegionAverage RegionRule = "AVERAGE" // weighted by Aggregation.Weight when set
	RegionMin     RegionRule = "MIN"
	RegionMax     RegionRule = "MAX"
	RegionNone    RegionRule = "NONE" // city-only figures: never summed from counties
)

// TimeRule is how a data element aggregates over the periods inside a longer period.
type TimeRule string

const (
	TimeSum     TimeRule = "SUM"  // flows: complaints received, cases
	TimeLast    TimeRule = "LAST" // stocks: patents held, elevators on the platform
	TimeAverage TimeRule = "AVERAGE"
)

// Plan is the whole catalogue.
type Plan struct {
	Code         string        `yaml:"code"`
	Name         string        `yaml:"name"`
	StartYear    int           `yaml:"start_year"`
	EndYear      int           `yaml:"end_year"`
	OwnerLevel   Level         `yaml:"owner_level"` // the level that owns the plan (CITY)
	Source       string        `yaml:"source"`      // the report it is built from
	Categories   []Category    `yaml:"categories"`
	DataElements []DataElement `yaml:"data_elements"`
	Tasks        []Task        `yaml:"tasks"` // top-level key tasks; children nest
}

// Category is one of the three indicator groups.
type Category struct {
	Code       string      `yaml:"code"` // "1", "2", "3"
	Name       string      `yaml:"name"`
	Indicators []Indicator `yaml:"indicators"`
}

// Indicator is a headline figure of the plan, with its 2025 target.
type Indicator struct {
	Code      string    `yaml:"code"` // "2.10": category and ordinal as in the report
	Name      string    `yaml:"name"`
	Unit      string    `yaml:"unit"`
	Target    Target    `yaml:"target"`
	Direction Direction `yaml:"direction"`
	Source    string    `yaml:"source"` // the report's own sentence(s)
	Note      string    `yaml:"note,omitempty"`
	Formula   Formula   `yaml:"formula"`
	// Cumulative marks a target set for the total from the plan's start year to the target
	// year rather than for the target year alone: the report measures 1.4 as 累计出台…21个 and
	// calls 1.2 met by 2023 Q1. Only formulas of flows (time rule SUM) without a denominator
	// can be cumulative.
	Cumulative bool `yaml:"cumulative,omitempty"`
}

// Target is the value an indicator must reach by Year. Value is nil when the report redacts it.
type Target struct {
	Value      *float64   `yaml:"value"`
	Comparator Comparator `yaml:"comparator"`
	Year       int        `yaml:"year"`
}

// Formula defines an indicator over data elements, evaluated after aggregation:
// sum(Numerator) / sum(Denominator) * Factor, or sum(Numerator) * Factor without a
// denominator. Each side is aggregated separately (a ratio of sums).
type Formula struct {
	Numerator   []Term  `yaml:"numerator"`
	Denominator []Term  `yaml:"denominator,omitempty"`
	Factor      float64 `yaml:"factor"` // 100 for %, 10000 per 万, 1e6 per million, 1 otherwise
}

// Term is one data element in a formula with its coefficient (1 unless stated; -1 to subtract).
type Term struct {
	Element     string  `yaml:"element"`
	Coefficient float64 `yaml:"coefficient,omitempty"`
}

// DataElement is a raw figure a region submits.
type DataElement struct {
	Code        string       `yaml:"code"`
	Name        string       `yaml:"name"`
	Unit        string       `yaml:"unit"`
	ValueType   ValueType    `yaml:"value_type"`
	CollectedAt Level        `yaml:"collected_at"`
	PeriodTypes []PeriodType `yaml:"period_types"`
	Aggregation Aggregation  `yaml:"aggregation"`
	// PartOf names the element this one is a part of: its value may never exceed that
	// element's value in the same submission (failed batches <= inspected batches).
	PartOf      string `yaml:"part_of,omitempty"`
	Description string `yaml:"description,omitempty"`
	// Optional, when set, says why the element is not required of its level (in Chinese
	// first): an element an indicator uses is otherwise required, and submitSubmission
	// refuses a submission without it unless the clerk declared it unavailable.
	Optional string `yaml:"optional,omitempty"`
	// Max is the element's hard upper bound for COUNT and NUMBER figures, when the default
	// (DefaultMax, 10^12) does not fit; a value above it is refused (OUT_OF_RANGE).
	Max *float64 `yaml:"max,omitempty"`
	// ChangeFactor is how many times larger or smaller than the unit's previous comparable
	// figure a value may be before it is flagged YOY_CHANGE (default DefaultChangeFactor, 3).
	ChangeFactor *float64 `yaml:"change_factor,omitempty"`
}

// Aggregation is a data element's rule over regions and over time.
type Aggregation struct {
	Regions RegionRule `yaml:"regions"`
	Weight  string     `yaml:"weight,omitempty"` // element weighting a regional AVERAGE
	Time    TimeRule   `yaml:"time"`
}

// Task is a key task, sub-task or measure (一是, 二是…). Codes nest: "2", "2.3", "2.3.1".
type Task struct {
	Code     string   `yaml:"code"`
	Title    string   `yaml:"title"`
	Text     string   `yaml:"text,omitempty"`    // the report's text for a measure
	Outputs  []Output `yaml:"outputs,omitempty"` // output figures a measure reports
	Children []Task   `yaml:"children,omitempty"`
}

// Output is an output figure a measure reports (cases handled, fines in 万元...), with the
// figure the report states for the city where it states one.
type Output struct {
	Code     string   `yaml:"code"` // one of OutputCodes: CASES, FINES…
	Name     string   `yaml:"name"`
	Unit     string   `yaml:"unit"` // 起, 件, 万元, 家次, 批次, 人次, 个
	Reported *float64 `yaml:"reported,omitempty"`
	// Approximate marks a reported figure the report gives as a round lower bound
	// (“100余人”, “2000多本”): Reported is that bound.
	Approximate bool `yaml:"approximate,omitempty"`
}

// Output codes classify output figures so that like figures can be compared across measures.
const (
	OutputCases       = "CASES"       // cases handled: 起, 件
	OutputFines       = "FINES"       // fines, confiscations, sanctions: 万元
	OutputInspections = "INSPECTIONS" // inspections: 家次, 户次, 个次
	OutputBatches     = "BATCHES"     // sampled batches: 批次, 份
	OutputTrainees    = "TRAINEES"    // people trained: 人次
	OutputStations    = "STATIONS"    // stations, sentinel points built: 个, 家
	OutputEvents      = "EVENTS"      // drills, campaigns, meetings: 次
	OutputItems       = "ITEMS"       // anything else counted
)

// OutputCodes is the fixed vocabulary of output codes, in a stable order.
var OutputCodes = []string{
	OutputCases, OutputFines, OutputInspections, OutputBatches,
	OutputTrainees, OutputStations, OutputEvents, OutputItems,
}

// outputUnits lists, for each output code but ITEMS, the units the report counts that one
// quantity in; the first is the unit its roll-ups are stated in. The others are measure words
// for the same thing, not other quantities: 起 and 件 both count 案件 (the report writes
// "查处不正当竞争案件28起" and "查办各类药品案件311件" of the same kind of figure, cases
// handled); 家, 户次 and 个次 count inspected establishments as 家次 does (a campaign that
// inspected 5649 establishments made 5649 inspections); a sample (份) is a sampled batch; 人 on a
// training course is one 人次; a sentinel site (家) is a station (个); a hotline call handled (起)
// is an event (次). ITEMS is "anything else counted" (handbooks, enterprises, terminals): its
// figures are different quantities and add up only within one catalogue output.
var outputUnits = map[string][]string{
	OutputCases:       {"起", "件"},
	OutputFines:       {"万元"},
	OutputInspections: {"家次", "户次", "个次", "家"},
	OutputBatches:     {"批次", "份"},
	OutputTrainees:    {"人次", "人"},
	OutputStations:    {"个", "家"},
	OutputEvents:      {"次", "起"},
}

// OutputRollupUnit returns the unit in which figures of an output code are added up across
// outputs, and whether a figure in unit counts that same quantity. ITEMS has none: its
// figures add up only within one output.
func OutputRollupUnit(code, unit string) (string, bool) {
	units := outputUnits[code]
	for _, u := range units {
		if u == unit {
			return units[0], true
		}
	}
	return "", false
}

// OutputUnits returns the units an output code may be stated in (nil for ITEMS: any unit).
func OutputUnits(code string) []string { return outputUnits[code] }
