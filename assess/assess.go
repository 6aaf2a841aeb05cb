// Package assess judges an indicator's progress against its plan target: is the target
// already met, on track, in need of acceleration, at risk, or moving the wrong way. It is
// the verdict the mid-term evaluation writes by hand ("已完成既定目标", "预计到2025年…"),
// computed the same way for every indicator so that the city can defend it. Structs in,
// results out: it knows nothing of storage, transport or who may see the figures.
//
// The method is adapted from the progress measure of Statistics Canada, as built into
// Open SDG (open-sdg/sdg-build, ProgressMeasure.py): compare the change actually achieved
// since the base year with the change still needed to reach the target on time, and read
// the ratio against fixed thresholds.
//
// # The rule
//
// Assess applies these steps in order; the first that applies decides.
//
//  1. NO_TARGET when the target is unknown (redacted as XX in the plan, and stored as
//     unknown, never as zero) or has no target year.
//  2. NO_DATA when there is no yearly value and no latest value.
//  3. The value judged is the latest yearly value or, when there is no yearly value yet,
//     the latest value of any period. A newer partial-year value, such as a 2023 Q1 rate,
//     is reported in the explanation but not used to judge achievement or trend, because
//     a flow over part of a year is not comparable with an annual target (a 2023 Q1
//     inspection-plan completion rate of 46% does not undo 100% in 2022).
//  4. ACHIEVED when the value judged meets the target under its comparator: GTE value ≥
//     target, GT value > target, LTE value ≤ target, LT value < target, EQ value = target
//     (each within 1e-9 of the target's size, to absorb floating-point noise from roll-ups).
//  5. AT_RISK when there is only one yearly value, or only a partial-year value: one year
//     of data cannot show a trend. Projected is nil.
//  6. AT_RISK when the target year has passed (the latest yearly value is for the target
//     year or later, or AsOf is after the target year) without the target being met; or
//     DETERIORATING if, in addition, the value has been moving away from the target by more
//     than 5% of the remaining gap a year.
//  7. Otherwise the trend decides, as follows.
//
// The trend is read from the ratio ρ of the actual to the needed change a year, both
// measured towards the target (up for GTE and GT, down for LTE and LT, towards the target
// value for EQ):
//
//	r_a = (x_t − x_0) / (t − t_0)        actual change a year since the first yearly value
//	r_n = (target − x_t) / (T − t)       change a year needed from the latest yearly value
//	ρ   = r_a / r_n
//
//	ρ ≥ 0.95            ON_TRACK
//	0.6 ≤ ρ < 0.95      NEEDS_ACCELERATION
//	−0.05 ≤ ρ < 0.6     AT_RISK (slow progress, no change, or a drift away of less than
//	                    5% of the remaining gap by the target year)
//	ρ < −0.05           DETERIORATING (moving away from the target)
//
// where x_0 is the value in year t_0, the base year or the first year after it with data;
// x_t is the latest yearly value, in year t; and T is the target year. When a strict target
// (GT, LT) sits exactly on the latest value, r_n is 0 and any movement towards the target
// is ON_TRACK. For EQ, a trend that would overshoot the target also counts as ON_TRACK.
//
// The projection, reported with every status when there are two or more yearly values, is
// the straight-line trend continued to the target year:
//
//	projected = x_t + r_a·(T − t), floored at 0, and capped at 100 for a percentage (Bounded)
//
// ON_TRACK therefore means that the trend covers at least 95% of the remaining gap by the
// target year.
//
// # Why linear change and not a compound growth rate
//
// Open SDG measures growth as a compound annual growth rate. This package uses the linear
// change a year instead, because most of the plan's indicators are percentages bounded at
// 100 (coverage, pass and completion rates) or counts near zero (deaths per 10,000
// special-equipment units): compound growth from 0 is undefined, from 0.3 to 0.2 it is a
// large rate for a small move, and a percentage near 100 cannot keep compounding.
//
// # How this differs from Open SDG
//
//   - The ratio thresholds are Open SDG's: 0.95 and 0.6 (ThresholdOnTrack,
//     ThresholdNeedsAcceleration). Open SDG draws the line for deterioration at 0; this
//     package at −0.05 (below).
//   - A drift away smaller than 5% of the gap (StallTolerance) counts as standing still
//     rather than deteriorating, because the plan's figures are rounded and one rounding
//     step should not turn a flat series into a deterioration.
//   - Open SDG measures the needed growth from the base year to the target; this package
//     measures it from the latest value to the target, so that the verdict says what
//     remains to be done in the time left, and ON_TRACK agrees with the projection.
//   - Values before the base year are ignored: the plan measures change from its own start.
package assess

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Comparators, as the plan's catalogue writes them.
const (
	GTE = "GTE" // 达到 X, X以上: at least X
	GT  = "GT"  // 大于 X: more than X
	LTE = "LTE" // at most X
	LT  = "LT"  // less than X
	EQ  = "EQ"  // exactly X
)

