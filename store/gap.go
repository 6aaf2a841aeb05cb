package store

import (
	"context"
	"math"

	"planapi/apperr"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/gap"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
)

// Gap decomposition (package gap): an indicator's distance to its target at a region, for the
// year the assessment judges, with each child region's part in it. The figures come from
// IndicatorValues, so the same rules apply as to reading them: the region's total is live in
// the caller's scope and read as published above it (withheld where the publication withholds
// it); the per-child breakdown is given only where auth.GapBreakdown allows it, and each child
// only where its totals are readable.

// Gap decomposes one indicator's gap at a region as of asOf (nil: the latest data). It returns
// nil, nil when the region is outside the caller's line (as if it did not exist).
//
// The period judged is the one the assessment judges: the latest full year whose end is not
// after asOf (a year from every expected unit, not a year to date: asOf "2023Q1" judges 2022),
// or for a cumulative indicator the running total from the plan's start year through asOf.
func (s *Store) Gap(ctx context.Context, p *auth.Principal, ind *models.Indicator, regionCode string, asOf *period.Period) (*gap.Gap, error) {
	list, err := s.gaps(ctx, p, []*models.Indicator{ind}, regionCode, asOf)
	if err != nil || list == nil {
		return nil, err
	}
	return list[0], nil
}

// Gaps lists the gaps of every indicator of the current plan that is short of its target at
// the region as of asOf ("2023Q1"; "" for the latest data), in catalogue order: the report's
// section on gaps. Achieved indicators, and those without a target or data, are left out; so
// are totals withheld from the caller or not published to it. A region outside the caller's
// line is NOT_FOUND.
func (s *Store) Gaps(ctx context.Context, p *auth.Principal, regionCode, asOf string) ([]*gap.Gap, error) {
	var at *period.Period
	if asOf != "" {
		per, err := period.ParseArg("asOf", asOf)
		if err != nil {
			return nil, err
		}
		at = &per
	}
	list, err := s.gaps(ctx, p, nil, regionCode, at)
	if err != nil {
		return nil, err
	}
	if list == nil {
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	out := []*gap.Gap{}
	for _, g := range list {
		if g.Status == gap.Shortfall {
			out = append(out, g)
		}
	}
	return out, nil
}

// gaps decomposes the indicators' gaps (nil: every indicator of the plan) in one roll-up.
func (s *Store) gaps(ctx context.Context, p *auth.Principal, inds []*models.Indicator, regionCode string, asOf *period.Period) ([]*gap.Gap, error) {
	c, plan, err := s.callerAndPlan(p)
	if err != nil {
		return nil, err
	}
	cat := s.cache.Catalogue()
	regions := s.cache.Regions()
	// SECURITY: totals of the caller's own subtree or of its ancestors only (auth.Decide).
	r := s.allowed(c, regionCode, auth.ReadAggregate)
	if r == nil {
		return nil, nil
	}
	if inds == nil {
		inds = cat.Indicators[plan.ID]
	}

	// The years that may be judged (their end not after asOf), and the running totals of the
	// cumulative indicators.
	lastYear := plan.EndYear
	for _, ind := range inds {
		lastYear = max(lastYear, ind.TargetYear)
	}
	var years []period.Period
	for _, y := range period.Years(plan.StartYear, lastYear) {
		if asOf == nil || !asOf.End().Before(y.End()) {
			years = append(years, y)
		}
	}
	var ranges []period.Range
	for _, y := range years {
		ranges = append(ranges, period.Single(y))
	}
	base := period.Year(plan.StartYear)
	since := func(to period.Period) period.Range {
		if to == base {
			return period.Single(base)
		}
		return period.Range{From: base, To: to}
	}
	cumulative := false
	for _, ind := range inds {
		cumulative = cumulative || ind.Cumulative
	}
	if cumulative {
		for _, y := range years[min(1, len(years)):] {
			ranges = append(ranges, since(y))
		}
		if asOf != nil && asOf.Quarter != 0 && asOf.Year >= base.Year {
			ranges = append(ranges, since(*asOf))
		}
	}

	codes := []string{r.Code}
	// SECURITY: the per-child breakdown only where auth.GapBreakdown allows it; each child
	// then through IndicatorValues' own check (SkipHidden leaves out what the caller may not
	// read).
	breakdown := auth.GapBreakdown(c.region.Path, r.Path)
	if breakdown {
		for _, ch := range regions.Children(r.Code) {
			codes = append(codes, ch.Code)
		}
	}
	vals := map[ValueKey][]*IndicatorValue{}
	if len(ranges) > 0 {
		vals, _, err = s.IndicatorValues(ctx, p, ValuesQuery{Regions: codes, Periods: ranges, Indicators: inds, SkipHidden: true})
		if err != nil {
			return nil, err
		}
	}

	out := make([]*gap.Gap, 0, len(inds))
	for i, ind := range inds {
		g := &gap.Gap{IndicatorCode: ind.Code, IndicatorName: ind.Name, Unit: ind.Unit, RegionCode: r.Code, RegionName: r.Name,
			TargetYear: ind.TargetYear, Target: ind.TargetValue, Comparator: ind.Comparator, ChildrenWithheld: !breakdown}
		f := cat.Formula(ind.ID)
		gf := gap.Formula{Factor: f.Factor, HasDenominator: len(f.Denominator) > 0, Integer: true, Bounded: ind.Unit == "%"}
		for _, t := range f.Numerator {
			e := cat.Element(plan.ID, t.Element)
			if e == nil || e.ValueType != string(catalogue.Count) || t.Coef() != math.Trunc(t.Coef()) {
				gf.Integer = false
			}
		}
		g.ChangeName, g.ChangeUnit, g.ChangeIsPart = s.changeName(plan.ID, f)

		value := func(code string, rng period.Range) *IndicatorValue {
			if list := vals[ValueKey{code, rng}]; i < len(list) {
				return list[i]
			}
			return nil
		}
		// The period judged: the latest that is published to the caller and either withheld or
		// a full value; for a cumulative indicator, the running total through asOf (or through
		// the latest year with a value).
		var chosen *IndicatorValue
		status := gap.NoData
		var candidates []period.Range
		if ind.Cumulative {
			if asOf != nil && asOf.Quarter != 0 && asOf.Year >= base.Year {
				candidates = append(candidates, since(*asOf))
			}
			for k := len(years) - 1; k >= 0; k-- {
				candidates = append(candidates, since(years[k]))
			}
		} else {
			for k := len(years) - 1; k >= 0; k-- {
				candidates = append(candidates, period.Single(years[k]))
			}
		}
		for _, rng := range candidates {
			v := value(r.Code, rng)
			if v == nil {
				continue
			}
			if !v.Published {
				if g.Period == "" {
					g.Period, status = rng.String(), gap.NotPublished
				}
				// A running total is judged through asOf or not at all: one through an earlier
				// year (the only one published above the caller is the first year's, a single
				// period) would be measured against the whole plan's cumulative target.
				if ind.Cumulative {
					break
				}
				continue
			}
			if v.Withheld {
				g.Period, status = rng.String(), gap.Withheld
				break
			}
			full := !v.Partial && len(v.Approved) == len(v.Expected)
			if v.Value != nil && (full || ind.Cumulative) {
				chosen = v
				g.Period = rng.String()
				break
			}
		}
		if chosen == nil {
			if ind.TargetValue == nil {
				status = gap.NoTarget
			}
			g.Result = gap.Result{Status: status}
			out = append(out, g)
			continue
		}
		rng := chosen.Period
		g.Figures = gap.Figures{Value: chosen.Value, Numerator: chosen.Numerator, Denominator: chosen.Denominator}
		var children []gap.ChildFigures
		anyFigure := false
		for _, code := range codes[1:] {
			v := value(code, rng)
			// SECURITY: a child the caller may not read is not in vals (SkipHidden); a child's
			// figures are shown only as its own live total.
			if v == nil || !v.Published || v.Withheld || auth.ReadsPublished(c.region.Path, v.Region.Path) {
				continue
			}
			anyFigure = anyFigure || v.Value != nil
			children = append(children, gap.ChildFigures{Code: v.Region.Code, Name: v.Region.Name,
				Figures: gap.Figures{Value: v.Value, Numerator: v.Numerator, Denominator: v.Denominator}})
		}
		if !anyFigure {
			children = nil // a city-only figure: nothing below to break down
		}
		var target *gap.Target
		if ind.TargetValue != nil {
			target = &gap.Target{Value: *ind.TargetValue, Comparator: ind.Comparator, LowerIsBetter: ind.Direction == "LOWER_IS_BETTER"}
		}
		g.Result = gap.Decompose(gf, target, g.Figures, children)
		out = append(out, g)
	}
	return out, nil
}

// changeName says what a numerator change is a change of: the numerator's one element, or for
// "whole − part" over the whole (inspected − failed over inspected) the part, whose cut is the
// numerator's growth; empty when the numerator is some other combination.
func (s *Store) changeName(planID int64, f catalogue.Formula) (name, unit string, part bool) {
	cat := s.cache.Catalogue()
	if len(f.Numerator) == 1 && f.Numerator[0].Coef() > 0 {
		if e := cat.Element(planID, f.Numerator[0].Element); e != nil {
			return e.Name, e.Unit, false
		}
	}
	if len(f.Numerator) == 2 && len(f.Denominator) == 1 {
		whole, cut := f.Numerator[0], f.Numerator[1]
		if whole.Coef() < 0 {
			whole, cut = cut, whole
		}
		if whole.Coef() == 1 && cut.Coef() == -1 && whole.Element == f.Denominator[0].Element {
			if e := cat.Element(planID, cut.Element); e != nil {
				return e.Name, e.Unit, true
			}
		}
	}
	return "", "", false
}
