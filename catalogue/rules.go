package catalogue

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"planapi/msg"
)

// The validation rules for submitted figures live here, with the catalogue that defines the
// elements, so the data layer applies one set of named rules and resolvers apply none.

// Rule names a validation rule; clients can match on it.
type Rule string

const (
	RuleUnknownElement   Rule = "UNKNOWN_ELEMENT"
	RuleNotANumber       Rule = "NOT_A_NUMBER"
	RuleNegative         Rule = "NEGATIVE"
	RuleNotInteger       Rule = "NOT_INTEGER"
	RulePercentRange     Rule = "PERCENT_RANGE"
	RuleScoreRange       Rule = "SCORE_RANGE"
	RulePartExceedsWhole Rule = "PART_EXCEEDS_WHOLE"
	RuleWrongLevel       Rule = "WRONG_LEVEL"
	RuleWrongPeriodType  Rule = "WRONG_PERIOD_TYPE"
	RuleDuplicateElement Rule = "DUPLICATE_ELEMENT"
	RuleUnknownTask      Rule = "UNKNOWN_TASK"
	RuleNotAMeasure      Rule = "NOT_A_MEASURE"
	RuleUnknownOutput    Rule = "UNKNOWN_OUTPUT"
	RuleBadTaskStatus    Rule = "BAD_TASK_STATUS"
	RuleNarrativeTooLong Rule = "NARRATIVE_TOO_LONG"
	RuleCommentTooLong   Rule = "COMMENT_TOO_LONG"
	RuleDuplicateTask    Rule = "DUPLICATE_TASK"
	RuleDuplicateOutput  Rule = "DUPLICATE_OUTPUT"
	// RuleOutOfRange: a count or number above its hard bound (DefaultMax or the element's max).
	RuleOutOfRange Rule = "OUT_OF_RANGE"
	// RuleValueAndMissing: a value and a missingReason for the same element in one save.
	RuleValueAndMissing Rule = "VALUE_AND_MISSING_REASON"
	// RuleEmptyMissingReason: a missingReason of blanks: the reviewer needs the reason.
	RuleEmptyMissingReason Rule = "EMPTY_MISSING_REASON"
	// RuleMissingReasonTooLong: a missingReason longer than MaxCommentRunes.
	RuleMissingReasonTooLong Rule = "MISSING_REASON_TOO_LONG"
	// DefaultMax is the hard upper bound of COUNT and NUMBER figures without a catalogue
	// bound: no figure a county or city collects comes near 10^12, while a typo or a pasted
	// 1.7e308 does, and would overflow every total it enters.
	DefaultMax        = 1e12
	MaxCommentRunes   = 2000
	MaxNarrativeRunes = 10000
)

// Violation is one refused value, in words a county clerk understands: Message names the
// figure and the refused value, and renders in Chinese or English (msg); Rule is the stable
// code a client matches on.
type Violation struct {
	Element string   // data element code (as typed, when it is not one), or "task <code>"
	Value   *float64 // the refused value, when there is one
	Rule    Rule
	Message msg.Text
}

func (v Violation) Error() string { return v.Message.String() }

// ElementRules is what validation needs to know of a data element.
type ElementRules struct {
	Code        string
	Name        string
	ValueType   ValueType
	CollectedAt Level
	PeriodTypes []PeriodType
	PartOf      string
	Required    bool
	Max         *float64 // nil: DefaultMax for COUNT and NUMBER
	// ChangeFactor: nil means DefaultChangeFactor.
	ChangeFactor *float64
	// TimeRule decides which earlier figure a value is comparable with (quality.go).
	TimeRule TimeRule
}

// RulesOf returns an element's validation rules. Whether it is required depends on the plan's
// indicators: Plan.Required says so, and the snapshot carries it from the database.
func RulesOf(e DataElement) ElementRules {
	return ElementRules{Code: e.Code, Name: e.Name, ValueType: e.ValueType, CollectedAt: e.CollectedAt, PeriodTypes: e.PeriodTypes,
		PartOf: e.PartOf, Max: e.Max, ChangeFactor: e.ChangeFactor, TimeRule: e.Aggregation.Time}
}

// Bound is the element's hard upper bound; 0 for percentages and scores, which have their own.
func (e ElementRules) Bound() float64 {
	if e.ValueType != Count && e.ValueType != Number {
		return 0
	}
	if e.Max != nil {
		return *e.Max
	}
	return DefaultMax
}

