package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/lib/pq"
	"gorm.io/gorm"

	"planapi/period"
	"planapi/rollup"
)

// This file is the production path of the roll-up: package rollup defines what a municipal
// figure is, and the two queries here compute the same inside PostgreSQL, each in one
// set-based statement for every target, period and element asked, so that no request ever
// loads a city's raw values into Go. The tests hold both queries to rollup.Rollup and
// rollup.Completeness on random data.
//
// Both run in the caller's transaction and never set the row-level-security scope
// themselves: a caller that can see only its own county gets the roll-up of what it can see.

// Target is a region a roll-up is computed at: its code and its materialised path
// ('410000/419900/'). Its subtree is every region whose path starts with Path.
type Target struct {
	Code string
	Path string
}

// RollupQuery asks for data elements aggregated at targets for periods.
type RollupQuery struct {
	PlanID  int64
	Targets []Target
	Periods []period.Period
	// Statuses are the submission statuses that count: rollup.Statuses(includeUnapproved),
	// i.e. APPROVED, and SUBMITTED when figures not yet approved are wanted. DRAFT and
	// RETURNED are refused.
	Statuses   []string
	ElementIDs []int64
}

// ElementTotal is one element's value at one target for one period.
type ElementTotal struct {
	Target    string // the target's region code
	Period    period.Period
	ElementID int64
	// Value is nil when no region of the subtree has a counted value (for a NONE element:
	// when the target itself has none).
	Value *float64
	// Regions counts the regions whose values make up Value (0 when Value is nil).
	Regions int
	// Complete is false for a year built from fewer than its four quarters (a year to date)
	// in some region; true otherwise, and when there is no value.
	Complete bool
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

// ElementSet is the elements one figure is computed from, under a key of the caller's
// choosing (an indicator code).
type ElementSet struct {
	Key        string
	ElementIDs []int64
}

// Coverage is the completeness of one set's figure at one target for one period, as
// rollup.Completeness defines it. The lists hold region codes, sorted; they are empty,
// never nil.
type Coverage struct {
	Target   string
	Period   period.Period
	Key      string
	Expected []string
	Reported []string
	Approved []string
	Missing  []string
}

func checkRollupArgs(targets []Target, periods []period.Period, statuses []string) error {
	for _, t := range targets {
		// An empty path would make the whole tree one subtree (row-level security still
		// bounds what is read; this guards against a caller that forgot to resolve the region).
		if t.Code == "" || t.Path == "" || !strings.HasSuffix(t.Path, "/") {
			return fmt.Errorf("roll-up target %q has path %q: want a region path ending in /", t.Code, t.Path)
		}
	}
	for _, p := range periods {
		if !p.Valid() {
			return fmt.Errorf("roll-up period %d quarter %d is not a valid period", p.Year, p.Quarter)
		}
	}
	for _, s := range statuses {
		if s != rollup.StatusApproved && s != rollup.StatusSubmitted {
			return fmt.Errorf("roll-up status %q: only APPROVED and SUBMITTED submissions can count", s)
		}
	}
	return nil
}

// rollupParams are the query's arguments, passed as arrays and unnested in SQL so that one
// statement serves every target, period and element.
func rollupParams(planID int64, targets []Target, periods []period.Period, statuses []string) map[string]any {
	codes := make([]string, len(targets))
	paths := make([]string, len(targets))
	for i, t := range targets {
		codes[i], paths[i] = t.Code, t.Path
	}
	years := make([]int64, len(periods))
	quarters := make([]int64, len(periods))
	for i, p := range periods {
		years[i], quarters[i] = int64(p.Year), int64(p.Quarter)
	}
	return map[string]any{
		"plan":     planID,
		"codes":    pq.StringArray(codes),
		"paths":    pq.StringArray(paths),
		"years":    pq.Int64Array(years),
		"quarters": pq.Int64Array(quarters),
		"statuses": pq.StringArray(statuses),
	}
}

// headCTEs are the common head of both queries: the arguments unnested, and the counted
// submissions of the targets' subtrees.
//
// counted finds submissions through submissions_scope_idx (plan_id, period_year, region_path
// text_pattern_ops), one index range scan per root: a target that no other target contains,
// so that the roots' subtrees are disjoint and no submission is read twice. The subtree test
// is the range [path, path without its final '/' followed by '0'), which is exactly the
// paths starting with path since '0' is the byte after '/': unlike LIKE with a pattern from a
// column, a range on ~>=~ and ~<~ is an index condition, and its operators are leakproof, so
// the planner may still use it under the row-level-security policy. roots is MATERIALIZED so
// that the end of the range reaches the scan as a plain value: inlined, left() and || (not
// leakproof) would make the planner keep the upper bound out of the index condition.
const headCTEs = `
targets AS (
	SELECT t.code, t.path, t.ord
	FROM unnest(CAST(@codes AS text[]), CAST(@paths AS text[])) WITH ORDINALITY AS t(code, path, ord)
),
periods AS (
	SELECT p.year::int AS year, p.quarter::int AS quarter, p.ord
	FROM unnest(CAST(@years AS bigint[]), CAST(@quarters AS bigint[])) WITH ORDINALITY AS p(year, quarter, ord)
),
roots AS MATERIALIZED (
	SELECT DISTINCT t.path, left(t.path, -1) || '0' AS path_end FROM targets t
	WHERE NOT EXISTS (SELECT 1 FROM targets o WHERE o.path <> t.path AND starts_with(t.path, o.path))
),
counted AS (
	-- Counted submissions of the subtrees in the years asked, each with every period asked
	-- that contains it; exact marks the one that is the period itself (a quarter asked, or a
	-- year's yearly submission, which overrides its quarters).
	SELECT s.id, s.region_code AS code, s.region_path, s.period_quarter, s.status, p.ord AS pord,
		s.period_quarter = p.quarter AS exact
	FROM roots r
	JOIN submissions s ON s.plan_id = @plan AND s.period_year = ANY (CAST(@years AS int[]))
		AND s.region_path ~>=~ r.path AND s.region_path ~<~ r.path_end
	JOIN periods p ON p.year = s.period_year AND (p.quarter = 0 OR p.quarter = s.period_quarter)
	WHERE s.status = ANY (CAST(@statuses AS text[]))
)`

// elementRollupSQL computes rollup.RollupTotals for every target × period × element:
//
//	requested  the elements asked, with their rules and their weight element
//	needed     those elements plus the weights they need
//	per_region time aggregation, one value per (region, element, period asked): the exact
//	           submission's value (a quarter, or the yearly one), else SUM / AVERAGE / LAST
//	           over the quarters present
//	by_target  region aggregation per (target, period, element) over the regions whose
//	           path starts with the target's: SUM, MIN, MAX, AVERAGE (weighted by the
//	           weight element's per-region value when the element names one), NONE (the
//	           target's own value only)
//
// and returns every combination asked, in the order asked, with a NULL value where there is
// no data.
const elementRollupSQL = `WITH ` + headCTEs + `,
requested AS (
	SELECT e.id, e.region_rule, e.time_rule, r.ord,
		e.region_rule = 'AVERAGE' AND e.weight_code <> '' AS weighted, w.id AS weight_id
	FROM unnest(CAST(@elements AS bigint[])) WITH ORDINALITY AS r(id, ord)
	JOIN data_elements e ON e.id = r.id AND e.plan_id = @plan
	LEFT JOIN data_elements w ON e.region_rule = 'AVERAGE' AND w.plan_id = e.plan_id AND w.code = e.weight_code
),
needed AS (
	SELECT id, time_rule FROM requested
	UNION
	SELECT w.id, w.time_rule FROM requested r JOIN data_elements w ON w.id = r.weight_id
),
per_region AS (
	SELECT c.region_path, v.element_id, c.pord,
		coalesce(
			max(v.value) FILTER (WHERE c.exact),
			CASE n.time_rule
				WHEN 'SUM' THEN sum(v.value)
				WHEN 'AVERAGE' THEN avg(v.value)
				WHEN 'LAST' THEN (array_agg(v.value ORDER BY c.period_quarter DESC))[1]
			END) AS value,
		-- The value covers its whole period: the exact submission (the quarter asked, a year's
		-- yearly submission), or all four quarters of a year.
		bool_or(c.exact) OR count(DISTINCT c.period_quarter) = 4 AS complete
	FROM counted c
	JOIN data_values v ON v.submission_id = c.id
	JOIN needed n ON n.id = v.element_id
	GROUP BY c.region_path, v.element_id, c.pord, n.time_rule
),
by_target AS (
	SELECT t.ord AS tord, x.pord, q.id AS element_id,
		CASE q.region_rule
			WHEN 'SUM' THEN sum(x.value)
			WHEN 'MIN' THEN min(x.value)
			WHEN 'MAX' THEN max(x.value)
			WHEN 'NONE' THEN max(x.value)
			WHEN 'AVERAGE' THEN CASE WHEN q.weighted
				THEN sum(x.value * w.value) / nullif(sum(w.value), 0)
				ELSE avg(x.value) END
		END AS value,
		count(*) AS regions,
		bool_and(x.complete) AS complete
	FROM targets t
	JOIN per_region x ON starts_with(x.region_path, t.path)
	JOIN requested q ON q.id = x.element_id
	LEFT JOIN per_region w ON q.weighted AND w.element_id = q.weight_id
		AND w.region_path = x.region_path AND w.pord = x.pord
	WHERE (q.region_rule <> 'NONE' OR x.region_path = t.path)
		AND (NOT q.weighted OR w.value IS NOT NULL)
	GROUP BY t.ord, x.pord, q.id, q.region_rule, q.weighted
)
SELECT t.code AS target, p.year, p.quarter, q.id AS element_id, b.value,
	CASE WHEN b.value IS NULL THEN 0 ELSE b.regions END AS regions,
	coalesce(b.complete, true) AS complete
FROM targets t
CROSS JOIN periods p
CROSS JOIN requested q
LEFT JOIN by_target b ON b.tord = t.ord AND b.pord = p.ord AND b.element_id = q.id
ORDER BY t.ord, p.ord, q.ord`

// ElementRollup aggregates data elements at every target for every period, as
// rollup.RollupTotals defines it, in one statement: for each (target, period, element) in
// the order asked, the value and the number of regions behind it. Elements that are not the
// plan's are left out, and an element asked twice is answered once. It runs in tx as it is
// (the caller's transaction, with its scope).
func ElementRollup(ctx context.Context, tx *gorm.DB, q RollupQuery) ([]ElementTotal, error) {
	if err := checkRollupArgs(q.Targets, q.Periods, q.Statuses); err != nil {
		return nil, err
	}
	if len(q.Targets) == 0 || len(q.Periods) == 0 || len(q.ElementIDs) == 0 {
		return nil, nil
	}
	args := rollupParams(q.PlanID, q.Targets, q.Periods, q.Statuses)
	args["elements"] = pq.Int64Array(distinct(q.ElementIDs))
	var rows []struct {
		Target    string
		Year      int
		Quarter   int
		ElementID int64
		Value     *float64
		Regions   int
		Complete  bool
	}
	if err := tx.WithContext(ctx).Raw(elementRollupSQL, args).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("roll up %d elements at %d regions for %d periods: %w",
			len(q.ElementIDs), len(q.Targets), len(q.Periods), err)
	}
	out := make([]ElementTotal, len(rows))
	for i, r := range rows {
		out[i] = ElementTotal{
			Target: r.Target, Period: period.Period{Year: r.Year, Quarter: r.Quarter},
			ElementID: r.ElementID, Value: r.Value, Regions: r.Regions, Complete: r.Complete,
		}
	}
	return out, nil
}

