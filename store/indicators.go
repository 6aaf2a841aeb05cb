package store

import (
	"context"
	"slices"

	"planapi/apperr"
	"planapi/auth"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
	"planapi/refrollup"
	"planapi/store/internal/rollupsql"
)

// IndicatorValue is an indicator's value at a region for a period or a range of periods,
// computed at query time from the counted submissions of the region's subtree.
type IndicatorValue struct {
	Indicator   *models.Indicator
	Region      *models.Region
	Period      period.Range
	Value       *float64
	Numerator   *float64
	Denominator *float64
	// Elements are the totals of the indicator's data elements, by element code (538 batches
	// inspected, 25 failed): the parts the report prints beside a rate. Live totals only; nil
	// for a published total, which carries its numerator and denominator alone.
	Elements   map[string]float64
	Expected   []string // region codes
	Reported   []string
	Approved   []string // the units in the value
	Incomplete []string // reported, too little to count: left out of the value
	Missing    []string
	// IncludesUnapproved: SUBMITTED figures count too (a preview).
	IncludesUnapproved bool
	// Partial: some unit's figure does not cover the whole period (a year from fewer than four
	// quarters, a range with a part missing): a year to date.
	Partial bool
	// Withheld: the total of a region above the caller would amount to one or two sibling
	// subtrees' figures at the caller's level, so its publication leaves it out.
	Withheld bool
	// Published: false for the total of a region above the caller that has not been
	// published for the period (or not for a range): no value.
	Published bool
	// units are the units behind each element's total, by element code (publication only).
	units map[string][]string
}

// ValuesQuery asks for indicator values at regions for periods.
type ValuesQuery struct {
	Regions           []string
	Periods           []period.Range
	Indicators        []*models.Indicator // nil: every indicator of the current plan
	IncludeUnapproved bool
	// SkipHidden leaves out regions the caller may not read aggregates of, instead of
	// answering NOT_FOUND (a dashboard's cells).
	SkipHidden bool
}

// ValueKey identifies the values of one region and period (or range).
type ValueKey struct {
	Region string
	Period period.Range
}

// IndicatorValues computes the values of the indicators at every region and period asked, in
// one roll-up statement whatever the number of indicators, regions and periods
// (rollupsql.Figures): it rolls every element the indicators need up over every region's
// subtree and counts completeness. Each indicator is then evaluated after aggregation —
// numerator over denominator, each a sum over the subtree — never as an average of the
// regions' own rates.
//
// It returns the values by region and period, each in indicator order; regions skipped with
// SkipHidden are absent.
func (s *Store) IndicatorValues(ctx context.Context, p *auth.Principal, q ValuesQuery) (map[ValueKey][]*IndicatorValue, []*models.Region, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, nil, err
	}
	return s.indicatorValues(ctx, c, q, false)
}

