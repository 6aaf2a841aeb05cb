// Package refrollup is the reference definition of how the city's figures are built from what
// the regions submit: over time (quarters into a year), over the region tree (counties into
// the city), into indicators (a ratio of sums, never an average of ratios), and how complete
// such a figure is (a total from 3 of 5 counties must say so).
//
// It is pure: structs in, results out, no storage, and it is not the production path: the
// service computes the same in one SQL statement (store/internal/rollupsql), whose property
// test holds it to RollupTotals and Completeness here on random data over several seeds. This
// package is the specification that statement is held to. Only its small shared pieces
// (Statuses, Evaluate, Elements) run in the service. It must not import storage or
// transport.
package refrollup

import (
	"math"
	"slices"
	"strings"

	"planapi/catalogue"
	"planapi/models"
	"planapi/period"
)

// Statuses lists the submission statuses a roll-up counts (DRAFT and RETURNED never do): APPROVED only, or APPROVED and
// SUBMITTED when the caller asks for figures not yet approved.
func Statuses(includeUnapproved bool) []string {
	if includeUnapproved {
		return []string{models.StatusApproved, models.StatusSubmitted}
	}
	return []string{models.StatusApproved}
}

// Counted reports whether a submission with the status takes part in a roll-up.
func Counted(status string, includeUnapproved bool) bool {
	return status == models.StatusApproved || (includeUnapproved && status == models.StatusSubmitted)
}

// RegionInfo is a node of the region tree as the roll-up needs it. Path is the materialised
// path ('410000/419900/419902/'); a region's subtree is every region whose path starts with
// its path, the region itself included.
type RegionInfo struct {
	Code  string
	Path  string
	Level catalogue.Level
}

// Row is one submitted value: what a region entered for an element in a period. Rows given to
// RollupTotals must already be limited to counted submissions (see Counted); a region has at most
// one row per period and element, as a submission holds one value per element.
type Row struct {
	Region  string
	Period  period.Period
	Element string
	Value   float64
}

// Total is an element's value aggregated over a subtree, how many regions it came from, and
// whether every region value behind it covers its whole period or range (Complete: false
// for a year built from fewer than its four quarters somewhere, a year to date).
type Total struct {
	Value    float64
	Regions  int
	Complete bool
}

// MaxMagnitude bounds the values a roll-up reads: a value whose size reaches it (or that is
// not a finite number) is treated as not there at all, neither in totals nor in completeness.
// Saves refuse such values (OUT_OF_RANGE, far below this); one that reached the database
// another way must not overflow a sum or make an answer that cannot be written as JSON.
const MaxMagnitude = 1e15

// Usable reports whether a roll-up reads the value (see MaxMagnitude).
func Usable(v float64) bool { return math.Abs(v) < MaxMagnitude }

// AggregateTime returns one region's value of one element for period p, from the values the
// region submitted for that element by period (periods outside p are ignored):
//   - a quarter shows only what that quarter holds;
//   - a year shows the yearly submission's value when there is one; otherwise it is built from
//     the quarters present: SUM adds them (flows), LAST takes the latest quarter's (stocks),
//     AVERAGE averages them.
//
// ok is false when the region has no value for p.
func AggregateTime(rule catalogue.TimeRule, p period.Period, values map[period.Period]float64) (v float64, ok bool) {
	if v, ok := values[p]; ok {
		return v, true // the quarter itself, or the yearly submission overriding its quarters
	}
	if p.Quarter != 0 {
		return 0, false
	}
	var sum float64
	n, last := 0, 0
	for _, q := range p.Quarters() {
		x, ok := values[q]
		if !ok {
			continue
		}
		sum += x
		n++
		last = q.Quarter
	}
	if n == 0 {
		return 0, false
	}
	switch rule {
	case catalogue.TimeSum:
		return sum, true
	case catalogue.TimeLast:
		return values[period.Quarter(p.Year, last)], true
	case catalogue.TimeAverage:
		return sum / float64(n), true
	}
	return 0, false
}

