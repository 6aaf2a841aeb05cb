package rollupsql

// Test-only entry points: Figures asked for the totals of single elements, or for
// completeness alone, and the statement's plan. They are compiled into the tests, not into
// the service.

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"planapi/db"
	"planapi/period"
)

// WithoutMasks makes Figures describe lists of elements as arrays, as it does when an id is
// too large for a bitmask, whatever the ids.
func WithoutMasks(q FiguresQuery) FiguresQuery {
	q.noMasks = true
	return q
}

// RollupQuery asks for data elements aggregated at targets for periods, each on its own.
type RollupQuery struct {
	PlanID     int64
	Targets    []Target
	Periods    []period.Period
	Statuses   []string
	ElementIDs []int64
}

// ElementTotal is one element's value at one target for one period.
type ElementTotal struct {
	Target    string
	Period    period.Period
	ElementID int64
	Value     *float64
	Regions   int
	Complete  bool
}

// CompletenessQuery asks how complete figures over sets of elements are at targets for
// periods.
type CompletenessQuery struct {
	PlanID   int64
	Targets  []Target
	Periods  []period.Period
	Statuses []string
	Sets     []ElementSet
}

func singles(ps []period.Period) []period.Range {
	out := make([]period.Range, len(ps))
	for i, p := range ps {
		out[i] = period.Single(p)
	}
	return out
}

// elementSets makes a set of each distinct element, so that every region with a value counts.
func elementSets(ids []int64) []ElementSet {
	var out []ElementSet
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, ElementSet{Key: fmt.Sprint(id), ElementIDs: []int64{id}})
		}
	}
	return out
}

// ElementRollup is Figures for sets of one element: for each (target, period, element) in
// the order asked, the value and the number of regions behind it.
func ElementRollup(ctx context.Context, tx *gorm.DB, q RollupQuery) ([]ElementTotal, error) {
	totals, _, err := Figures(ctx, tx, FiguresQuery{PlanID: q.PlanID, Targets: q.Targets, Ranges: singles(q.Periods),
		Statuses: q.Statuses, Sets: elementSets(q.ElementIDs)})
	if err != nil {
		return nil, err
	}
	out := make([]ElementTotal, len(totals))
	for i, t := range totals {
		out[i] = ElementTotal{Target: t.Target, Period: t.Range.From, ElementID: t.ElementID, Value: t.Value,
			Regions: t.Regions, Complete: t.Complete}
	}
	return out, nil
}

// Completeness is Figures for completeness alone.
func Completeness(ctx context.Context, tx *gorm.DB, q CompletenessQuery) ([]Coverage, error) {
	if err := checkRollupArgs(q.Targets, singles(q.Periods), q.Statuses); err != nil {
		return nil, err
	}
	_, coverage, err := Figures(ctx, tx, FiguresQuery{PlanID: q.PlanID, Targets: q.Targets, Ranges: singles(q.Periods),
		CoverageStatuses: q.Statuses, Sets: q.Sets})
	return coverage, err
}

// ExplainElementRollup returns PostgreSQL's plan for the statement with q's arguments
// (EXPLAIN without running it), to see how the roll-up reaches the data under the caller's
// scope.
func ExplainElementRollup(ctx context.Context, tx *gorm.DB, q RollupQuery) ([]string, error) {
	fq := FiguresQuery{PlanID: q.PlanID, Targets: q.Targets, Ranges: singles(q.Periods),
		Statuses: q.Statuses, Sets: elementSets(q.ElementIDs)}
	if err := tx.WithContext(ctx).Where("plan_id = ?", q.PlanID).Find(&fq.Elements).Error; err != nil {
		return nil, fmt.Errorf("explain roll-up: load data elements: %w", err)
	}
	rows, err := db.Query(ctx, tx, `EXPLAIN `+figuresSQL, figuresParams(fq, planFigures(fq)))
	if err != nil {
		return nil, fmt.Errorf("explain roll-up: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, fmt.Errorf("explain roll-up: %w", err)
		}
		lines = append(lines, l)
	}
	return lines, rows.Err()
}

// ExplainAnalyze runs the statement under EXPLAIN ANALYZE.
func ExplainAnalyze(ctx context.Context, tx *gorm.DB, fq FiguresQuery) ([]string, error) {
	if err := figuresSettings(ctx, tx); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, tx, `EXPLAIN (ANALYZE, BUFFERS OFF, TIMING ON) `+figuresSQL, figuresParams(fq, planFigures(fq)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	return lines, rows.Err()
}