// Directions, as the plan's catalogue writes them.
const (
	HigherIsBetter = "HIGHER_IS_BETTER"
	LowerIsBetter  = "LOWER_IS_BETTER"
)

// Thresholds on ρ, the ratio of the actual to the needed change a year. See the package
// documentation for the rule they belong to.
const (
	ThresholdOnTrack           = 0.95
	ThresholdNeedsAcceleration = 0.6
	// StallTolerance is how far ρ may fall below zero and still count as no movement.
	StallTolerance = 0.05
)

// Status is the verdict on an indicator's progress.
type Status string

const (
	Achieved          Status = "ACHIEVED"
	OnTrack           Status = "ON_TRACK"
	NeedsAcceleration Status = "NEEDS_ACCELERATION"
	AtRisk            Status = "AT_RISK"
	Deteriorating     Status = "DETERIORATING"
	NoData            Status = "NO_DATA"
	NoTarget          Status = "NO_TARGET"
)

// Point is one value of the indicator in one period.
type Point struct {
	Year  int
	Label string // the period as written: "2022" or "2023Q1"; empty means the year
	Value float64
}

func (p Point) label() string {
	if p.Label == "" {
		return strconv.Itoa(p.Year)
	}
	return p.Label
}

// wholeYear reports whether the point is for a whole year rather than part of one.
func (p Point) wholeYear() bool {
	return p.Label == "" || p.Label == strconv.Itoa(p.Year)
}

// Input is everything Assess needs about one indicator, already rolled up to the level
// being judged.
type Input struct {
	Target     *float64 // nil when the target is unknown (redacted)
	Comparator string   // GTE, GT, LTE, LT or EQ; it decides what meeting the target means
	// Direction is used only when Comparator is empty or unknown (HIGHER_IS_BETTER reads as
	// GTE, LOWER_IS_BETTER as LTE, neither as GTE); a comparator always wins over it.
	Direction  string
	TargetYear int // the year by which the target is to be met, 2025 for this plan
	BaseYear   int // the plan's first year, 2021; earlier values are ignored; 0 keeps all
	// Values are whole-year values in any order; a year without data is absent. Values that
	// are NaN or infinite are ignored; if a year appears twice, the later entry wins.
	Values []Point
	// Latest is the most recent value of any period (such as 2023Q1), or nil. A whole-year
	// Latest for a year not in Values is used as a yearly value.
	Latest  *Point
	Bounded bool // a percentage: values lie in [0, 100]
	AsOf    int  // the current year; after TargetYear the target year has passed; 0 ignores it
	// Cumulative: the target is a running total since the base year (1.2, 1.4). Values are
	// running totals by year, and Latest, the running total through the latest data (a partial
	// year included), is the value judged.
	Cumulative bool
	// Incomplete lists years left out of Values because not every expected unit's figures are
	// in them; the explanation names them with their completeness.
	Incomplete []IncompleteYear
	// AsOfLabel is the period the assessment is made as of ("2023Q1"), for the explanation; ""
	// when it is as of the latest data.
	AsOfLabel string
}