// AggregateRegions aggregates one element over a subtree. values holds the time-aggregated
// value of every region of the target's subtree that has one, by region code (the caller
// limits it to the subtree); weights holds the weight element's values the same way and is
// read only for a weighted AVERAGE.
//
//   - SUM, MIN, MAX: over every value in the subtree, the target's own included (a
//     county-level element is simply never entered at city level).
//   - AVERAGE without a weight: the plain mean of the values.
//   - AVERAGE with a weight: Σ value·weight / Σ weight over the regions that have both a value
//     and a weight; a region without a weight is left out (and not counted), and a total
//     weight of 0 gives no value.
//   - NONE: only the value entered at the target itself (city-only figures are never summed
//     from counties).
//
// Total.Regions counts the regions whose values went into the result. ok is false when there
// is no value.
func AggregateRegions(agg catalogue.Aggregation, target string, values, weights map[string]float64) (t Total, ok bool) {
	if agg.Regions == catalogue.RegionNone {
		v, ok := values[target]
		if !ok {
			return Total{}, false
		}
		return Total{Value: v, Regions: 1}, true
	}
	// Sorted so that sums add in a fixed order and results repeat exactly.
	codes := make([]string, 0, len(values))
	for c := range values {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	weighted := agg.Regions == catalogue.RegionAverage && agg.Weight != ""
	var sum, wsum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for _, c := range codes {
		v := values[c]
		if weighted {
			w, ok := weights[c]
			if !ok {
				continue
			}
			sum += v * w
			wsum += w
		} else {
			sum += v
		}
		lo, hi = min(lo, v), max(hi, v)
		n++
	}
	if n == 0 {
		return Total{}, false
	}
	switch agg.Regions {
	case catalogue.RegionSum:
		return Total{Value: sum, Regions: n}, true
	case catalogue.RegionMin:
		return Total{Value: lo, Regions: n}, true
	case catalogue.RegionMax:
		return Total{Value: hi, Regions: n}, true
	case catalogue.RegionAverage:
		if !weighted {
			return Total{Value: sum / float64(n), Regions: n}, true
		}
		if wsum == 0 {
			return Total{}, false
		}
		return Total{Value: sum / wsum, Regions: n}, true
	}
	return Total{}, false
}

// Evaluate computes an indicator from its elements' aggregated values (by element code),
// after aggregation, as a ratio of sums: num = Σ coef·agg(element) over the numerator, den
// likewise, and value = num/den·factor, or num·factor without a denominator. So a municipal
// percentage is the city's numerator over the city's denominator, never an average of
// county percentages.
//
// num (den) is nil when an element of the numerator (denominator) has no value; den is nil
// without a denominator. value is nil when any element of the formula has no value, or the
// denominator is 0.
func Evaluate(f catalogue.Formula, agg map[string]float64) (value, num, den *float64) {
	side := func(terms []catalogue.Term) *float64 {
		var s float64
		for _, t := range terms {
			v, ok := agg[t.Element]
			if !ok {
				return nil
			}
			s += t.Coef() * v
		}
		return &s
	}
	num = side(f.Numerator)
	if len(f.Denominator) > 0 {
		den = side(f.Denominator)
	}
	switch {
	case num == nil:
	case len(f.Denominator) == 0:
		v := *num * f.Factor
		value = &v
	case den == nil || *den == 0:
	default:
		v := *num / *den * f.Factor
		value = &v
	}
	// No answer carries NaN or ±Inf: a side or a value that overflowed is no figure.
	finite := func(p *float64) *float64 {
		if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
			return nil
		}
		return p
	}
	if num, den = finite(num), finite(den); num == nil || (len(f.Denominator) > 0 && den == nil) {
		return nil, num, den
	}
	return finite(value), num, den
}

// Elements lists the distinct elements a formula uses, numerator first, in order of first use.
func Elements(f catalogue.Formula) []string {
	var out []string
	for _, t := range append(slices.Clip(f.Numerator), f.Denominator...) {
		if !slices.Contains(out, t.Element) {
			out = append(out, t.Element)
		}
	}
	return out
}

// AggregateRange returns one region's value of one element over range r, from the values the
// region submitted for that element by period: each part of r (period.Range.Parts: whole years
// and quarters) as AggregateTime gives it, then the parts combined by the element's time
// rule: SUM adds them (flows), LAST takes the latest part that has a value (stocks: the value
// at the range's end), AVERAGE averages them. A single period is a range of one part, so this
// is AggregateTime for it.
//
// complete says the value covers the whole range: every part has a value and is whole (for
// LAST, the range's last part has one and is whole), a part being whole when the region
// submitted for it exactly or it is a year built from all four quarters. ok is false when no
// part has a value.
func AggregateRange(rule catalogue.TimeRule, r period.Range, values map[period.Period]float64) (v float64, complete, ok bool) {
	parts := r.Parts()
	var sum float64
	n := 0
	complete = true
	for i, p := range parts {
		x, ok := AggregateTime(rule, p, values)
		whole := ok && wholePart(p, values)
		if !ok {
			if rule != catalogue.TimeLast {
				complete = false
			}
			continue
		}
		sum += x
		n++
		if rule == catalogue.TimeLast {
			v, complete = x, whole && i == len(parts)-1
		} else {
			complete = complete && whole
		}
	}
	if n == 0 {
		return 0, false, false
	}
	switch rule {
	case catalogue.TimeSum:
		return sum, complete, true
	case catalogue.TimeLast:
		return v, complete, true
	case catalogue.TimeAverage:
		return sum / float64(n), complete, true
	}
	return 0, false, false
}

// wholePart reports whether the region's value for p covers all of p: its own submission, or
// all four quarters of a year.
func wholePart(p period.Period, values map[period.Period]float64) bool {
	if _, ok := values[p]; ok {
		return true
	}
	if p.Quarter != 0 {
		return false
	}
	for _, q := range p.Quarters() {
		if _, ok := values[q]; !ok {
			return false
		}
	}
	return true
}