// completenessSQL computes rollup.Completeness for every target × period × set:
//
//	set_elements the sets' elements with the level each is collected at
//	expected     per (target, set): the subtree's regions at one of the set's levels
//	per_element  per (unit, period, element): whether the submissions the time roll-up
//	             reads (the exact one if any, else the quarters) are all APPROVED
//	per_unit     per (target, set, period, unit): reported (some element present) and
//	             approved (and every contributing submission APPROVED)
const completenessSQL = `WITH ` + headCTEs + `,
subtree AS (
	SELECT DISTINCT g.code, g.path, g.level
	FROM targets t
	JOIN regions g ON g.path ~>=~ t.path AND g.path ~<~ (left(t.path, -1) || '0')
),
sets AS (
	SELECT s.key, s.ord FROM unnest(CAST(@keys AS text[])) WITH ORDINALITY AS s(key, ord)
),
set_elements AS (
	SELECT DISTINCT x.sord, e.id AS element_id, e.collected_at
	FROM unnest(CAST(@set_ords AS bigint[]), CAST(@set_elements AS bigint[])) AS x(sord, element_id)
	JOIN data_elements e ON e.id = x.element_id AND e.plan_id = @plan
),
expected AS (
	SELECT DISTINCT t.ord AS tord, l.sord, g.code
	FROM targets t
	JOIN subtree g ON starts_with(g.path, t.path)
	JOIN set_elements l ON l.collected_at = g.level
),
per_element AS (
	SELECT c.code, c.pord, v.element_id,
		CASE WHEN bool_or(c.exact)
			THEN bool_and(c.status = 'APPROVED') FILTER (WHERE c.exact)
			ELSE bool_and(c.status = 'APPROVED') END AS approved
	FROM counted c
	JOIN data_values v ON v.submission_id = c.id
	WHERE v.element_id IN (SELECT element_id FROM set_elements)
	GROUP BY c.code, c.pord, v.element_id
),
per_unit AS (
	SELECT x.tord, x.sord, p.ord AS pord, x.code,
		count(u.element_id) > 0 AS reported,
		coalesce(bool_and(u.approved), false) AS approved
	FROM expected x
	CROSS JOIN periods p
	JOIN set_elements l ON l.sord = x.sord
	LEFT JOIN per_element u ON u.code = x.code AND u.pord = p.ord AND u.element_id = l.element_id
	GROUP BY x.tord, x.sord, p.ord, x.code
)
SELECT t.code AS target, p.year, p.quarter, s.key,
	coalesce(array_agg(u.code ORDER BY u.code) FILTER (WHERE u.code IS NOT NULL), '{}') AS expected,
	coalesce(array_agg(u.code ORDER BY u.code) FILTER (WHERE u.reported), '{}') AS reported,
	coalesce(array_agg(u.code ORDER BY u.code) FILTER (WHERE u.approved), '{}') AS approved,
	coalesce(array_agg(u.code ORDER BY u.code) FILTER (WHERE NOT u.reported), '{}') AS missing
FROM targets t
CROSS JOIN periods p
CROSS JOIN sets s
LEFT JOIN per_unit u ON u.tord = t.ord AND u.pord = p.ord AND u.sord = s.ord
GROUP BY t.ord, t.code, p.ord, p.year, p.quarter, s.ord, s.key
ORDER BY t.ord, p.ord, s.ord`

