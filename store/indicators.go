package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"planapi/apperr"
	"planapi/auth"
	"planapi/models"
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
	Expected    []string // region codes
	Reported    []string
	Approved    []string // the units in the value
	Incomplete  []string // reported, too little to count: left out of the value
	Missing     []string
	// IncludesUnapproved: SUBMITTED figures count too (a preview).
	IncludesUnapproved bool
	// Partial: some unit's figure does not cover the whole period (a year from fewer than four
	// quarters, a range with a part missing): a year to date.
	Partial bool
	// Withheld: the caller's ancestor's total would reveal one neighbour's figures.
	Withheld bool
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
	var allowed []*models.Region
	above := false // some target lies above the caller's own region
	for _, code := range q.Regions {
		r := regions.Get(code)
		// SECURITY: totals of the caller's own subtree or of its ancestors only; a sibling's
		// total is its raw data.
		if r == nil || c.decide(auth.ReadAggregate, r) != auth.Allow {
			if q.SkipHidden {
				continue
			}
			return nil, nil, apperr.New(apperr.NotFound, "region %q not found", code).With("field", "regionCode")
		}
		// SECURITY: a preview of unapproved figures is for the region's own scope. Above the
		// caller it would single out the units awaiting review.
		if q.IncludeUnapproved && !auth.InScope(c.region.Path, r.Path) {
			if q.SkipHidden {
				continue
			}
			return nil, nil, apperr.New(apperr.Forbidden, "includeUnapproved: a preview of %s %s's unapproved figures is for its own staff; its approved total is readable", r.Code, r.Name).With("field", "includeUnapproved")
		}
		targets = append(targets, rollupsql.Target{Code: r.Code, Path: r.Path})
		allowed = append(allowed, r)
		above = above || !auth.InScope(c.region.Path, r.Path)
	}
	out := map[ValueKey][]*IndicatorValue{}
	if len(targets) == 0 || len(q.Periods) == 0 || len(inds) == 0 {
		return out, allowed, nil
	}
	// SECURITY: a total above the caller is checked by the small-cell rule over each period
	// it is made of too (each year of a range, and each year's quarters): a range less a
	// shorter one asked separately, or a year less three of its quarters, would otherwise
	// give the one period whose total is withheld. Those periods are rolled up in the same
	// statement (they are read anyway).
	ranges := q.Periods
	if above {
		ranges = withAtoms(q.Periods)
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

	var totals []rollupsql.SetTotal
	var coverage []rollupsql.Coverage
	// SECURITY: the roll-up reads the raw rows of the targets' subtrees, which for an
	// ancestor's total lie outside the caller's own scope. The scope of this transaction is
	// therefore the targets' common ancestor, every target having passed auth.ReadAggregate
	// above, and only aggregates leave it.
	err = s.scoped(ctx, commonPath(targets), func(tx *gorm.DB) error {
		var err error
		// One statement for both, so that the values are read once. Completeness always looks
		// at SUBMITTED and APPROVED submissions, whatever the value counts, so that a county
		// whose figures await approval shows as reported but not approved, and only one that
		// has not submitted shows as missing.
		totals, coverage, err = rollupsql.Figures(ctx, tx, rollupsql.FiguresQuery{PlanID: plan.ID, Targets: targets, Ranges: ranges,
			Statuses: statuses, CoverageStatuses: refrollup.Statuses(true), Sets: sets,
			Elements: cat.Elements[plan.ID], WithUnits: above})
		return err
	})
	if err != nil {
		return nil, nil, err
	}

	// By region, period and indicator: each element's total, and whether it is partial.
	type figureKey struct {
		ValueKey
		indicator string
	}
	agg := map[figureKey]map[string]float64{}
	partial := map[figureKey]map[string]bool{}
	inValue := map[figureKey][]string{} // the units behind each figure, above the caller
	for _, t := range totals {
		if t.Value == nil {
			continue
		}
		k := figureKey{ValueKey{t.Target, t.Range}, t.Key}
		inValue[k] = append(inValue[k], t.Units...)
		if agg[k] == nil {
			agg[k] = map[string]float64{}
			partial[k] = map[string]bool{}
		}
		if e := cat.ElementByID(t.ElementID); e != nil {
			agg[k][e.Code] = *t.Value
			partial[k][e.Code] = !t.Complete
		}
	}
	cov := map[ValueKey]map[string]rollupsql.Coverage{}
	for _, cv := range coverage {
		k := ValueKey{cv.Target, cv.Range}
		if cov[k] == nil {
			cov[k] = map[string]rollupsql.Coverage{}
		}
		cov[k][cv.Key] = cv
	}
	for _, r := range allowed {
		for _, per := range q.Periods {
			k := ValueKey{r.Code, per}
			list := make([]*IndicatorValue, 0, len(inds))
			for _, ind := range inds {
				v := &IndicatorValue{Indicator: ind, Region: r, Period: per, IncludesUnapproved: q.IncludeUnapproved}
				f := cat.Formula(ind.ID)
				fk := figureKey{k, ind.Code}
				v.Value, v.Numerator, v.Denominator = refrollup.Evaluate(f, agg[fk])
				for _, code := range refrollup.Elements(f) {
					v.Partial = v.Partial || partial[fk][code]
				}
				cv := cov[k][ind.Code]
				v.Expected, v.Reported, v.Approved, v.Incomplete, v.Missing = cv.Expected, cv.Reported, cv.Approved, cv.Incomplete, cv.Missing
				if !auth.InScope(c.region.Path, r.Path) {
					units := [][]string{inValue[fk]}
					for _, atom := range atoms(per) {
						units = append(units, inValue[figureKey{ValueKey{r.Code, atom}, ind.Code}])
					}
					s.guardAncestorTotal(c, v, units)
				}
				list = append(list, v)
			}
			out[k] = list
		}
	}
	return out, allowed, nil
}

