package assess

import (
	"slices"

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

// Observation is an indicator's value at a region over one period or range, as the roll-up
// computed it, with its completeness: Partial marks a figure that does not cover its whole
// period (a year from fewer than four quarters); Approved of Expected reporting units are in
// the value.
type Observation struct {
	Value              *float64
	Partial            bool
	Expected, Approved int
}

// Keys are the periods and ranges FromObservations reads for an indicator, up to and
// including asOf (nil: every year of years): each year and its quarters, each year to date
// (Q1..Q2, Q1..Q3), and for a cumulative indicator the running totals since the base year
// through each year and quarter.
func Keys(ind Indicator, years []period.Period, asOf *period.Period) []period.Range {
	var out []period.Range
	add := func(r period.Range) {
		if asOf == nil || !asOf.End().Before(r.End()) {
			out = append(out, r)
		}
	}
	for _, y := range years {
		add(period.Single(y))
		for _, q := range y.Quarters() {
			add(period.Single(q))
			if ytd := yearToDate(q); !ytd.IsSingle() && q.Quarter < 4 {
				add(ytd)
			}
			if ind.Cumulative {
				add(since(ind.BaseYear, q))
			}
		}
		if ind.Cumulative {
			add(since(ind.BaseYear, y))
		}
	}
	// An as-of period past the years asked (2026 for a plan to 2025) still names its own
	// year to date and, for a cumulative indicator, its running total.
	if asOf != nil && len(years) > 0 && years[len(years)-1].End().Before(asOf.End()) {
		extra := []period.Range{yearToDate(*asOf)}
		if ind.Cumulative {
			extra = append(extra, since(ind.BaseYear, *asOf))
		}
		for _, r := range extra {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// yearToDate is the range from the first quarter of q's year to q; a year's fourth quarter
// gives the year.
func yearToDate(q period.Period) period.Range {
	switch q.Quarter {
	case 0, 4:
		return period.Single(q.YearOf())
	case 1:
		return period.Single(q)
	}
	return period.Range{From: period.Quarter(q.Year, 1), To: q}
}

// since is the running total's range from the base year through p.
func since(base int, p period.Period) period.Range {
	if p.Quarter == 0 && p.Year == base {
		return period.Single(p)
	}
	return period.Range{From: period.Year(base), To: p}
}

// Basis says what an assessment stands on.
type Basis struct {
	// Judged are the years judged as full years, in order.
	Judged []period.Period
	// AsOf is the period the assessment is made as of: the one asked, or the latest with
	// data; nil when there is none.
	AsOf *period.Period
}

// FromObservations builds the assessment's Input from an indicator's values over the periods
// and ranges of Keys, as of asOf (nil: as of the latest data).
//
//   - A year is judged as a full year when it has a value that covers the whole year and every
//     expected unit's figures are in it. A year with a whole-year value from only some units
//     is left out and named in the explanation with its completeness (Input.Incomplete).
//   - The latest value is the year to date of the as-of period when it ends inside a year
//     (2023Q1; 2024Q1..2024Q2); it is named in the explanation but not judged, since a part of
//     a year is not comparable with an annual target.
//   - A cumulative indicator is judged on its running total since the base year through the
//     as-of period, the partial year included; its yearly values are the running totals
//     through each year judged.
//
// Every point's Label is its period or range as period.ParseRange reads it.
func FromObservations(ind Indicator, years []period.Period, asOf *period.Period, obs map[period.Range]Observation) (Input, Basis) {
	in := Input{Target: ind.Target, Comparator: ind.Comparator, Direction: ind.Direction, TargetYear: ind.TargetYear,
		BaseYear: ind.BaseYear, Bounded: ind.Bounded, Cumulative: ind.Cumulative}
	value := func(r period.Range) (Observation, bool) {
		o, ok := obs[r]
		return o, ok && o.Value != nil
	}
	var b Basis
	a := asOf
	if a == nil {
		a = latestWithData(years, value)
	} else {
		in.AsOfLabel = a.String()
	}
	if a == nil {
		return in, b
	}
	b.AsOf = a
	in.AsOf = a.Year
	for _, y := range years {
		if a.End().Before(y.End()) {
			break
		}
		o, ok := value(period.Single(y))
		switch {
		case !ok || o.Partial:
		case o.Approved < o.Expected:
			v := *o.Value
			in.Incomplete = append(in.Incomplete, IncompleteYear{Year: y.Year, Expected: o.Expected, Approved: o.Approved, Value: &v})
		default:
			x := *o.Value
			if ind.Cumulative {
				c, ok := value(since(ind.BaseYear, y))
				if !ok {
					continue
				}
				x = *c.Value
			}
			b.Judged = append(b.Judged, y)
			in.Values = append(in.Values, Point{Year: y.Year, Label: y.String(), Value: x})
		}
	}
	var latest *period.Range
	switch {
	case ind.Cumulative:
		r := since(ind.BaseYear, *a)
		latest = &r
	case a.Quarter >= 1 && a.Quarter <= 3: // the as-of period ends inside a year
		r := yearToDate(*a)
		latest = &r
	}
	if o, ok := value(ptrOr(latest)); latest != nil && ok {
		in.Latest = &Point{Year: a.Year, Label: latest.String(), Value: *o.Value}
	} else if n := len(in.Values); n > 0 {
		l := in.Values[n-1]
		in.Latest = &l
	}
	return in, b
}

// latestWithData is the latest period of the years with a value: a quarter, or a year whose
// value covers it whole.
func latestWithData(years []period.Period, value func(period.Range) (Observation, bool)) *period.Period {
	var latest *period.Period
	for _, y := range years {
		if o, ok := value(period.Single(y)); ok && !o.Partial {
			yy := y
			latest = &yy
		}
		for _, q := range y.Quarters() {
			if _, ok := value(period.Single(q)); ok && (latest == nil || latest.End().Before(q.End())) {
				qq := q
				latest = &qq
			}
		}
	}
	return latest
}

func ptrOr(r *period.Range) period.Range {
	if r == nil {
		return period.Range{}
	}
	return *r
}
