package catalogue

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// planYAML is the plan as shipped. Editing plan.yaml and restarting the server is how the
// catalogue changes; there is no other copy.
//
//go:embed plan.yaml
var planYAML []byte

// Load parses and validates the embedded plan.yaml. Each call returns a fresh Plan, so callers
// may keep or modify it without affecting one another.
func Load() (*Plan, error) {
	p, err := Parse(planYAML)
	if err != nil {
		return nil, fmt.Errorf("load embedded plan.yaml: %w", err)
	}
	return p, nil
}

// Parse decodes a plan strictly (unknown keys, duplicate keys and a second YAML document are
// errors) and validates it.
func Parse(data []byte) (*Plan, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Plan
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("parse plan: the document is empty")
		}
		return nil, fmt.Errorf("parse plan: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("parse plan: %w", err)
		}
		return nil, errors.New("parse plan: more than one YAML document; the plan must be a single document")
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("invalid plan: %w", err)
	}
	return &p, nil
}

// Coef is the term's coefficient; an unset (zero) coefficient means 1, since a term that
// contributes nothing would never be written down.
func (t Term) Coef() float64 {
	if t.Coefficient == 0 {
		return 1
	}
	return t.Coefficient
}

// Elements returns the distinct data-element codes the indicator's formula uses, numerator
// first, in order of first use.
func (i Indicator) Elements() []string {
	var out []string
	seen := map[string]bool{}
	for _, side := range [][]Term{i.Formula.Numerator, i.Formula.Denominator} {
		for _, t := range side {
			if !seen[t.Element] {
				seen[t.Element] = true
				out = append(out, t.Element)
			}
		}
	}
	return out
}

// Required says whether a data element is required of the level that collects it, and when it
// is not, why: an element some indicator's formula uses is required unless the catalogue marks
// it optional with a reason; an element no indicator uses is never required.
func (p *Plan) Required(code string) (bool, string) {
	e, ok := p.DataElement(code)
	if !ok {
		return false, ""
	}
	if e.Optional != "" {
		return false, strings.TrimSpace(e.Optional)
	}
	for _, ind := range p.Indicators() {
		for _, c := range ind.Elements() {
			if c == code {
				return true, ""
			}
		}
	}
	return false, "不用于任何指标 (used by no indicator)"
}

// Indicators returns every indicator, category by category, in the report's order.
func (p *Plan) Indicators() []Indicator {
	var out []Indicator
	for _, c := range p.Categories {
		out = append(out, c.Indicators...)
	}
	return out
}

// Indicator finds an indicator by code ("2.10").
func (p *Plan) Indicator(code string) (*Indicator, bool) {
	for ci := range p.Categories {
		c := &p.Categories[ci]
		for ii := range c.Indicators {
			if c.Indicators[ii].Code == code {
				return &c.Indicators[ii], true
			}
		}
	}
	return nil, false
}

// DataElement finds a data element by code ("IP_BATCHES_FAILED").
func (p *Plan) DataElement(code string) (*DataElement, bool) {
	for i := range p.DataElements {
		if p.DataElements[i].Code == code {
			return &p.DataElements[i], true
		}
	}
	return nil, false
}

// Task levels in the key-task tree.
const (
	KeyTaskLevel = 1 // 1. 深化商事制度改革…
	SubTaskLevel = 2 // (1) 提升市场主体开办便利化水平
	MeasureLevel = 3 // 一是…
)

// FlatTask is a task with its place in the tree, for listing the tree as rows.
type FlatTask struct {
	Task
	ParentCode string // "" for a top-level task
	Level      int    // KeyTaskLevel, SubTaskLevel or MeasureLevel
	Ordinal    int    // 1-based position among its siblings
}

// FlatTasks lists the key-task tree depth-first: each task followed by its sub-tasks, each
// sub-task followed by its measures.
func (p *Plan) FlatTasks() []FlatTask {
	var out []FlatTask
	var walk func(ts []Task, parent string, level int)
	walk = func(ts []Task, parent string, level int) {
		for i, t := range ts {
			out = append(out, FlatTask{Task: t, ParentCode: parent, Level: level, Ordinal: i + 1})
			walk(t.Children, t.Code, level+1)
		}
	}
	walk(p.Tasks, "", KeyTaskLevel)
	return out
}

var elementCodeRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// problems collects validation failures so that one run reports all of them.
type problems []error

func (ps *problems) add(format string, args ...any) {
	*ps = append(*ps, fmt.Errorf(format, args...))
}

