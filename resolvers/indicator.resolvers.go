package resolvers

import (
	"context"
	"fmt"

	"planapi/apperr"
	"planapi/assess"
	"planapi/auth"
	"planapi/gap"
	"planapi/graph/model"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
	"planapi/store"
)

// Roll-ups: indicator values, dashboards, assessments and key-task progress, all computed at
// query time from the submissions (store/indicators.go); nothing derived is stored.

func boolOr(b *bool) bool { return b != nil && *b }

func (r *Resolver) present(v *store.IndicatorValue) *model.IndicatorValue {
	out := &model.IndicatorValue{
		Indicator: v.Indicator, Region: v.Region, Period: v.Period.String(),
		Value: v.Value, Numerator: v.Numerator, Denominator: v.Denominator,
		IncludesUnapproved: v.IncludesUnapproved, Partial: v.Partial, Withheld: v.Withheld, Published: v.Published,
	}
	missing := make([]*models.Region, 0, len(v.Missing))
	for _, c := range v.Missing {
		if reg := r.Cache.Regions().Get(c); reg != nil {
			missing = append(missing, reg)
		}
	}
	incomplete := make([]*models.Region, 0, len(v.Incomplete))
	for _, c := range v.Incomplete {
		if reg := r.Cache.Regions().Get(c); reg != nil {
			incomplete = append(incomplete, reg)
		}
	}
	out.Completeness = &model.Completeness{Expected: len(v.Expected), Reported: len(v.Reported), Approved: len(v.Approved),
		Incomplete: incomplete, Missing: missing}
	return out
}

func (r *queryResolver) IndicatorValues(ctx context.Context, regionCode string, periodArg string, indicatorCodes []string, includeUnapproved *bool) ([]*model.IndicatorValue, error) {
	p, per, err := principalAndRange(ctx, periodArg)
	if err != nil {
		return nil, err
	}
	var inds []*models.Indicator
	if indicatorCodes != nil {
		cat := r.Cache.Catalogue()
		plan := cat.Current()
		for _, code := range indicatorCodes {
			ind := cat.Indicator(plan.ID, code)
			if ind == nil {
				return nil, apperr.New(apperr.Invalid, msg.UnknownIndicator, "indicator", code).With("field", "indicatorCodes").With("value", code)
			}
			inds = append(inds, ind)
		}
		if len(inds) == 0 {
			return []*model.IndicatorValue{}, nil
		}
	}
	vals, _, err := r.Store.IndicatorValues(ctx, p, store.ValuesQuery{Regions: []string{regionCode}, Periods: []period.Range{per}, Indicators: inds, IncludeUnapproved: boolOr(includeUnapproved)})
	if err != nil {
		return nil, err
	}
	list := vals[store.ValueKey{Region: regionCode, Period: per}]
	out := make([]*model.IndicatorValue, len(list))
	for i, v := range list {
		out[i] = r.present(v)
	}
	return out, nil
}

func (r *queryResolver) Dashboard(ctx context.Context, regionCode string, periodArg string, includeUnapproved *bool) (*model.Dashboard, error) {
	p, per, err := principalAndRange(ctx, periodArg)
	if err != nil {
		return nil, err
	}
	d, err := r.Store.Dashboard(ctx, p, regionCode, per, boolOr(includeUnapproved))
	if err != nil {
		return nil, err
	}
	out := &model.Dashboard{Region: d.Region, Period: per.String(), Columns: d.Columns, Rows: make([]*model.DashboardRow, len(d.Rows))}
	if out.Columns == nil {
		out.Columns = []*models.Region{}
	}
	for i, row := range d.Rows {
		cells := make([]*model.IndicatorValue, len(row.Cells))
		for j, c := range row.Cells {
			cells[j] = r.present(c)
		}
		out.Rows[i] = &model.DashboardRow{Indicator: row.Total.Indicator, Total: r.present(row.Total), Cells: cells}
	}
	return out, nil
}

func (r *queryResolver) TaskRollup(ctx context.Context, regionCode string, periodArg string, includeUnapproved *bool) ([]*model.TaskRollup, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	// A period or a range FROM..TO, both included.
	rng, err := period.ParseRangeArg("period", periodArg)
	if err != nil {
		return nil, err
	}
	list, err := r.Store.TaskRollups(ctx, p, regionCode, rng, boolOr(includeUnapproved))
	if err != nil {
		return nil, err
	}
	out := make([]*model.TaskRollup, len(list))
	for i, t := range list {
		tr := &model.TaskRollup{Task: t.Task, Outputs: []*model.TaskOutputTotal{}, Expected: t.Expected, Reporting: t.Reporting, Done: t.Done,
			DoneWithheld: t.DoneWithheld}
		for _, o := range t.Outputs {
			tr.Outputs = append(tr.Outputs, &model.TaskOutputTotal{Code: o.Code, Unit: o.Unit, Value: o.Value})
		}
		if t.Expected > 0 && !t.DoneWithheld {
			share := float64(t.Done) / float64(t.Expected)
			tr.DoneShare = &share
		}
		out[i] = tr
	}
	return out, nil
}