// IncompleteYear is a year whose figure is not judged as a full year: only Approved of the
// Expected reporting units are in it (Value is the figure from those, if any).
type IncompleteYear struct {
	Year               int
	Expected, Approved int
	Value              *float64
}

// Result is the verdict with the figures behind it.
type Result struct {
	Status Status
	// Explanation is the verdict with the figures, in Chinese, in the evaluation report's own
	// words where they fit (已完成既定目标, 预计到2025年可完成, 需加快进度, 存在较大差距,
	// 无法评估), for the evaluation text.
	Explanation string
	// ExplanationEN is the same in English, one sentence, for readers without Chinese.
	ExplanationEN string
	// Current is the value judged: the latest yearly value, else Latest; nil with no data.
	Current *Point
	// MetBy is the label of the period whose value meets the target ("2022"); set only when
	// Status is ACHIEVED.
	MetBy string
	// Projected is the straight-line trend's value in the target year; nil with fewer than
	// two yearly values, without a target year, or when the data already reach past it.
	Projected *float64
	// ActualPerYear is r_a, the actual change a year since the first yearly value (signed,
	// in the indicator's unit); nil with fewer than two yearly values.
	ActualPerYear *float64
	// NeededPerYear is r_n, the change a year still needed to meet the target by the target
	// year (signed); nil unless the trend was judged against it.
	NeededPerYear *float64
	// Ratio is ρ = r_a / r_n as the status was read from it; nil when not computed or when
	// r_n is 0 (a strict target sitting exactly on the latest value).
	Ratio *float64
}

// Assess judges the indicator by the rule in the package documentation.
func Assess(in Input) Result {
	series := yearly(in)
	var current *Point
	switch {
	case in.Cumulative && in.Latest != nil && finite(in.Latest.Value):
		c := *in.Latest // the running total through the latest data
		current = &c
	case len(series) > 0:
		c := series[len(series)-1]
		current = &c
	case in.Latest != nil && finite(in.Latest.Value):
		c := *in.Latest
		current = &c
	}
	comparator := normalize(in.Comparator, in.Direction)
	e := explainer{in: in, comparator: comparator, current: current}
	// partial is a newer partial-year value that is reported but not judged.
	if !in.Cumulative && in.Latest != nil && current != nil && len(series) > 0 && !in.Latest.wholeYear() &&
		in.Latest.Year > current.Year && finite(in.Latest.Value) {
		e.partial = in.Latest
	}

	res := Result{Current: current}
	var first Point
	if len(series) >= 2 {
		first = series[0]
		ra := (current.Value - first.Value) / float64(current.Year-first.Year)
		res.ActualPerYear = &ra
		if in.TargetYear > 0 && current.Year <= in.TargetYear {
			p, clamp := project(current.Value+ra*float64(in.TargetYear-current.Year), in.Bounded)
			res.Projected = &p
			e.clamp = clamp
		}
	}
	e.res = &res

	if in.Target == nil || in.TargetYear <= 0 {
		res.Status = NoTarget
		res.Explanation, res.ExplanationEN = e.both(e.noTargetZH(), e.noTarget())
		return res
	}
	target := *in.Target
	if current == nil {
		res.Status = NoData
		res.Explanation, res.ExplanationEN = e.both(e.noDataZH(), e.noData())
		return res
	}
	if meets(current.Value, target, comparator) {
		res.Status = Achieved
		res.MetBy = current.label()
		res.Explanation, res.ExplanationEN = e.both(e.achievedZH(), e.achieved())
		return res
	}
	if len(series) < 2 {
		res.Status = AtRisk
		res.Explanation, res.ExplanationEN = e.both(e.noTrendZH(len(series) == 0), e.noTrend(len(series) == 0))
		return res
	}

	// dir is the way the value must move to meet the target; gap is how far it has to go
	// (never negative); toward is the actual change a year in that direction.
	dir := direction(comparator, target, current.Value)
	gap := math.Max(0, dir*(target-current.Value))
	toward := dir * *res.ActualPerYear
	eps := tolerance(target)
	left := in.TargetYear - current.Year

	if left <= 0 || (in.AsOf > 0 && in.AsOf > in.TargetYear) {
		// Judge the drift over one year: the time left is gone.
		if toward < -StallTolerance*gap-eps {
			res.Status = Deteriorating
		} else {
			res.Status = AtRisk
		}
		res.Explanation, res.ExplanationEN = e.both(e.passedZH(first), e.passed(first))
		return res
	}

	rn := dir * gap / float64(left)
	res.NeededPerYear = &rn
	var rho float64
	switch {
	case gap > eps:
		rho = toward / (gap / float64(left))
		r := rho
		res.Ratio = &r
	case toward > eps:
		rho = math.Inf(1)
	case toward < -eps:
		rho = math.Inf(-1)
	}
	switch {
	case rho >= ThresholdOnTrack:
		res.Status = OnTrack
	case rho >= ThresholdNeedsAcceleration:
		res.Status = NeedsAcceleration
	case rho >= -StallTolerance:
		res.Status = AtRisk
	default:
		res.Status = Deteriorating
	}
	res.Explanation, res.ExplanationEN = e.both(e.trendZH(first, dir), e.trend(first, dir))
	return res
}