// Completeness says, for every target, period and element set in the order asked, which
// reporting units the figure expects, which reported, which are approved and which are
// missing, as rollup.Completeness defines it, in one statement. It runs in tx as it is (the
// caller's transaction, with its scope): units outside the scope look missing.
func Completeness(ctx context.Context, tx *gorm.DB, q CompletenessQuery) ([]Coverage, error) {
	if err := checkRollupArgs(q.Targets, q.Periods, q.Statuses); err != nil {
		return nil, err
	}
	if len(q.Targets) == 0 || len(q.Periods) == 0 || len(q.Sets) == 0 {
		return nil, nil
	}
	args := rollupParams(q.PlanID, q.Targets, q.Periods, q.Statuses)
	keys := make([]string, len(q.Sets))
	var ords, ids []int64
	for i, s := range q.Sets {
		keys[i] = s.Key
		for _, id := range s.ElementIDs {
			ords = append(ords, int64(i+1))
			ids = append(ids, id)
		}
	}
	args["keys"] = pq.StringArray(keys)
	args["set_ords"] = pq.Int64Array(ords)
	args["set_elements"] = pq.Int64Array(ids)
	var rows []struct {
		Target   string
		Year     int
		Quarter  int
		Key      string
		Expected pq.StringArray `gorm:"type:text[]"`
		Reported pq.StringArray `gorm:"type:text[]"`
		Approved pq.StringArray `gorm:"type:text[]"`
		Missing  pq.StringArray `gorm:"type:text[]"`
	}
	if err := tx.WithContext(ctx).Raw(completenessSQL, args).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("completeness of %d figures at %d regions for %d periods: %w",
			len(q.Sets), len(q.Targets), len(q.Periods), err)
	}
	out := make([]Coverage, len(rows))
	for i, r := range rows {
		out[i] = Coverage{
			Target: r.Target, Period: period.Period{Year: r.Year, Quarter: r.Quarter}, Key: r.Key,
			Expected: nonNil(r.Expected), Reported: nonNil(r.Reported),
			Approved: nonNil(r.Approved), Missing: nonNil(r.Missing),
		}
	}
	return out, nil
}

// distinct drops repeated ids, keeping the first: an element joined twice would count its
// regions twice.
func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ExplainElementRollup returns PostgreSQL's plan for ElementRollup's statement with q's
// arguments (EXPLAIN without running it), to see how the roll-up reaches the data under the
// caller's scope.
func ExplainElementRollup(ctx context.Context, tx *gorm.DB, q RollupQuery) ([]string, error) {
	if err := checkRollupArgs(q.Targets, q.Periods, q.Statuses); err != nil {
		return nil, err
	}
	args := rollupParams(q.PlanID, q.Targets, q.Periods, q.Statuses)
	args["elements"] = pq.Int64Array(distinct(q.ElementIDs))
	var lines []string
	if err := tx.WithContext(ctx).Raw(`EXPLAIN `+elementRollupSQL, args).Scan(&lines).Error; err != nil {
		return nil, fmt.Errorf("explain roll-up: %w", err)
	}
	return lines, nil
}