// Validate checks the plan's internal consistency and reports every problem it finds, each
// naming the item, the field and the value refused.
func (p *Plan) Validate() error {
	var ps problems
	p.validateHeader(&ps)
	elements := p.validateDataElements(&ps)
	p.validateIndicators(&ps, elements)
	p.validateTasks(&ps)
	return errors.Join(ps...)
}

func (p *Plan) validateHeader(ps *problems) {
	if strings.TrimSpace(p.Code) == "" {
		ps.add("plan: code is empty")
	}
	if strings.TrimSpace(p.Name) == "" {
		ps.add("plan: name is empty")
	}
	if p.StartYear <= 0 {
		ps.add("plan: start_year %d is not a year", p.StartYear)
	}
	if p.EndYear < p.StartYear {
		ps.add("plan: end_year %d is before start_year %d", p.EndYear, p.StartYear)
	}
	if !validLevel(p.OwnerLevel) {
		ps.add("plan: owner_level %q is not one of PROVINCE, CITY, COUNTY", p.OwnerLevel)
	}
	if len(p.Categories) == 0 {
		ps.add("plan: categories is empty")
	}
}

// validateDataElements checks each element and returns them by code for the formula checks.
func (p *Plan) validateDataElements(ps *problems) map[string]*DataElement {
	byCode := map[string]*DataElement{}
	for i := range p.DataElements {
		e := &p.DataElements[i]
		switch {
		case e.Code == "":
			ps.add("data element #%d: code is empty", i+1)
			continue
		case !elementCodeRE.MatchString(e.Code):
			ps.add("data element %q: code must be UPPER_SNAKE_CASE", e.Code)
		}
		if byCode[e.Code] != nil {
			ps.add("data element %q: duplicate code", e.Code)
			continue
		}
		byCode[e.Code] = e
	}
	for i := range p.DataElements {
		e := &p.DataElements[i]
		if e.Code == "" {
			continue
		}
		where := fmt.Sprintf("data element %q", e.Code)
		if strings.TrimSpace(e.Name) == "" {
			ps.add("%s: name is empty", where)
		}
		if strings.TrimSpace(e.Unit) == "" {
			ps.add("%s: unit is empty", where)
		}
		switch e.ValueType {
		case Count, Number, Score:
		case Percent:
			if e.Unit != "%" {
				ps.add("%s: unit %q does not fit value_type PERCENT; use %%", where, e.Unit)
			}
		default:
			ps.add("%s: value_type %q is not one of COUNT, NUMBER, PERCENT, SCORE", where, e.ValueType)
		}
		if !validLevel(e.CollectedAt) {
			ps.add("%s: collected_at %q is not one of PROVINCE, CITY, COUNTY", where, e.CollectedAt)
		}
		if len(e.PeriodTypes) == 0 {
			ps.add("%s: period_types is empty", where)
		}
		seen := map[PeriodType]bool{}
		for _, pt := range e.PeriodTypes {
			if pt != Yearly && pt != Quarterly {
				ps.add("%s: period_types value %q is not one of YEARLY, QUARTERLY", where, pt)
			}
			if seen[pt] {
				ps.add("%s: period_types lists %q twice", where, pt)
			}
			seen[pt] = true
		}
		p.validateAggregation(ps, where, e, byCode)
		if e.Optional != "" && strings.TrimSpace(e.Optional) == "" {
			ps.add("%s: optional needs a reason, not blanks", where)
		}
		if e.Max != nil {
			switch {
			case e.ValueType != Count && e.ValueType != Number:
				ps.add("%s: max %v is only for COUNT and NUMBER elements, not %s (percentages and scores are 0–100)", where, *e.Max, e.ValueType)
			case !(*e.Max > 0) || math.IsInf(*e.Max, 0):
				ps.add("%s: max %v must be a positive finite number", where, *e.Max)
			}
		}
		if e.ChangeFactor != nil && (!(*e.ChangeFactor > 1) || math.IsInf(*e.ChangeFactor, 0)) {
			ps.add("%s: change_factor %v must be a finite number above 1", where, *e.ChangeFactor)
		}
		if e.PartOf != "" {
			whole, ok := byCode[e.PartOf]
			switch {
			case e.PartOf == e.Code:
				ps.add("%s: part_of %q names the element itself", where, e.PartOf)
			case !ok:
				ps.add("%s: part_of %q is not a data element", where, e.PartOf)
			case whole.Unit != e.Unit:
				ps.add("%s: part_of %q has unit %q, not %q; a part must be counted like its whole", where, e.PartOf, whole.Unit, e.Unit)
			}
		}
	}
	// A part_of chain that returns to its start would make every element in it bound by itself.
	// (A self-reference is reported above.)
	for i := range p.DataElements {
		start := &p.DataElements[i]
		if start.PartOf == start.Code {
			continue
		}
		cur := byCode[start.PartOf]
		for steps := 0; cur != nil && steps <= len(byCode); steps++ {
			if cur.Code == start.Code {
				ps.add("data element %q: part_of chain %q leads back to it", start.Code, start.PartOf)
				break
			}
			if cur.PartOf == cur.Code {
				break
			}
			cur = byCode[cur.PartOf]
		}
	}
	return byCode
}

