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

// Total is an element's value aggregated over a subtree, and how many regions it came from.
type Total struct {
	Value   float64
	Regions int
}

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
	return value, num, den
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

// RollupTotals computes every element's value at the target region (by code) for period p,
// with the number of regions behind it: each region's values are first aggregated over time
// (AggregateTime, by the element's time rule), then over the target's subtree
// (AggregateRegions, by its region rule). rules holds the data elements by code; rows must
// already be limited to counted submissions. Elements without a value are absent.
func RollupTotals(rules map[string]catalogue.DataElement, regions []RegionInfo, rows []Row, target string, p period.Period) map[string]Total {
	perElement := timeValues(rules, regions, rows, target, p)
	out := map[string]Total{}
	for code, values := range perElement {
		de := rules[code]
		var weights map[string]float64
		if de.Aggregation.Regions == catalogue.RegionAverage && de.Aggregation.Weight != "" {
			weights = perElement[de.Aggregation.Weight]
		}
		if t, ok := AggregateRegions(de.Aggregation, target, values, weights); ok {
			out[code] = t
		}
	}
	return out
}

// timeValues returns, by element and region code, the time-aggregated value of every region in
// the target's subtree, for elements that have rules.
func timeValues(rules map[string]catalogue.DataElement, regions []RegionInfo, rows []Row, target string, p period.Period) map[string]map[string]float64 {
	inSubtree := subtree(regions, target)
	byElement := map[string]map[string]map[period.Period]float64{}
	for _, r := range rows {
		if _, ok := rules[r.Element]; !ok || !inSubtree[r.Region] || !p.Contains(r.Period) {
			continue
		}
		byRegion := byElement[r.Element]
		if byRegion == nil {
			byRegion = map[string]map[period.Period]float64{}
			byElement[r.Element] = byRegion
		}
		if byRegion[r.Region] == nil {
			byRegion[r.Region] = map[period.Period]float64{}
		}
		byRegion[r.Region][r.Period] = r.Value
	}
	out := map[string]map[string]float64{}
	for code, byRegion := range byElement {
		rule := rules[code].Aggregation.Time
		for region, values := range byRegion {
			if v, ok := AggregateTime(rule, p, values); ok {
				if out[code] == nil {
					out[code] = map[string]float64{}
				}
				out[code][region] = v
			}
		}
	}
	return out
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