func (r *indicatorResolver) Values(ctx context.Context, obj *models.Indicator, regionCode string, periods []string, includeUnapproved *bool) ([]*model.IndicatorValue, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	if len(periods) > 40 {
		return nil, apperr.New(apperr.Invalid, msg.TooManyPeriods, "count", len(periods)).With("field", "periods")
	}
	keys := make([]valueKey, len(periods))
	for i, ps := range periods {
		per, err := period.ParseRangeArg("periods", ps)
		if err != nil {
			return nil, err
		}
		keys[i] = valueKey{Region: regionCode, Period: per, Unapproved: boolOr(includeUnapproved)}
	}
	lists, err := loadAll(ctx, l.indicatorValues, keys)
	if err != nil {
		return nil, err
	}
	out := make([]*model.IndicatorValue, 0, len(keys))
	for _, list := range lists {
		if list == nil {
			return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
		}
		v := list.byIndicator[obj.ID]
		if v == nil {
			return nil, fmt.Errorf("indicator %s missing from the roll-up", obj.Code)
		}
		out = append(out, r.present(v))
	}
	return out, nil
}

// Assessment judges the indicator against its target from the approved values of the plan's
// years up to asOf (default: the latest data), their quarters and ranges. See package assess
// for the rule, and assess.FromObservations for what it stands on.
func (r *indicatorResolver) Assessment(ctx context.Context, obj *models.Indicator, regionCode string, asOfArg *string) (*model.Assessment, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	var asOf *period.Period
	if asOfArg != nil {
		p, err := period.ParseArg("asOf", *asOfArg)
		if err != nil {
			return nil, err
		}
		asOf = &p
	}
	plan := r.Cache.Catalogue().PlanByID(obj.PlanID)
	if plan == nil {
		return nil, fmt.Errorf("indicator %s: plan not loaded", obj.Code)
	}
	ind := assess.Indicator{Target: obj.TargetValue, Comparator: obj.Comparator, Direction: obj.Direction,
		TargetYear: obj.TargetYear, BaseYear: plan.StartYear, Cumulative: obj.Cumulative, Bounded: obj.Unit == "%"}
	years := period.Years(plan.StartYear, max(plan.EndYear, obj.TargetYear))
	ranges := assess.Keys(ind, years, asOf)
	keys := make([]valueKey, len(ranges))
	for i, rg := range ranges {
		keys[i] = valueKey{Region: regionCode, Period: rg}
	}
	lists, err := loadAll(ctx, l.indicatorValues, keys)
	if err != nil {
		return nil, err
	}
	byRange := map[period.Range]*store.IndicatorValue{}
	obs := map[period.Range]assess.Observation{}
	for i, list := range lists {
		if list == nil {
			return nil, nil // out of scope: as if it did not exist
		}
		if v := list.byIndicator[obj.ID]; v != nil {
			byRange[ranges[i]] = v
			obs[ranges[i]] = assess.Observation{Value: v.Value, Partial: v.Partial, Expected: len(v.Expected), Approved: len(v.Approved)}
		}
	}
	in, basis := assess.FromObservations(ind, years, asOf, obs)
	res := assess.Assess(in)
	// explanation is in the request's language; explanationEn is English whatever it asked.
	explanation := res.Explanation
	if msg.LangOf(ctx) == msg.En {
		explanation = res.ExplanationEN
	}
	out := &model.Assessment{Status: model.ProgressStatus(res.Status), ProjectedValue: res.Projected, TargetYear: obj.TargetYear,
		Explanation: explanation, ExplanationEn: res.ExplanationEN, YearlyValues: []*model.IndicatorValue{}}
	if basis.AsOf != nil {
		s := basis.AsOf.String()
		out.AsOf = &s
	}
	for _, y := range basis.Judged {
		out.YearlyValues = append(out.YearlyValues, r.present(byRange[period.Single(y)]))
	}
	if res.Current != nil {
		if rg, err := period.ParseRange(res.Current.Label); err == nil && byRange[rg] != nil {
			out.Latest = r.present(byRange[rg])
		}
	}
	return out, nil
}

// principalAndRange is the caller and the period argument of a roll-up query: a period, or a
// range of periods "FROM..TO".
func principalAndRange(ctx context.Context, periodArg string) (*auth.Principal, period.Range, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, period.Range{}, err
	}
	per, err := period.ParseRangeArg("period", periodArg)
	return p, per, err
}

// Gap decomposes the indicator's gap to its target in a region as of asOf (store.Gap and
// package gap define every figure); null for a region outside the caller's line.
func (r *indicatorResolver) Gap(ctx context.Context, obj *models.Indicator, regionCode string, asOfArg *string) (*model.Gap, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	var asOf *period.Period
	if asOfArg != nil {
		per, err := period.ParseArg("asOf", *asOfArg)
		if err != nil {
			return nil, err
		}
		asOf = &per
	}
	g, err := r.Store.Gap(ctx, p, obj, regionCode, asOf)
	if err != nil || g == nil {
		return nil, err
	}
	out := &model.Gap{Indicator: obj, Region: r.Cache.Regions().Get(g.RegionCode), Status: model.GapStatus(g.Status),
		Target: g.Target, Value: g.Value, Numerator: g.Numerator, Denominator: g.Denominator,
		Shortfall: g.Shortfall, RequiredNumerator: g.RequiredNumerator, NumeratorChange: g.NumeratorChange,
		ChildrenWithheld: g.ChildrenWithheld, Children: []*model.GapChild{}, Paragraph: gap.Paragraph(g)}
	if g.Period != "" {
		out.Period = &g.Period
	}
	if note := g.Note(); !note.IsZero() {
		s := msg.Render(ctx, note)
		out.Note = &s
	}
	for _, c := range g.Children {
		out.Children = append(out.Children, &model.GapChild{Region: r.Cache.Regions().Get(c.Code), Value: c.Value,
			Numerator: c.Numerator, Denominator: c.Denominator, Contribution: c.Contribution, Share: c.Share,
			Own: c.Own, Alone: c.Alone, AloneFeasible: c.AloneFeasible})
	}
	return out, nil
}