func (p *Plan) validateAggregation(ps *problems, where string, e *DataElement, byCode map[string]*DataElement) {
	a := e.Aggregation
	switch a.Regions {
	case RegionSum, RegionAverage, RegionMin, RegionMax, RegionNone:
	default:
		ps.add("%s: aggregation.regions %q is not one of SUM, AVERAGE, MIN, MAX, NONE", where, a.Regions)
	}
	switch a.Time {
	case TimeSum, TimeLast, TimeAverage:
	default:
		ps.add("%s: aggregation.time %q is not one of SUM, LAST, AVERAGE", where, a.Time)
	}
	// A city-only figure summed from counties would count something the counties never
	// submitted, and a county figure that never rolls up would be lost from the city total.
	if e.CollectedAt == City || e.CollectedAt == Province {
		if a.Regions != RegionNone {
			ps.add("%s: collected_at %s needs aggregation.regions NONE, not %q", where, e.CollectedAt, a.Regions)
		}
	} else if e.CollectedAt == County && a.Regions == RegionNone {
		ps.add("%s: aggregation.regions NONE needs collected_at CITY; county figures must roll up", where)
	}
	if a.Weight != "" {
		switch {
		case a.Regions != RegionAverage:
			ps.add("%s: aggregation.weight %q is only used with regions AVERAGE, not %q", where, a.Weight, a.Regions)
		case a.Weight == e.Code:
			ps.add("%s: aggregation.weight %q names the element itself", where, a.Weight)
		case byCode[a.Weight] == nil:
			ps.add("%s: aggregation.weight %q is not a data element", where, a.Weight)
		}
	}
}

func (p *Plan) validateIndicators(ps *problems, elements map[string]*DataElement) {
	categories := map[string]bool{}
	indicators := map[string]bool{}
	for ci, c := range p.Categories {
		if c.Code == "" {
			ps.add("category #%d: code is empty", ci+1)
		} else if categories[c.Code] {
			ps.add("category %q: duplicate code", c.Code)
		}
		categories[c.Code] = true
		if strings.TrimSpace(c.Name) == "" {
			ps.add("category %q: name is empty", c.Code)
		}
		if len(c.Indicators) == 0 {
			ps.add("category %q: indicators is empty", c.Code)
		}
		for ii, ind := range c.Indicators {
			if ind.Code == "" {
				ps.add("category %q: indicator #%d: code is empty", c.Code, ii+1)
				continue
			}
			where := fmt.Sprintf("indicator %q", ind.Code)
			if indicators[ind.Code] {
				ps.add("%s: duplicate code", where)
			}
			indicators[ind.Code] = true
			if !childCode(c.Code, ind.Code) {
				ps.add("%s: code must be category code %q, a dot and an ordinal", where, c.Code)
			}
			p.validateIndicator(ps, where, ind, elements)
		}
	}
}

