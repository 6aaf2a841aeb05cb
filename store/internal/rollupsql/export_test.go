package rollupsql

// Test-only entry points: Figures asked for totals alone or completeness alone, and the
// statement's plan. They are compiled into the tests, not into the service.

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"planapi/db"
	"planapi/period"
)

// RollupQuery asks for data elements aggregated at targets for periods.
type RollupQuery struct {
	PlanID  int64
	Targets []Target
	Periods []period.Period
	// Statuses are the submission statuses that count: refrollup.Statuses(includeUnapproved),
	// i.e. APPROVED, and SUBMITTED when figures not yet approved are wanted. DRAFT and
	// RETURNED are refused.
	Statuses   []string
	ElementIDs []int64
}

// CompletenessQuery asks how complete figures over sets of elements (an indicator's formula
// each) are at targets for periods.
type CompletenessQuery struct {
	PlanID   int64
	Targets  []Target
	Periods  []period.Period
	Statuses []string // as in RollupQuery
	Sets     []ElementSet
}

// ElementRollup aggregates data elements at every target for every period, as
// refrollup.RollupTotals defines it, in one statement: for each (target, period, element) in
// the order asked, the value and the number of regions behind it. Elements that are not the
// plan's are left out, and an element asked twice is answered once. It runs in tx as it is
// (the caller's transaction, with its scope). It is Figures without sets.
func ElementRollup(ctx context.Context, tx *gorm.DB, q RollupQuery) ([]ElementTotal, error) {
	if err := checkRollupArgs(q.Targets, q.Periods, q.Statuses); err != nil {
		return nil, err
	}
	if len(q.ElementIDs) == 0 {
		return nil, nil
	}
	totals, _, err := Figures(ctx, tx, FiguresQuery{PlanID: q.PlanID, Targets: q.Targets, Periods: q.Periods,
		Statuses: q.Statuses, ElementIDs: q.ElementIDs})
	return totals, err
}

// Completeness says, for every target, period and element set in the order asked, which
// reporting units the figure expects, which reported, which are approved and which are
// missing, as refrollup.Completeness defines it, in one statement. It runs in tx as it is (the
// caller's transaction, with its scope): units outside the scope look missing. It is Figures
// without elements.
func Completeness(ctx context.Context, tx *gorm.DB, q CompletenessQuery) ([]Coverage, error) {
	if err := checkRollupArgs(q.Targets, q.Periods, q.Statuses); err != nil {
		return nil, err
	}
	if len(q.Sets) == 0 {
		return nil, nil
	}
	_, coverage, err := Figures(ctx, tx, FiguresQuery{PlanID: q.PlanID, Targets: q.Targets, Periods: q.Periods,
		CoverageStatuses: q.Statuses, Sets: q.Sets})
	return coverage, err
}

// ExplainElementRollup returns PostgreSQL's plan for ElementRollup's statement with q's
// arguments (EXPLAIN without running it), to see how the roll-up reaches the data under the
// caller's scope.
func ExplainElementRollup(ctx context.Context, tx *gorm.DB, q RollupQuery) ([]string, error) {
	if err := checkRollupArgs(q.Targets, q.Periods, q.Statuses); err != nil {
		return nil, err
	}
	fq := FiguresQuery{PlanID: q.PlanID, Targets: q.Targets, Periods: q.Periods,
		Statuses: q.Statuses, ElementIDs: q.ElementIDs}
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