// yearly returns the usable whole-year values, one a year, oldest first.
func yearly(in Input) []Point {
	byYear := map[int]Point{}
	for _, p := range in.Values {
		if finite(p.Value) && p.Year >= in.BaseYear {
			byYear[p.Year] = p
		}
	}
	if l := in.Latest; l != nil && l.wholeYear() && finite(l.Value) && l.Year >= in.BaseYear {
		if _, ok := byYear[l.Year]; !ok {
			byYear[l.Year] = *l
		}
	}
	series := make([]Point, 0, len(byYear))
	for _, p := range byYear {
		series = append(series, p)
	}
	slices.SortFunc(series, func(a, b Point) int { return cmp.Compare(a.Year, b.Year) })
	return series
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func normalize(comparator, dir string) string {
	switch c := strings.ToUpper(strings.TrimSpace(comparator)); c {
	case GTE, GT, LTE, LT, EQ:
		return c
	}
	if strings.ToUpper(strings.TrimSpace(dir)) == LowerIsBetter {
		return LTE
	}
	return GTE
}

// tolerance absorbs floating-point noise: a ratio of sums times 100 can land on
// 96.49999999999999 when the county figures give exactly 96.5.
func tolerance(target float64) float64 { return 1e-9 * math.Max(1, math.Abs(target)) }

func meets(v, target float64, comparator string) bool {
	eps := tolerance(target)
	switch comparator {
	case GT:
		return v > target+eps
	case LTE:
		return v <= target+eps
	case LT:
		return v < target-eps
	case EQ:
		return math.Abs(v-target) <= eps
	default: // GTE
		return v >= target-eps
	}
}

// direction is +1 when the value must rise to meet the target and −1 when it must fall.
func direction(comparator string, target, v float64) float64 {
	switch comparator {
	case LTE, LT:
		return -1
	case EQ:
		if v > target {
			return -1
		}
	}
	return 1
}

// project floors the projection at 0, and caps it at 100 for a percentage. The returned
// clamp is the bound applied, or NaN when none was.
func project(v float64, bounded bool) (float64, float64) {
	switch {
	case v < 0:
		return 0, 0
	case bounded && v > 100:
		return 100, 100
	}
	return v, math.NaN()
}

// explainer writes the Explanation sentences.
type explainer struct {
	in         Input
	comparator string
	current    *Point
	partial    *Point // a newer partial-year value, reported but not judged
	res        *Result
	clamp      float64 // NaN unless the projection was floored or capped
}

var symbols = map[string]string{GTE: "≥", GT: ">", LTE: "≤", LT: "<", EQ: "="}

func (e explainer) target() string {
	return fmt.Sprintf("target %s %s by %d", symbols[e.comparator], num(*e.in.Target), e.in.TargetYear)
}

func (e explainer) value() string {
	return fmt.Sprintf("%s value %s", e.current.label(), num(e.current.Value))
}

func (e explainer) projection() string {
	p := e.res.Projected
	if p == nil {
		return ""
	}
	s := fmt.Sprintf("; projected %s in %d", num(*p), e.in.TargetYear)
	switch {
	case e.clamp == 100:
		s += " (capped at 100)"
	case e.clamp == 0:
		s += " (floored at 0)"
	}
	return s
}

func (e explainer) partialNote() string {
	if e.partial == nil {
		return ""
	}
	return fmt.Sprintf("; the %s value %s covers part of a year and is not used to judge progress",
		e.partial.label(), num(e.partial.Value))
}

func (e explainer) noTarget() string {
	s := "The target is not known"
	if e.in.Target != nil {
		s = "The target has no target year"
	}
	s += ", so progress cannot be judged"
	if e.current != nil {
		s += "; " + e.value()
		if e.in.Target == nil {
			s += e.projection()
		}
		s += e.partialNote()
	}
	return s + "."
}

func (e explainer) noData() string {
	return fmt.Sprintf("No value has been reported against %s.", e.target())
}

func (e explainer) achieved() string {
	return fmt.Sprintf("%s meets %s%s.", e.value(), e.target(), e.partialNote())
}

func (e explainer) noTrend(partialOnly bool) string {
	why := "one year of data cannot show a trend"
	if partialOnly {
		why = "there is no full-year value yet, and one value cannot show a trend"
	}
	return fmt.Sprintf("%s against %s: %s.", e.value(), e.target(), why)
}

func (e explainer) passed(first Point) string {
	return fmt.Sprintf("%s against %s: the target year has passed and the latest yearly value does not meet the target; %s%s%s.",
		e.value(), e.target(), change(*e.res.ActualPerYear, first.Year), e.projection(), e.partialNote())
}

func (e explainer) trend(first Point, dir float64) string {
	actual := *e.res.ActualPerYear
	needed := *e.res.NeededPerYear
	var need string
	switch {
	case num(needed) == "0":
		word := "rise"
		if dir < 0 {
			word = "fall"
		}
		need = "any " + word + " meets it"
	case num(actual) != "0" && (actual > 0) == (needed > 0):
		need = num(math.Abs(needed)) + " a year is needed"
	case needed > 0:
		need = "growth of " + num(needed) + " a year is needed"
	default:
		need = "a decline of " + num(-needed) + " a year is needed"
	}
	return fmt.Sprintf("%s against %s: %s, %s%s%s.",
		e.value(), e.target(), change(actual, first.Year), need, e.projection(), e.partialNote())
}

// change describes the actual change a year since the first year.
func change(perYear float64, since int) string {
	switch {
	case num(perYear) == "0":
		return fmt.Sprintf("no change since %d", since)
	case perYear > 0:
		return fmt.Sprintf("growth since %d is %s a year", since, num(perYear))
	default:
		return fmt.Sprintf("decline since %d is %s a year", since, num(-perYear))
	}
}

// num formats a figure with up to two decimals (95.61, 96.5, 1600). A figure too small to
// show in two decimals keeps two significant digits (0.0033) rather than reading as 0.
func num(v float64) string {
	s := trim(strconv.FormatFloat(v, 'f', 2, 64))
	if s == "-0" {
		s = "0"
	}
	if s == "0" && math.Abs(v) >= 1e-12 {
		digits := int(-math.Floor(math.Log10(math.Abs(v)))) + 1
		s = trim(strconv.FormatFloat(v, 'f', digits, 64))
	}
	return s
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
