package assess

import (
	"sort"

	"planapi/period"
)

// Indicator is what the assessment needs to know of an indicator and its plan.
type Indicator struct {
	Target     *float64 // nil when unknown (redacted)
	Comparator string
	Direction  string
	TargetYear int
	BaseYear   int  // the plan's first year
	Cumulative bool // the target is a running total since BaseYear (1.2, 1.4)
	Bounded    bool // a percentage
}

// Observation is an indicator's value at a region for one period, as the roll-up computed it.
// Partial marks a year built from fewer than its four quarters (a year to date).
type Observation struct {
	Value   *float64
	Partial bool
}

// FromObservations builds the assessment's Input from an indicator's values for the plan's
// years and their quarters, and returns the years whose values were judged, in order.
//
// Only full-year values are judged; for a year without one, its latest quarter with a value is
// the latest (partial) value, named in the explanation. A cumulative indicator is judged on
// running totals since the base year, and its latest partial value adds to the total so far.
// The assessment is made as of the latest data, as the mid-term report was (as of 2023Q1).
func FromObservations(ind Indicator, years []period.Period, obs map[period.Period]Observation) (Input, []period.Period) {
	in := Input{Target: ind.Target, Comparator: ind.Comparator, Direction: ind.Direction, TargetYear: ind.TargetYear,
		BaseYear: ind.BaseYear, Bounded: ind.Bounded}
	var judged []period.Period
	running := 0.0
	var latest *period.Period
	var latestValue float64
	for _, y := range years {
		if v, ok := obs[y]; ok && v.Value != nil && !v.Partial {
			x := *v.Value
			if ind.Cumulative {
				running += x
				x = running
			}
			in.Values = append(in.Values, Point{Year: y.Year, Label: y.String(), Value: x})
			judged = append(judged, y)
			yy := y
			latest, latestValue = &yy, x
			continue
		}
		// No full-year figure: the year's latest quarter with one is the latest partial value.
		qs := y.Quarters()
		sort.Slice(qs, func(i, j int) bool { return qs[j].Less(qs[i]) })
		for _, q := range qs {
			if v, ok := obs[q]; ok && v.Value != nil {
				qq := q
				latest, latestValue = &qq, *v.Value
				if ind.Cumulative {
					latestValue += running
				}
				break
			}
		}
	}
	if latest != nil {
		in.Latest = &Point{Year: latest.Year, Label: latest.String(), Value: latestValue}
		in.AsOf = latest.Year
	}
	return in, judged
}