// guardAncestorTotal trims what a caller learns from the total of a region above its own (the
// municipal total a county belongs to), so that it never amounts to a neighbour's raw data:
//
//   - completeness shows only approved units: who has submitted and awaits review, who
//     reported too little to count, and who has not reported, are the neighbours' own
//     business (reported = approved, no incomplete, no missing);
//   - a total is withheld (value, numerator and denominator null) when the units behind it,
//     or behind the total of any period it is made of (units: the value's own list first,
//     then each period's), are the caller's own and exactly one other unit's: subtracting its
//     own, or the rest of the range asked separately, would give the other's.
//
// Units above the caller (the city's own figures) are not neighbours and do not count.
//
// SECURITY: the second point is the small-cell rule (auth.OneOtherUnit), as statistical
// offices apply one.
func (s *Store) guardAncestorTotal(c *caller, v *IndicatorValue, units [][]string) {
	regions := s.cache.Regions()
	paths := func(codes []string) []string {
		out := make([]string, 0, len(codes))
		for _, code := range codes {
			if u := regions.Get(code); u != nil {
				out = append(out, u.Path)
			}
		}
		return out
	}
	v.Reported, v.Incomplete, v.Missing = v.Approved, []string{}, []string{}
	// The approved units are in the value; the units list says who else is (a unit whose
	// figures are approved for one part of a range and await review for another).
	withhold := auth.OneOtherUnit(c.region.Path, paths(append(append([]string{}, v.Approved...), units[0]...)))
	for _, list := range units[1:] {
		withhold = withhold || auth.OneOtherUnit(c.region.Path, paths(list))
	}
	if withhold {
		v.Value, v.Numerator, v.Denominator = nil, nil, nil
		v.Withheld = true
	}
}

// atoms are the periods a total over r is made of, down to those submitted: each part of
// the range, and the quarters of each year (a year may be built from them).
func atoms(r period.Range) []period.Range {
	var out []period.Range
	for _, p := range r.Parts() {
		if r.IsSingle() && p.Quarter != 0 {
			break // a quarter is its own only part
		}
		if !r.IsSingle() {
			out = append(out, period.Single(p))
		}
		if p.Quarter == 0 {
			for _, q := range p.Quarters() {
				out = append(out, period.Single(q))
			}
		}
	}
	return out
}

// withAtoms adds to ranges the periods they are made of (atoms), each once.
func withAtoms(ranges []period.Range) []period.Range {
	out := append([]period.Range{}, ranges...)
	seen := map[period.Range]bool{}
	for _, r := range ranges {
		seen[r] = true
	}
	for _, r := range ranges {
		for _, a := range atoms(r) {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// commonPath is the longest path every target's path starts with, cut at a region boundary.
func commonPath(targets []rollupsql.Target) string {
	prefix := targets[0].Path
	for _, t := range targets[1:] {
		for !strings.HasPrefix(t.Path, prefix) {
			i := strings.LastIndex(strings.TrimSuffix(prefix, "/"), "/")
			prefix = prefix[:i+1]
		}
	}
	return prefix
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
		return nil, apperr.New(apperr.NotFound, "region %q not found", regionCode).With("field", "regionCode")
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
		return nil, apperr.New(apperr.NotFound, "region %q not found", regionCode).With("field", "regionCode")
	}
	// SECURITY: no preview above the caller's own scope (see IndicatorValues).
	if includeUnapproved && !auth.InScope(c.region.Path, r.Path) {
		return nil, apperr.New(apperr.Forbidden, "includeUnapproved: a preview of %s %s's unapproved figures is for its own staff; its approved dashboard is readable", r.Code, r.Name).With("field", "includeUnapproved")
	}
	vals, allowed, err := s.IndicatorValues(ctx, p, ValuesQuery{Regions: codes, Periods: []period.Range{per}, IncludeUnapproved: includeUnapproved, SkipHidden: true})
	if err != nil {
		return nil, err
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