func (p *Plan) validateIndicator(ps *problems, where string, ind Indicator, elements map[string]*DataElement) {
	if strings.TrimSpace(ind.Name) == "" {
		ps.add("%s: name is empty", where)
	}
	if strings.TrimSpace(ind.Unit) == "" {
		ps.add("%s: unit is empty", where)
	}
	t := ind.Target
	switch t.Comparator {
	case GTE, GT, LTE, LT, EQ:
	default:
		ps.add("%s: target.comparator %q is not one of GTE, GT, LTE, LT, EQ", where, t.Comparator)
	}
	if t.Year < p.StartYear || t.Year > p.EndYear {
		ps.add("%s: target.year %d is outside the plan's years %d–%d", where, t.Year, p.StartYear, p.EndYear)
	}
	if t.Value != nil && *t.Value < 0 {
		ps.add("%s: target.value %v is negative", where, *t.Value)
	}
	switch ind.Direction {
	case HigherIsBetter:
		if t.Comparator == LT || t.Comparator == LTE {
			ps.add("%s: target.comparator %s is an upper bound but direction is %s", where, t.Comparator, ind.Direction)
		}
	case LowerIsBetter:
		if t.Comparator == GT || t.Comparator == GTE {
			ps.add("%s: target.comparator %s is a lower bound but direction is %s", where, t.Comparator, ind.Direction)
		}
	default:
		ps.add("%s: direction %q is not one of HIGHER_IS_BETTER, LOWER_IS_BETTER", where, ind.Direction)
	}

	f := ind.Formula
	if len(f.Numerator) == 0 {
		ps.add("%s: formula numerator is empty", where)
	}
	if f.Factor <= 0 {
		ps.add("%s: formula factor %v must be positive", where, f.Factor)
	}
	for _, side := range []struct {
		name  string
		terms []Term
	}{{"numerator", f.Numerator}, {"denominator", f.Denominator}} {
		for _, term := range side.terms {
			if term.Element == "" {
				ps.add("%s: formula %s has a term without an element", where, side.name)
			} else if elements[term.Element] == nil {
				ps.add("%s: formula element %q is not a data element", where, term.Element)
			}
		}
	}
	if ind.Cumulative {
		if len(f.Denominator) > 0 {
			ps.add("%s: cumulative target needs a formula without a denominator", where)
		}
		for _, term := range f.Numerator {
			if e := elements[term.Element]; e != nil && e.Aggregation.Time != TimeSum {
				ps.add("%s: cumulative target needs flows, but element %q has aggregation.time %q", where, e.Code, e.Aggregation.Time)
			}
		}
	}
}

func (p *Plan) validateTasks(ps *problems) {
	if len(p.Tasks) == 0 {
		ps.add("plan: tasks is empty")
	}
	seen := map[string]bool{}
	var walk func(ts []Task, parent string, level int)
	walk = func(ts []Task, parent string, level int) {
		for i, t := range ts {
			if t.Code == "" {
				ps.add("task #%d under %q: code is empty", i+1, parent)
				continue
			}
			where := fmt.Sprintf("task %q", t.Code)
			if seen[t.Code] {
				ps.add("%s: duplicate code", where)
			}
			seen[t.Code] = true
			want := strconv.Itoa(i + 1)
			if parent != "" {
				want = parent + "." + want
			}
			if t.Code != want {
				ps.add("%s: code must be %q: its parent's code %q and its position %d", where, want, parent, i+1)
			}
			if strings.TrimSpace(t.Title) == "" {
				ps.add("%s: title is empty", where)
			}
			if level > MeasureLevel {
				ps.add("%s: tasks nest at most %d deep (task, sub-task, measure)", where, MeasureLevel)
			}
			if level == MeasureLevel && strings.TrimSpace(t.Text) == "" {
				ps.add("%s: a measure needs the report's text", where)
			}
			if level != MeasureLevel && len(t.Outputs) > 0 {
				ps.add("%s: outputs belong to measures (level %d), not level %d", where, MeasureLevel, level)
			}
			for oi, o := range t.Outputs {
				ow := fmt.Sprintf("%s: output #%d", where, oi+1)
				if !validOutputCode(o.Code) {
					ps.add("%s: code %q is not one of %s", ow, o.Code, strings.Join(OutputCodes, ", "))
				}
				if strings.TrimSpace(o.Name) == "" {
					ps.add("%s: name is empty", ow)
				}
				if strings.TrimSpace(o.Unit) == "" {
					ps.add("%s: unit is empty", ow)
				} else if units := OutputUnits(o.Code); units != nil && !slices.Contains(units, o.Unit) {
					// A roll-up adds a code's figures up across measures: they must be one quantity.
					ps.add("%s: unit %q is not one of %s's units (%s); another quantity needs another code (ITEMS)", ow, o.Unit, o.Code, strings.Join(units, ", "))
				}
				if o.Reported != nil && *o.Reported < 0 {
					ps.add("%s: reported %v is negative", ow, *o.Reported)
				}
				if o.Approximate && o.Reported == nil {
					ps.add("%s: approximate is set but reported is empty", ow)
				}
			}
			walk(t.Children, t.Code, level+1)
		}
	}
	walk(p.Tasks, "", KeyTaskLevel)
}

// childCode reports whether code is parent, a dot, and a positive ordinal ("2" → "2.10").
func childCode(parent, code string) bool {
	rest, ok := strings.CutPrefix(code, parent+".")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(rest)
	return err == nil && n > 0 && strconv.Itoa(n) == rest
}

func validLevel(l Level) bool {
	return l == Province || l == City || l == County
}

func validOutputCode(c string) bool {
	for _, v := range OutputCodes {
		if c == v {
			return true
		}
	}
	return false
}