// RollupSet computes the elements of one figure (set: an indicator's formula, by element
// code) at the target region over range r, with the number of regions behind each value.
//
// A region counts towards the figure only when it has a value of every element of the set
// that its level collects; a region that has some of them and not all is left out of every
// element of the set, numerator and denominator alike (a county that entered the batches
// inspected and not the failed ones would otherwise count all its batches as passing). A
// missing figure is never taken as 0. Each element is then aggregated over the regions that
// count: over time by AggregateRange, over the subtree by AggregateRegions (the weights of a
// weighted average from the same regions). rules holds the data elements by code; rows must
// already be limited to counted submissions; values that are not Usable are not there.
// Elements without a value are absent from the result.
func RollupSet(rules map[string]catalogue.DataElement, regions []RegionInfo, rows []Row, set []string, target string, r period.Range) map[string]Total {
	level := map[string]catalogue.Level{}
	for _, x := range regions {
		level[x.Code] = x.Level
	}
	var members []string      // the set's elements that have rules, each once
	need := map[string]bool{} // members and their weights
	for _, e := range set {
		de, ok := rules[e]
		if !ok || slices.Contains(members, e) {
			continue
		}
		members = append(members, e)
		need[e] = true
		if de.Aggregation.Regions == catalogue.RegionAverage && de.Aggregation.Weight != "" {
			need[de.Aggregation.Weight] = true
		}
	}
	values, complete := rangeValues(rules, regions, rows, need, target, r)
	counts := func(region string) bool {
		for _, e := range members {
			if rules[e].CollectedAt == level[region] {
				if _, ok := values[e][region]; !ok {
					return false
				}
			}
		}
		return true
	}
	out := map[string]Total{}
	for _, e := range members {
		de := rules[e]
		vs, ws := map[string]float64{}, map[string]float64{}
		for region, v := range values[e] {
			if counts(region) {
				vs[region] = v
			}
		}
		weighted := de.Aggregation.Regions == catalogue.RegionAverage && de.Aggregation.Weight != ""
		if weighted {
			for region, w := range values[de.Aggregation.Weight] {
				if counts(region) {
					ws[region] = w
				}
			}
		}
		t, ok := AggregateRegions(de.Aggregation, target, vs, ws)
		if !ok {
			continue
		}
		t.Complete = true
		for region := range vs {
			switch {
			case de.Aggregation.Regions == catalogue.RegionNone && region != target:
			case weighted && !hasKey(ws, region):
			default:
				t.Complete = t.Complete && complete[e][region]
			}
		}
		out[e] = t
	}
	return out
}

func hasKey(m map[string]float64, k string) bool {
	_, ok := m[k]
	return ok
}

// RollupTotals computes every element's value at the target region for period p, each on its
// own (a set of one element, so every region with a value counts): RollupSet element by
// element.
func RollupTotals(rules map[string]catalogue.DataElement, regions []RegionInfo, rows []Row, target string, p period.Period) map[string]Total {
	out := map[string]Total{}
	for code := range rules {
		if t, ok := RollupSet(rules, regions, rows, []string{code}, target, period.Single(p))[code]; ok {
			out[code] = t
		}
	}
	return out
}

// rangeValues returns, by element and region code, the value over r of every region in the
// target's subtree for the elements asked, and whether it covers the whole range.
func rangeValues(rules map[string]catalogue.DataElement, regions []RegionInfo, rows []Row, elements map[string]bool, target string, r period.Range) (map[string]map[string]float64, map[string]map[string]bool) {
	inSubtree := subtree(regions, target)
	byElement := map[string]map[string]map[period.Period]float64{}
	for _, x := range rows {
		if !elements[x.Element] || !inSubtree[x.Region] || !r.Contains(x.Period) || !Usable(x.Value) {
			continue
		}
		if _, ok := rules[x.Element]; !ok {
			continue
		}
		byRegion := byElement[x.Element]
		if byRegion == nil {
			byRegion = map[string]map[period.Period]float64{}
			byElement[x.Element] = byRegion
		}
		if byRegion[x.Region] == nil {
			byRegion[x.Region] = map[period.Period]float64{}
		}
		byRegion[x.Region][x.Period] = x.Value
	}
	values, complete := map[string]map[string]float64{}, map[string]map[string]bool{}
	for code, byRegion := range byElement {
		rule := rules[code].Aggregation.Time
		values[code], complete[code] = map[string]float64{}, map[string]bool{}
		for region, vs := range byRegion {
			if v, whole, ok := AggregateRange(rule, r, vs); ok {
				values[code][region], complete[code][region] = v, whole
			}
		}
	}
	return values, complete
}

// subtree returns the codes of the target and every region below it.
func subtree(regions []RegionInfo, target string) map[string]bool {
	var path string
	for _, r := range regions {
		if r.Code == target {
			path = r.Path
		}
	}
	out := map[string]bool{}
	if path == "" {
		return out
	}
	for _, r := range regions {
		if strings.HasPrefix(r.Path, path) {
			out[r.Code] = true
		}
	}
	return out
}