// Collects reports whether the element is collected at this level in this kind of period.
func (e ElementRules) Collects(level Level, pt PeriodType) bool {
	if e.CollectedAt != level {
		return false
	}
	for _, p := range e.PeriodTypes {
		if p == pt {
			return true
		}
	}
	return false
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// CheckValue applies the rules that concern one value alone: its type and range, and whether
// the element is collected at this region's level and in this kind of period.
func CheckValue(e ElementRules, regionLevel Level, periodType PeriodType, periodLabel string, v float64) []Violation {
	var out []Violation
	add := func(rule Rule, args ...any) {
		val := v
		args = append([]any{"name", e.Name, "code", e.Code, "value", valueWord(v)}, args...)
		out = append(out, Violation{Element: e.Code, Value: &val, Rule: rule, Message: msg.T(msg.Key(rule), args...)})
	}
	if e.CollectedAt != regionLevel {
		add(RuleWrongLevel, "collectedAt", levelWord(e.CollectedAt), "level", levelWord(regionLevel))
	}
	okPeriod := false
	for _, pt := range e.PeriodTypes {
		if pt == periodType {
			okPeriod = true
		}
	}
	if !okPeriod {
		add(RuleWrongPeriodType, "periodType", periodWord(periodType), "period", periodLabel)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		add(RuleNotANumber)
		return out
	}
	if v < 0 {
		add(RuleNegative)
	}
	if b := e.Bound(); b > 0 && v > b {
		add(RuleOutOfRange, "max", num(b))
	}
	switch e.ValueType {
	case Count:
		if v != math.Trunc(v) {
			add(RuleNotInteger)
		}
	case Percent:
		if v < 0 || v > 100 {
			add(RulePercentRange)
		}
	case Score:
		if v < 0 || v > 100 {
			add(RuleScoreRange)
		}
	}
	// A negative percentage already says so twice; keep the clearer message.
	if len(out) > 1 && out[len(out)-1].Rule == RulePercentRange && v < 0 {
		out = out[:len(out)-1]
	}
	return out
}

// valueWord writes a value as a clerk typed it; NaN and infinities as Go prints them.
func valueWord(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return num(v)
}

// CheckMissing applies the rules to a figure declared unavailable: the element must be one this
// region's level collects in this kind of period, and the reason must say something.
func CheckMissing(e ElementRules, regionLevel Level, periodType PeriodType, periodLabel string, reason string, maxRunes int) []Violation {
	var out []Violation
	add := func(rule Rule, key msg.Key, args ...any) {
		args = append([]any{"name", e.Name, "code", e.Code}, args...)
		out = append(out, Violation{Element: e.Code, Rule: rule, Message: msg.T(key, args...)})
	}
	if !e.Collects(regionLevel, periodType) {
		add(RuleWrongLevel, msg.WrongLevelMissing, "level", levelWord(regionLevel), "period", periodLabel)
	}
	switch {
	case strings.TrimSpace(reason) == "":
		add(RuleEmptyMissingReason, msg.EmptyMissingReason)
	case utf8.RuneCountInString(reason) > maxRunes:
		add(RuleMissingReasonTooLong, msg.MissingReasonTooLong, "max", maxRunes)
	}
	return out
}

// CheckParts applies the part-of-whole rule to a submission's values as they would stand
// after a save: no part may exceed its whole (failed batches ≤ inspected batches). Only
// pairs where both values are present are checked; the violation names the part.
func CheckParts(elements map[string]ElementRules, values map[string]float64) []Violation {
	codes := make([]string, 0, len(values))
	for c := range values {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var out []Violation
	for _, c := range codes {
		e, ok := elements[c]
		if !ok || e.PartOf == "" {
			continue
		}
		whole, ok := values[e.PartOf]
		if !ok {
			continue
		}
		part := values[c]
		if part > whole {
			w := elements[e.PartOf]
			out = append(out, Violation{Element: c, Value: &part, Rule: RulePartExceedsWhole,
				Message: msg.T(msg.PartExceedsWhole, "name", e.Name, "code", c, "value", num(part),
					"wholeName", w.Name, "whole", e.PartOf, "wholeValue", num(whole))})
		}
	}
	return out
}

// OutputKeys returns the keys a measure's outputs are reported under: the output code when
// it occurs once in the measure, else the code and its occurrence ("ITEMS_1", "ITEMS_2"), in
// the order of the file.
func (t Task) OutputKeys() []string {
	count := map[string]int{}
	for _, o := range t.Outputs {
		count[o.Code]++
	}
	seen := map[string]int{}
	keys := make([]string, len(t.Outputs))
	for i, o := range t.Outputs {
		if count[o.Code] == 1 {
			keys[i] = o.Code
			continue
		}
		seen[o.Code]++
		keys[i] = fmt.Sprintf("%s_%d", o.Code, seen[o.Code])
	}
	return keys
}

func levelWord(l Level) msg.Text {
	switch l {
	case Province:
		return msg.T(msg.LevelProvince)
	case City:
		return msg.T(msg.LevelCity)
	case County:
		return msg.T(msg.LevelCounty)
	}
	return msg.T(msg.Key(l))
}

func periodWord(p PeriodType) msg.Text {
	switch p {
	case Yearly:
		return msg.T(msg.PeriodYearly)
	case Quarterly:
		return msg.T(msg.PeriodQuarterly)
	}
	return msg.T(msg.Key(p))
}