// indicatorValues is IndicatorValues; withUnits records, on each value, the units behind
// each element's total (for publication).
func (s *Store) indicatorValues(ctx context.Context, c *caller, q ValuesQuery, withUnits bool) (map[ValueKey][]*IndicatorValue, []*models.Region, error) {
	plan, err := s.plan()
	if err != nil {
		return nil, nil, err
	}
	cat := s.cache.Catalogue()
	regions := s.cache.Regions()
	inds := q.Indicators
	if inds == nil {
		inds = cat.Indicators[plan.ID]
	}

	var targets []rollupsql.Target
	var live, published, allowed []*models.Region
	for _, code := range q.Regions {
		r := regions.Get(code)
		// SECURITY: totals of the caller's own subtree or of its ancestors only; a sibling's
		// total is its raw data.
		if r == nil || c.decide(auth.ReadAggregate, r) != auth.Allow {
			if q.SkipHidden {
				continue
			}
			return nil, nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", code).With("field", "regionCode")
		}
		// SECURITY: the totals of a region above the caller are read only as published
		// (auth.ReadsPublished): no preview of unapproved figures, no live total.
		if auth.ReadsPublished(c.region.Path, r.Path) {
			if q.IncludeUnapproved {
				if q.SkipHidden {
					continue
				}
				return nil, nil, apperr.New(apperr.Forbidden, msg.PreviewFiguresOwnStaff, "code", r.Code, "name", r.Name).With("field", "includeUnapproved")
			}
			published = append(published, r)
		} else {
			targets = append(targets, rollupsql.Target{Code: r.Code, Path: r.Path})
			live = append(live, r)
		}
		allowed = append(allowed, r)
	}
	out := map[ValueKey][]*IndicatorValue{}
	if len(allowed) == 0 || len(q.Periods) == 0 || len(inds) == 0 {
		return out, allowed, nil
	}
	if len(published) > 0 {
		if err := s.readPublished(ctx, c, published, q, inds, out); err != nil {
			return nil, nil, err
		}
	}
	if len(live) == 0 {
		return out, allowed, nil
	}

	// Each indicator's elements: a unit counts in an indicator only with all of them that its
	// level collects (rollupsql.Figures, refrollup.RollupSet).
	var sets []rollupsql.ElementSet
	for _, ind := range inds {
		set := rollupsql.ElementSet{Key: ind.Code}
		for _, e := range cat.IndicatorElements(ind) {
			set.ElementIDs = append(set.ElementIDs, e.ID)
		}
		sets = append(sets, set)
	}
	statuses := refrollup.Statuses(q.IncludeUnapproved)

	// SECURITY: every live target lies in the caller's own scope, the scope the roll-up runs
	// under (figuresScoped: the scope and the roll-up in one implicit transaction).
	// One statement for both totals and completeness, so that the values are read once.
	// Completeness always looks at SUBMITTED and APPROVED submissions, whatever the value
	// counts, so that a county whose figures await approval shows as reported but not
	// approved, and only one that has not submitted shows as missing.
	totals, coverage, err := s.figuresScoped(ctx, c.region.Path, rollupsql.FiguresQuery{PlanID: plan.ID, Targets: targets,
		Ranges: q.Periods, Statuses: statuses, CoverageStatuses: refrollup.Statuses(true), Sets: sets,
		Elements: cat.Elements[plan.ID], WithUnits: withUnits})
	if err != nil {
		return nil, nil, err
	}

	// Figures answers totals by target, range, set and then the set's elements, and coverage
	// by target, range and set, in the order asked: both are walked once, in step, rather
	// than indexed by maps.
	ti, ci := 0, 0
	for _, r := range live {
		for _, per := range q.Periods {
			k := ValueKey{r.Code, per}
			list := make([]*IndicatorValue, 0, len(inds))
			vals := make([]IndicatorValue, len(inds)) // one allocation for the row
			for ii, ind := range inds {
				v := &vals[ii]
				*v = IndicatorValue{Indicator: ind, Region: r, Period: per, IncludesUnapproved: q.IncludeUnapproved, Published: true}
				// This figure's totals: each element's, and whether any is partial.
				// (An indicator asked twice has its totals twice, one after the other: a
				// figure's elements are distinct, so a repeated one starts the next figure.)
				var agg map[string]float64
				first := ti
				for ; ti < len(totals) && totals[ti].Target == r.Code && totals[ti].Range == per && totals[ti].Key == ind.Code; ti++ {
					t := &totals[ti]
					if slices.ContainsFunc(totals[first:ti], func(o rollupsql.SetTotal) bool { return o.ElementID == t.ElementID }) {
						break
					}
					if t.Value == nil {
						continue
					}
					e := cat.ElementByID(t.ElementID)
					if e == nil {
						continue
					}
					if agg == nil {
						agg = make(map[string]float64, 4)
					}
					agg[e.Code] = *t.Value
					v.Partial = v.Partial || !t.Complete
					if withUnits {
						if v.units == nil {
							v.units = map[string][]string{}
						}
						v.units[e.Code] = t.Units
					}
				}
				v.Value, v.Numerator, v.Denominator = refrollup.Evaluate(cat.Formula(ind.ID), agg)
				v.Elements = agg
				if ci < len(coverage) && coverage[ci].Target == r.Code && coverage[ci].Range == per && coverage[ci].Key == ind.Code {
					cv := &coverage[ci]
					v.Expected, v.Reported, v.Approved, v.Incomplete, v.Missing = cv.Expected, cv.Reported, cv.Approved, cv.Incomplete, cv.Missing
					ci++
				}
				list = append(list, v)
			}
			out[k] = list
		}
	}
	return out, allowed, nil
}

// Dashboard is one row per indicator with the region's total and a cell per visible child.
type Dashboard struct {
	Region  *models.Region
	Period  period.Range
	Columns []*models.Region
	Rows    []DashboardRow
}

// DashboardRow is one indicator's total and cells.
type DashboardRow struct {
	Total *IndicatorValue
	Cells []*IndicatorValue
}

// Dashboard computes a region's dashboard for a period in the same statement as
// IndicatorValues. Cells are only for the children whose totals the caller may read: a
// county looking at its city sees the city's total and its own cell, not its neighbours'.
func (s *Store) Dashboard(ctx context.Context, p *auth.Principal, regionCode string, per period.Range, includeUnapproved bool) (*Dashboard, error) {
	regions := s.cache.Regions()
	r := regions.Get(regionCode)
	if r == nil {
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	codes := []string{r.Code}
	for _, ch := range regions.Children(r.Code) {
		codes = append(codes, ch.Code)
	}
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	if c.decide(auth.ReadAggregate, r) != auth.Allow {
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	// SECURITY: no preview above the caller's own scope (see IndicatorValues).
	if includeUnapproved && !auth.InScope(c.region.Path, r.Path) {
		return nil, apperr.New(apperr.Forbidden, msg.PreviewDashboardOwn, "code", r.Code, "name", r.Name).With("field", "includeUnapproved")
	}
	vals, allowed, err := s.IndicatorValues(ctx, p, ValuesQuery{Regions: codes, Periods: []period.Range{per}, IncludeUnapproved: includeUnapproved, SkipHidden: true})
	if err != nil {
		return nil, err
	}
	// SECURITY: above the caller, the dashboard's totals are the published ones; unpublished,
	// the dashboard is not visible.
	if totals := vals[ValueKey{r.Code, per}]; len(totals) > 0 && !totals[0].Published {
		return nil, notPublished(r, per)
	}
	d := &Dashboard{Region: r, Period: per}
	for _, a := range allowed[1:] {
		d.Columns = append(d.Columns, a)
	}
	totals := vals[ValueKey{r.Code, per}]
	for i, t := range totals {
		row := DashboardRow{Total: t}
		for _, col := range d.Columns {
			row.Cells = append(row.Cells, vals[ValueKey{col.Code, per}][i])
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}
