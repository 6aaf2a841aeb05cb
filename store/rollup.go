package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lib/pq"
	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/models"
	"planapi/period"
	"planapi/rollup"
)

// This file is the production path of the roll-up: package rollup defines what a municipal
// figure is, and Figures computes the same inside PostgreSQL, in one set-based statement
// (figuresSQL) for every target, period, element and element set asked, so that no request
// ever loads a city's raw values into Go. The tests hold it to rollup.RollupTotals and
// rollup.Completeness on random data.
//
// The work is split by what it is about: what follows from the catalogue alone (each
// element's rules, which elements matter at which kind of region, which sets a unit
// reported) is worked out in Go from the plan's data elements (figuresPlan) and passed to
// the statement as arrays; the statement reads and aggregates the submitted values.
//
// It runs in the caller's transaction and never sets the row-level-security scope itself: a
// caller that can see only its own county gets the roll-up of what it can see.

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

// FiguresQuery asks for both at once: element totals (as RollupQuery) and the completeness
// of element sets (as CompletenessQuery) at the same targets for the same periods. The two
// may count different statuses: IndicatorValues counts only APPROVED values unless asked
// otherwise, but always shows SUBMITTED figures as reported.
type FiguresQuery struct {
	PlanID  int64
	Targets []Target
	Periods []period.Period
	// Statuses count for the totals, CoverageStatuses for completeness; see
	// RollupQuery.Statuses.
	Statuses         []string
	ElementIDs       []int64
	CoverageStatuses []string
	Sets             []ElementSet
	// Elements are the plan's data elements, for their rules (IndicatorValues passes the
	// catalogue cache's, which leaves retired elements out); nil reads them from
	// data_elements in the caller's transaction. Elements asked that are not among them are
	// left out, and so is a weight that is not.
	Elements []*models.DataElement
}

func checkRollupArgs(targets []Target, periods []period.Period, statuses ...[]string) error {
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
	for _, list := range statuses {
		for _, s := range list {
			if s != rollup.StatusApproved && s != rollup.StatusSubmitted {
				return fmt.Errorf("roll-up status %q: only APPROVED and SUBMITTED submissions can count", s)
			}
		}
	}
	return nil
}

// Figures computes element totals, as rollup.RollupTotals defines them, and the completeness
// of element sets, as rollup.Completeness defines it, at every target for every period, in
// one statement. Totals come for each (target, period, element) in the order asked, with the
// value and the number of regions behind it; elements that are not the plan's are left out,
// and an element asked twice is answered once. Coverage comes for each (target, period, set)
// in the order asked: which reporting units the figure expects, which reported, which are
// approved and which are missing (units outside the scope look missing). It runs in tx as it
// is: the caller's transaction, with its scope; it sets two planner settings for the rest of
// that transaction (figuresSettings).
func Figures(ctx context.Context, tx *gorm.DB, q FiguresQuery) ([]ElementTotal, []Coverage, error) {
	if err := checkRollupArgs(q.Targets, q.Periods, q.Statuses, q.CoverageStatuses); err != nil {
		return nil, nil, err
	}
	if len(q.Targets) == 0 || len(q.Periods) == 0 || (len(q.ElementIDs) == 0 && len(q.Sets) == 0) {
		return nil, nil, nil
	}
	fail := func(err error) ([]ElementTotal, []Coverage, error) {
		return nil, nil, fmt.Errorf("roll up %d elements and %d figures at %d regions for %d periods: %w",
			len(q.ElementIDs), len(q.Sets), len(q.Targets), len(q.Periods), err)
	}
	if q.Elements == nil {
		if err := tx.WithContext(ctx).Where("plan_id = ?", q.PlanID).Find(&q.Elements).Error; err != nil {
			return fail(fmt.Errorf("load data elements: %w", err))
		}
	}
	p := planFigures(q)
	if err := figuresSettings(ctx, tx); err != nil {
		return fail(err)
	}
	// Run on the transaction's connection directly: gorm's Raw would parse this long text for
	// its named parameters on every call, and its Scan reflect on every row.
	rows, err := tx.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, figuresStatement.sql,
		figuresStatement.args(figuresParams(q, p))...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()

	var totals []ElementTotal
	expected := make([]map[int64][]string, len(q.Targets)) // by target and sig
	units := make([][][]unitClass, len(q.Targets))         // by target and period
	for i := range q.Targets {
		expected[i] = map[int64][]string{}
		units[i] = make([][]unitClass, len(q.Periods))
	}
	// tord and pord are 1-based positions in q.Targets and q.Periods (for kind 3, pord is the
	// position in p.sigs); codes are comma-separated region codes, sorted.
	for rows.Next() {
		var (
			kind, tord   int
			pord         int64
			level, codes sql.NullString
			a, b         pq.Int64Array
			vals         pq.Float64Array
			completes    pq.BoolArray
		)
		if err := rows.Scan(&kind, &tord, &pord, &level, &codes, &a, &b, &vals, &completes); err != nil {
			return fail(err)
		}
		switch kind {
		case 1:
			for i, id := range a {
				t := ElementTotal{Target: q.Targets[tord-1].Code, Period: q.Periods[pord-1], ElementID: id,
					Regions: int(b[i]), Complete: completes[i]}
				if t.Regions > 0 {
					t.Value = &vals[i]
				}
				totals = append(totals, t)
			}
		case 2:
			units[tord-1][pord-1] = append(units[tord-1][pord-1],
				p.classify(catalogue.Level(level.String), a, b, splitCodes(codes)))
		case 3:
			expected[tord-1][pord] = splitCodes(codes)
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if len(q.Sets) == 0 {
		return totals, nil, nil
	}
	coverage := make([]Coverage, 0, len(q.Targets)*len(q.Periods)*len(q.Sets))
	for ti, t := range q.Targets {
		for pi, per := range q.Periods {
			classes := units[ti][pi]
			merged := map[string][]string{} // by the classes merged, so that equal lists are shared
			for si, set := range q.Sets {
				c := Coverage{Target: t.Code, Period: per, Key: set.Key,
					Expected: nonNil(expected[ti][int64(p.sets[si].sig)])}
				c.Reported = mergeClasses(classes, merged, func(u unitClass) bool { return u.reported[si] }, "r")
				c.Approved = mergeClasses(classes, merged, func(u unitClass) bool { return u.approved[si] }, "a")
				c.Missing = missing(c.Expected, c.Reported)
				coverage = append(coverage, c)
			}
		}
	}
	return totals, coverage, nil
}

// figuresSettings sets two planner settings for figuresSQL, local to the caller's
// transaction (they last until it ends):
//   - plan_cache_mode: planning the statement takes longer (3 to 8 ms) than running it for a
//     city, and its plan does not depend on the arguments: the LATERAL index lookups and
//     OFFSET 0 fences fix its shape, and the row estimates it would be planned with are
//     guesses anyway. So the prepared statement (the driver caches it per connection) keeps
//     one generic plan instead of being planned again for every request.
//   - jit: the generic plan's estimated cost is above jit_above_cost, and compiling its
//     hundreds of expressions takes 300 ms, far more than running them.
func figuresSettings(ctx context.Context, tx *gorm.DB) error {
	if err := tx.WithContext(ctx).Exec(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
		set_config('jit', 'off', true)`).Error; err != nil {
		return fmt.Errorf("roll-up settings: %w", err)
	}
	return nil
}

// ElementRollup aggregates data elements at every target for every period, as
// rollup.RollupTotals defines it, in one statement: for each (target, period, element) in
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
// missing, as rollup.Completeness defines it, in one statement. It runs in tx as it is (the
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
	rows, err := tx.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, `EXPLAIN `+figuresStatement.sql,
		figuresStatement.args(figuresParams(fq, planFigures(fq)))...)
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

// levels are the levels of the region tree (the regions table allows these), each a kind of
// region for figuresPlan.
var levels = []catalogue.Level{catalogue.Nation, catalogue.Province, catalogue.City, catalogue.County}

// figuresPlan is what the catalogue says about a FiguresQuery, worked out in Go by
// planFigures and passed to figuresSQL by figuresParams.
type figuresPlan struct {
	requested []requestedElement // the elements asked that are the plan's, each once, in order
	read      []int64            // every element whose values are read: requested, weights, set elements
	timeRules []string           // read's time rules
	weighting []int64            // the weighted elements asked and their weights
	classes   []regionClass
	sets      []setPlan // by set position
	sigs      [][]string
}

type requestedElement struct {
	id         int64
	regionRule string
	weighted   bool  // a regional AVERAGE with a weight (rollup.AggregateRegions)
	weightID   int64 // its weight element, 0 when the plan has none of that code
}

// regionClass is one kind of region, by level and by whether it is a target, and which of
// the read elements are relevant there, i.e. can change a figure asked. An element's values
// are relevant to the totals at every region of a subtree (any rule but NONE, and weights),
// except a NONE element's, which only the target itself contributes; they are relevant to
// completeness at the levels of the sets that hold the element. figuresSQL reads a region's
// quarters only for the relevant elements its exact submission lacks: irrelevant lists the
// read elements that are not relevant, n counts those that are, and needsValue and
// needsCoverage say whether any is relevant to the totals, to completeness.
type regionClass struct {
	level                     catalogue.Level
	target                    bool
	irrelevant                []int64
	n                         int
	needsValue, needsCoverage bool
}

type setPlan struct {
	elements map[int64]bool
	levels   map[catalogue.Level]bool
	sig      int // position in figuresPlan.sigs of its sorted levels (1-based), 0 for none
}

// planFigures works out q's plan from q.Elements: elements that are not the plan's are left
// out, an element asked twice is answered once.
func planFigures(q FiguresQuery) figuresPlan {
	byID := make(map[int64]*models.DataElement, len(q.Elements))
	byCode := make(map[string]*models.DataElement, len(q.Elements))
	for _, e := range q.Elements {
		if e.PlanID == q.PlanID {
			byID[e.ID], byCode[e.Code] = e, e
		}
	}
	var p figuresPlan
	readSet := map[int64]bool{}
	addRead := func(id int64) {
		if !readSet[id] {
			readSet[id] = true
			p.read = append(p.read, id)
			p.timeRules = append(p.timeRules, byID[id].TimeRule)
		}
	}
	// Relevance to the totals: anywhere, or at the target only (NONE).
	anywhere, atTarget := map[int64]bool{}, map[int64]bool{}
	for _, id := range distinct(q.ElementIDs) {
		e := byID[id]
		if e == nil {
			continue
		}
		r := requestedElement{id: id, regionRule: e.RegionRule,
			weighted: e.RegionRule == string(catalogue.RegionAverage) && e.WeightCode != ""}
		if w := byCode[e.WeightCode]; r.weighted && w != nil {
			r.weightID = w.ID
			p.weighting = append(p.weighting, id, w.ID)
			addRead(w.ID)
			anywhere[w.ID] = true
		}
		p.requested = append(p.requested, r)
		addRead(id)
		if e.RegionRule == string(catalogue.RegionNone) {
			atTarget[id] = true
		} else {
			anywhere[id] = true
		}
	}
	// Relevance to completeness, by level; each set's levels, and the distinct lists of them.
	cov := map[catalogue.Level]map[int64]bool{}
	sigs := map[string]int{}
	for _, s := range q.Sets {
		sp := setPlan{elements: map[int64]bool{}, levels: map[catalogue.Level]bool{}}
		for _, id := range s.ElementIDs {
			if e := byID[id]; e != nil {
				sp.elements[id] = true
				sp.levels[catalogue.Level(e.CollectedAt)] = true
				addRead(id)
			}
		}
		var ls []string
		for l := range sp.levels {
			ls = append(ls, string(l))
			if cov[l] == nil {
				cov[l] = map[int64]bool{}
			}
			for id := range sp.elements {
				cov[l][id] = true
			}
		}
		if len(ls) > 0 {
			slices.Sort(ls)
			key := strings.Join(ls, ",")
			if sigs[key] == 0 {
				p.sigs = append(p.sigs, ls)
				sigs[key] = len(p.sigs)
			}
			sp.sig = sigs[key]
		}
		p.sets = append(p.sets, sp)
	}
	for _, l := range levels {
		for _, target := range []bool{false, true} {
			c := regionClass{level: l, target: target}
			for _, id := range p.read {
				forValue := anywhere[id] || (target && atTarget[id])
				forCoverage := cov[l][id]
				c.needsValue = c.needsValue || forValue
				c.needsCoverage = c.needsCoverage || forCoverage
				if forValue || forCoverage {
					c.n++
				} else {
					c.irrelevant = append(c.irrelevant, id)
				}
			}
			p.classes = append(p.classes, c)
		}
	}
	return p
}

// unitClass is the reporting units of a target's subtree, for one period, that reported the
// same sets and are approved for the same sets, by set position.
type unitClass struct {
	codes              []string // sorted
	reported, approved []bool
}

// classify works out which sets units at the level reported, having reported the elements
// (a contributing submission for each) and of them unapproved (some contributing submission
// not APPROVED): the sets with an element among them, if they expect units at that level,
// and approved the sets none of whose reported elements is unapproved.
func (p figuresPlan) classify(level catalogue.Level, reported, unapproved []int64, codes []string) unitClass {
	u := unitClass{codes: codes, reported: make([]bool, len(p.sets)), approved: make([]bool, len(p.sets))}
	for i, s := range p.sets {
		if !s.levels[level] {
			continue
		}
		for _, id := range reported {
			u.reported[i] = u.reported[i] || s.elements[id]
		}
		u.approved[i] = u.reported[i]
		for _, id := range unapproved {
			u.approved[i] = u.approved[i] && !s.elements[id]
		}
	}
	return u
}

// mergeClasses returns the sorted codes of the classes that match, merging their lists (each
// sorted, and disjoint). merged caches the results by the classes taken (and tag).
func mergeClasses(classes []unitClass, merged map[string][]string, match func(unitClass) bool, tag string) []string {
	key := []byte(tag)
	var lists [][]string
	for i, u := range classes {
		if match(u) {
			key = strconv.AppendInt(append(key, ','), int64(i), 10)
			lists = append(lists, u.codes)
		}
	}
	switch len(lists) {
	case 0:
		return []string{}
	case 1:
		return lists[0]
	}
	if out, ok := merged[string(key)]; ok {
		return out
	}
	out := lists[0]
	for _, l := range lists[1:] {
		out = mergeSorted(out, l)
	}
	merged[string(key)] = out
	return out
}

func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// missing returns the expected units that did not report, in expected's order. Both lists
// are sorted (byte order, as COLLATE "C" in figuresSQL) and reported is a subset of expected.
func missing(expected, reported []string) []string {
	if len(reported) == len(expected) {
		return []string{}
	}
	out := make([]string, 0, len(expected)-len(reported))
	j := 0
	for _, code := range expected {
		if j < len(reported) && reported[j] == code {
			j++
			continue
		}
		out = append(out, code)
	}
	return out
}

func splitCodes(s sql.NullString) []string {
	if !s.Valid || s.String == "" {
		return []string{}
	}
	return strings.Split(s.String, ",")
}

// figuresParams are the statement's arguments, passed as arrays and unnested in SQL so that
// one statement serves every target, period, element and set.
func figuresParams(q FiguresQuery, p figuresPlan) map[string]any {
	codes := make([]string, len(q.Targets))
	paths := make([]string, len(q.Targets))
	for i, t := range q.Targets {
		codes[i], paths[i] = t.Code, t.Path
	}
	years := make([]int64, len(q.Periods))
	quarters := make([]int64, len(q.Periods))
	for i, per := range q.Periods {
		years[i], quarters[i] = int64(per.Year), int64(per.Quarter)
	}
	var ids, weights []int64
	var rules []string
	var weighted []bool
	for _, r := range p.requested {
		ids, rules, weighted, weights = append(ids, r.id), append(rules, r.regionRule),
			append(weighted, r.weighted), append(weights, r.weightID)
	}
	var cLevels, cIrrelevant []string
	var cTargets, cValue, cCoverage []bool
	var cN []int64
	for _, c := range p.classes {
		cLevels = append(cLevels, string(c.level))
		cTargets = append(cTargets, c.target)
		cIrrelevant = append(cIrrelevant, arrayLiteral(c.irrelevant))
		cN = append(cN, int64(c.n))
		cValue = append(cValue, c.needsValue)
		cCoverage = append(cCoverage, c.needsCoverage)
	}
	var sigs []string
	for _, s := range p.sigs {
		sigs = append(sigs, "{"+strings.Join(s, ",")+"}")
	}
	// Plain slices, which pgx sends as arrays (never nil, which it would send as NULL).
	return map[string]any{
		"plan":             q.PlanID,
		"codes":            codes,
		"paths":            paths,
		"years":            years,
		"quarters":         quarters,
		"statuses":         nonNil(q.Statuses),
		"cstatuses":        nonNil(q.CoverageStatuses),
		"some_statuses":    union(q.Statuses, q.CoverageStatuses),
		"elements":         nonNilInts(ids),
		"rules":            nonNil(rules),
		"weighted":         append([]bool{}, weighted...),
		"weights":          nonNilInts(weights),
		"weighting":        nonNilInts(p.weighting),
		"read":             nonNilInts(p.read),
		"time_rules":       nonNil(p.timeRules),
		"class_levels":     cLevels,
		"class_targets":    cTargets,
		"class_irrelevant": cIrrelevant,
		"class_n":          cN,
		"class_value":      cValue,
		"class_coverage":   cCoverage,
		"sigs":             nonNil(sigs),
	}
}

func arrayLiteral(ids []int64) string {
	b := []byte{'{'}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, '}'))
}

// statement is SQL text written with named parameters (@name), turned once into
// PostgreSQL's positional ones ($1), with the names in order.
type statement struct {
	sql   string
	names []string
}

var namedParam = regexp.MustCompile(`@[a-z_]+`)

func positional(text string) statement {
	var st statement
	pos := map[string]int{}
	st.sql = namedParam.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1:]
		if pos[name] == 0 {
			st.names = append(st.names, name)
			pos[name] = len(st.names)
		}
		return "$" + strconv.Itoa(pos[name])
	})
	return st
}

// args orders params for the statement; every name must be there.
func (st statement) args(params map[string]any) []any {
	out := make([]any, len(st.names))
	for i, name := range st.names {
		v, ok := params[name]
		if !ok {
			panic("store: no value for parameter @" + name)
		}
		out[i] = v
	}
	return out
}

var figuresStatement = positional(figuresSQL)

// figuresSQL computes rollup.RollupTotals for every target × period × element asked, and
// rollup.Completeness for every target × period × set asked, in one statement that reads
// each value it needs once. Its shape, and why:
//
// The expensive part is reading data_values (a national year is ~16,000 submissions and
// ~520,000 values), so the statement reads as little as the definitions allow, always by
// index, and works per region or by hashing after that. It never joins two large
// intermediate results: with array parameters, CTEs and the row-level-security filter
// (whose selectivity PostgreSQL takes to be a constant 0.5%) the planner's row estimates are
// guesses, often rows=1, and a nested loop between two sets of 100,000 rows is what made
// the earlier version of these queries take minutes. LATERAL subqueries (with OFFSET 0 where
// the planner could otherwise flatten them) fix the shape where it matters, which is also why
// one generic plan serves every call (see figuresSettings).
//
//  1. rp: one row per region and period asked that has counted submissions (a status counted
//     for the totals or for completeness), found by index range scans on
//     submissions_scope_idx, one per root target. It holds the exact submission, the one
//     of the period itself: the quarter asked, or a year's yearly submission, which
//     overrides its quarters. tords lists the targets whose subtree holds the region (a
//     few: a dashboard's region and one of its children), owns whether it is that target,
//     so that the values are later assigned to targets by these small arrays rather than by
//     a prefix test of every value against every target.
//  2. ex: each region's exact submission, read by one index scan of data_values into arrays.
//     Unless the region is full (no exact submission, or one whose status does not count
//     for what the region needs), the exact values are final for the elements it holds, and
//     its quarters matter only for the relevant elements it lacks (classes: see
//     regionClass). At national scale that is nothing for a county, which holds every
//     county element yearly: four fifths of the data are never read.
//  3. quarters: the regions whose quarters can matter, and only those, read their year's
//     quarterly submissions (found by index) and aggregate per element over time as
//     rollup.AggregateTime does: the exact value, else SUM / AVERAGE / LAST over the
//     quarters present; whether that covers the whole period (complete); and for
//     completeness whether the element was reported and whether every submission the time
//     roll-up reads is APPROVED. A full region aggregates every element, its exact values
//     included; the others only the elements their exact submission lacks, each looked up
//     by index in each quarterly submission when fewer are lacking than the exact
//     submission holds, else read with the rest and filtered. The results stay with the
//     region as arrays.
//  4. by_target: the region aggregation of rollup.AggregateRegions per (target, period,
//     element), for every rule; totals picks the element's. own holds the targets' own
//     values (NONE). weighted pairs each region's value with its weight for a weighted
//     average, reading only those elements, and only when one is asked.
//  5. Completeness: unit_elements lists per unit the elements it reported and those not all
//     approved; reported groups the units of each target with the same lists, so that
//     Figures works out once per group which sets they reported (classify); expected lists
//     each target's regions at a set's levels, once per distinct list of levels (sigs).
//     Lists of region codes come back comma-separated (codes are six digits), sorted.
//
// The result is, for every target and period, the totals of the elements asked, as arrays in
// the order asked (kind 1: element ids, regions, values and complete flags; no value where
// regions is 0), then the reporting units by target, period and element lists (kind 2), then
// the expected units by target and list of levels (kind 3).
const figuresSQL = `WITH
targets AS (
	SELECT t.code, t.path, t.ord
	FROM unnest(CAST(@codes AS text[]), CAST(@paths AS text[])) WITH ORDINALITY AS t(code, path, ord)
),
periods AS (
	SELECT p.year::int AS year, p.quarter::int AS quarter, p.ord
	FROM unnest(CAST(@years AS bigint[]), CAST(@quarters AS bigint[])) WITH ORDINALITY AS p(year, quarter, ord)
),
-- The roots are the targets no other target contains, so that their subtrees are disjoint and
-- no submission is read twice. The subtree test is the range [path, path without its final
-- '/' followed by '0'), which is exactly the paths starting with path since '0' is the byte
-- after '/': unlike LIKE with a pattern from a column, a range on ~>=~ and ~<~ is an index
-- condition, and its operators are leakproof, so the planner may still use it under the
-- row-level-security policy. MATERIALIZED so that the end of the range reaches the scan as a
-- plain value: inlined, left() and || (not leakproof) would keep it out of the index condition.
roots AS MATERIALIZED (
	SELECT DISTINCT t.path, left(t.path, -1) || '0' AS path_end FROM targets t
	WHERE NOT EXISTS (SELECT 1 FROM targets o WHERE o.path <> t.path AND starts_with(t.path, o.path))
),
-- The caller's plan (see figuresPlan): the elements asked with their region rules and
-- weights, and the kinds of region.
requested AS MATERIALIZED (
	SELECT r.id, r.region_rule, r.weighted, r.weight_id, r.ord
	FROM unnest(CAST(@elements AS bigint[]), CAST(@rules AS text[]), CAST(@weighted AS boolean[]),
		CAST(@weights AS bigint[])) WITH ORDINALITY AS r(id, region_rule, weighted, weight_id, ord)
),
classes AS MATERIALIZED (
	SELECT c.level, c.is_target, CAST(c.irrelevant AS bigint[]) AS irrelevant, c.n,
		c.needs_value, c.needs_coverage
	FROM unnest(CAST(@class_levels AS text[]), CAST(@class_targets AS boolean[]),
		CAST(@class_irrelevant AS text[]), CAST(@class_n AS bigint[]), CAST(@class_value AS boolean[]),
		CAST(@class_coverage AS boolean[])) AS c(level, is_target, irrelevant, n, needs_value, needs_coverage)
),
-- One row per region and period asked with counted submissions (step 1). OFFSET 0 keeps the
-- planner from moving the range of roots out of the index condition.
rp AS MATERIALIZED (
	SELECT c.*, g.level,
		coalesce(c.exact_status = ANY (CAST(@statuses AS text[])), false) AS exact_for_value,
		coalesce(c.exact_status = ANY (CAST(@cstatuses AS text[])), false) AS exact_for_coverage,
		coalesce(c.exact_status = 'APPROVED', false) AS exact_approved,
		m.tords, m.owns, true = ANY (m.owns) AS is_target
	FROM (
		SELECT s.region_path, s.region_code AS code, p.ord AS pord, p.year, p.quarter,
			max(s.id) FILTER (WHERE s.period_quarter = p.quarter) AS exact_id,
			max(s.status) FILTER (WHERE s.period_quarter = p.quarter) AS exact_status
		FROM roots r
		CROSS JOIN LATERAL (
			SELECT s.id, s.region_code, s.region_path, s.period_year, s.period_quarter, s.status
			FROM submissions s
			WHERE s.plan_id = @plan AND s.period_year = ANY (CAST(@years AS int[]))
				AND s.region_path ~>=~ r.path AND s.region_path ~<~ r.path_end
				AND s.status = ANY (CAST(@some_statuses AS text[]))
			OFFSET 0
		) s
		JOIN periods p ON p.year = s.period_year AND (p.quarter = 0 OR p.quarter = s.period_quarter)
		GROUP BY s.region_path, s.region_code, p.ord, p.year, p.quarter
	) c
	JOIN regions g ON g.code = c.code
	CROSS JOIN LATERAL (
		SELECT array_agg(t.ord) AS tords, array_agg(t.path = c.region_path) AS owns
		FROM targets t WHERE starts_with(c.region_path, t.path)
	) m
),
-- Each region's exact submission, and what its quarters are needed for (step 2).
ex AS MATERIALIZED (
	SELECT e.*,
		-- The relevant elements it lacks, when there are fewer than it holds (see quarters).
		CASE WHEN NOT e.full AND e.lacking > 0 AND e.lacking < e.held THEN
			ARRAY(SELECT m FROM unnest(CAST(@read AS bigint[])) AS m
				WHERE NOT (m = ANY (e.irrelevant)) AND NOT (m = ANY (e.ids)))
		END AS missing
	FROM (
		SELECT r.*, x.ids, x.vals, x.held, k.irrelevant,
			k.n - (x.held - x.held_irrelevant) AS lacking,
			-- (A level the caller has no class for counts as full: everything is read.)
			k.level IS NULL OR NOT (r.exact_id IS NOT NULL
				AND (r.exact_for_value OR NOT k.needs_value)
				AND (r.exact_for_coverage OR NOT k.needs_coverage)) AS full
		FROM rp r
		LEFT JOIN classes k ON k.level = r.level AND k.is_target = r.is_target
		CROSS JOIN LATERAL (
			SELECT array_agg(v.element_id) AS ids, array_agg(v.value) AS vals, count(*) AS held,
				count(*) FILTER (WHERE v.element_id = ANY (k.irrelevant)) AS held_irrelevant
			FROM data_values v
			-- element_id + 0: a filter on the submission's rows, which the index scan reads in
			-- one range; as an index condition, = ANY would descend the index once per
			-- element asked.
			WHERE v.submission_id = r.exact_id AND v.element_id + 0 = ANY (CAST(@read AS bigint[]))
		) x
	) e
),
-- The regions whose quarters matter, with the time aggregation of the elements they are
-- read for (step 3), as arrays.
quarters AS MATERIALIZED (
	SELECT e.*, g.q_ids, g.q_vals, g.q_complete, g.q_reported, g.q_unapproved
	FROM ex e
	CROSS JOIN LATERAL (
		SELECT array_agg(a.element_id) AS q_ids, array_agg(a.value) AS q_vals,
			array_agg(a.complete) AS q_complete,
			array_agg(a.element_id) FILTER (WHERE a.reported) AS q_reported,
			array_agg(a.element_id) FILTER (WHERE a.reported AND NOT a.approved) AS q_unapproved
		FROM (
			SELECT r.element_id,
				coalesce(
					max(r.value) FILTER (WHERE r.exact AND r.for_value),
					CASE (CAST(@time_rules AS text[]))[array_position(CAST(@read AS bigint[]), r.element_id)]
						WHEN 'SUM' THEN sum(r.value) FILTER (WHERE r.for_value)
						WHEN 'AVERAGE' THEN avg(r.value) FILTER (WHERE r.for_value)
						WHEN 'LAST' THEN coalesce(
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 4),
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 3),
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 2),
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 1))
					END) AS value,
				-- The value covers its whole period: the exact submission, or all four quarters
				-- of a year (a region has one submission per quarter).
				coalesce(bool_or(r.exact) FILTER (WHERE r.for_value), false)
					OR count(*) FILTER (WHERE r.for_value) = 4 AS complete,
				coalesce(bool_or(r.for_coverage), false) AS reported,
				-- The submissions the time roll-up reads: the exact one if it holds the
				-- element, else the quarters.
				CASE WHEN bool_or(r.exact AND r.for_coverage)
					THEN bool_and(r.approved) FILTER (WHERE r.exact AND r.for_coverage)
					ELSE bool_and(r.approved) FILTER (WHERE r.for_coverage) END AS approved
			FROM (
				SELECT u.element_id, u.value, true AS exact, 0 AS quarter,
					e.exact_for_value AS for_value, e.exact_for_coverage AS for_coverage,
					e.exact_approved AS approved
				FROM unnest(e.ids, e.vals) AS u(element_id, value)
				WHERE e.full
				UNION ALL
				SELECT v.element_id, v.value, false, q.period_quarter,
					q.status = ANY (CAST(@statuses AS text[])), q.status = ANY (CAST(@cstatuses AS text[])),
					q.status = 'APPROVED'
				FROM submissions q
				CROSS JOIN LATERAL (
					SELECT v.element_id, v.value FROM data_values v
					WHERE v.submission_id = q.id AND e.missing IS NULL
						AND v.element_id + 0 = ANY (CAST(@read AS bigint[]))
						AND (e.full OR NOT (v.element_id = ANY (e.ids)))
					UNION ALL
					-- One index descent per missing element.
					SELECT v.element_id, v.value FROM data_values v
					WHERE v.submission_id = q.id AND v.element_id = ANY (e.missing)
					OFFSET 0
				) v
				WHERE e.quarter = 0 AND q.plan_id = @plan AND q.period_year = e.year
					AND q.region_path = e.region_path AND q.period_quarter <> 0
					AND q.status = ANY (CAST(@some_statuses AS text[]))
			) r
			GROUP BY r.element_id
		) a
	) g
	WHERE e.full OR e.lacking > 0
),
-- Every region value, once for each target whose subtree holds the region: the exact values
-- of regions that are not full, and the results of quarters. The arrays are unnested in the
-- select list (a ProjectSet, twice as fast as a function scan per region).
per_target AS (
	SELECT t.tord, e.pord, unnest(e.ids) AS element_id, unnest(e.vals) AS value, true AS complete
	FROM ex e
	CROSS JOIN LATERAL unnest(e.tords) AS t(tord)
	WHERE NOT e.full AND e.exact_for_value
	UNION ALL
	SELECT t.tord, q.pord, unnest(q.q_ids), unnest(q.q_vals), unnest(q.q_complete)
	FROM quarters q
	CROSS JOIN LATERAL unnest(q.tords) AS t(tord)
),
by_target AS MATERIALIZED (
	SELECT x.tord, x.pord, x.element_id,
		sum(x.value) AS total, min(x.value) AS lo, max(x.value) AS hi,
		count(*) AS n, bool_and(x.complete) AS complete
	FROM per_target x
	WHERE x.value IS NOT NULL
	GROUP BY x.tord, x.pord, x.element_id
),
-- NONE: the value entered at the target itself, from the targets' own regions only.
own AS (
	SELECT x.tord, x.pord, x.element_id, x.value, x.complete
	FROM (
		SELECT t.tord, e.pord, unnest(e.ids) AS element_id, unnest(e.vals) AS value, true AS complete
		FROM ex e
		CROSS JOIN LATERAL unnest(e.tords, e.owns) AS t(tord, own)
		WHERE e.is_target AND t.own AND NOT e.full AND e.exact_for_value
		UNION ALL
		SELECT t.tord, q.pord, unnest(q.q_ids), unnest(q.q_vals), unnest(q.q_complete)
		FROM quarters q
		CROSS JOIN LATERAL unnest(q.tords, q.owns) AS t(tord, own)
		WHERE q.is_target AND t.own
	) x
	WHERE x.value IS NOT NULL
),
-- Weighted averages: over the regions with both a value and a weight. The one-time filter on
-- the weighting parameter skips it all when no element asked is weighted.
weighted AS (
	SELECT t.tord, x.pord, x.element_id,
		sum(x.value * x.weight) / nullif(sum(x.weight), 0) AS value,
		count(*) AS n, bool_and(x.complete) AS complete
	FROM (
		SELECT x.region_path, x.tords, x.pord, q.id AS element_id,
			max(x.value) FILTER (WHERE x.element_id = q.id) AS value,
			max(x.value) FILTER (WHERE x.element_id = q.weight_id) AS weight,
			bool_and(x.complete) FILTER (WHERE x.element_id = q.id) AS complete
		FROM (
			SELECT e.region_path, e.tords, e.pord, u.element_id, u.value, true AS complete
			FROM ex e
			CROSS JOIN LATERAL unnest(e.ids, e.vals) AS u(element_id, value)
			WHERE NOT e.full AND e.exact_for_value AND u.element_id = ANY (CAST(@weighting AS bigint[]))
			UNION ALL
			SELECT q.region_path, q.tords, q.pord, u.element_id, u.value, u.complete
			FROM quarters q
			CROSS JOIN LATERAL unnest(q.q_ids, q.q_vals, q.q_complete) AS u(element_id, value, complete)
			WHERE u.value IS NOT NULL AND u.element_id = ANY (CAST(@weighting AS bigint[]))
		) x
		JOIN requested q ON q.weighted AND x.element_id IN (q.id, q.weight_id)
		WHERE cardinality(CAST(@weighting AS bigint[])) > 0
		GROUP BY x.region_path, x.tords, x.pord, q.id
	) x
	CROSS JOIN LATERAL unnest(x.tords) AS t(tord)
	WHERE x.value IS NOT NULL AND x.weight IS NOT NULL
	GROUP BY t.tord, x.pord, x.element_id
),
-- Every target × period × element asked, with the aggregate its rules pick.
totals AS (
	SELECT t.ord AS tord, p.ord AS pord, q.ord, q.id AS element_id,
		CASE q.region_rule
			WHEN 'SUM' THEN b.total
			WHEN 'MIN' THEN b.lo
			WHEN 'MAX' THEN b.hi
			WHEN 'NONE' THEN o.value
			WHEN 'AVERAGE' THEN CASE WHEN q.weighted THEN w.value ELSE b.total / b.n END
		END AS value,
		CASE WHEN q.region_rule = 'NONE' THEN 1 WHEN q.weighted THEN w.n ELSE b.n END AS regions,
		CASE WHEN q.region_rule = 'NONE' THEN o.complete
			WHEN q.weighted THEN w.complete ELSE b.complete END AS complete
	FROM targets t
	CROSS JOIN periods p
	CROSS JOIN requested q
	LEFT JOIN by_target b ON b.tord = t.ord AND b.pord = p.ord AND b.element_id = q.id
	LEFT JOIN own o ON q.region_rule = 'NONE' AND o.tord = t.ord AND o.pord = p.ord AND o.element_id = q.id
	LEFT JOIN weighted w ON q.weighted AND w.tord = t.ord AND w.pord = p.ord AND w.element_id = q.id
),
-- Per unit and period asked: the elements it reported, and those of them for which some
-- submission the figures read is not APPROVED: what its exact submission holds unless the
-- region is full, and what quarters found. The regions in quarters and the others are
-- disjoint.
unit_elements AS (
	SELECT e.code, e.level, e.tords, e.pord,
		CASE WHEN e.exact_for_coverage THEN coalesce(e.ids, '{}') ELSE '{}' END AS reported,
		CASE WHEN e.exact_for_coverage AND NOT e.exact_approved THEN coalesce(e.ids, '{}') ELSE '{}' END AS unapproved
	FROM ex e
	WHERE NOT (e.full OR e.lacking > 0)
	UNION ALL
	SELECT q.code, q.level, q.tords, q.pord,
		CASE WHEN NOT q.full AND q.exact_for_coverage THEN coalesce(q.ids, '{}') ELSE '{}' END
			|| coalesce(q.q_reported, '{}'),
		CASE WHEN NOT q.full AND q.exact_for_coverage AND NOT q.exact_approved THEN coalesce(q.ids, '{}') ELSE '{}' END
			|| coalesce(q.q_unapproved, '{}')
	FROM quarters q
),
-- The units of each target with the same lists, per period: their codes, sorted.
reported AS (
	SELECT t.tord, u.pord, u.level, u.reported, u.unapproved,
		string_agg(u.code, ',' ORDER BY u.code COLLATE "C") AS codes
	FROM unit_elements u
	CROSS JOIN LATERAL unnest(u.tords) AS t(tord)
	WHERE cardinality(u.reported) > 0
	GROUP BY t.tord, u.pord, u.level, u.reported, u.unapproved
),
-- The units a figure expects: the target's regions at the set's levels, by an index range
-- scan over the target's subtree per distinct list of levels.
expected AS (
	SELECT t.ord AS tord, l.ord AS sig, string_agg(g.code, ',' ORDER BY g.code COLLATE "C") AS codes
	FROM targets t
	CROSS JOIN unnest(CAST(@sigs AS text[])) WITH ORDINALITY AS l(levels, ord)
	CROSS JOIN LATERAL (
		SELECT g.code FROM regions g
		WHERE g.path ~>=~ t.path AND g.path ~<~ (left(t.path, -1) || '0')
			AND g.level = ANY (CAST(l.levels AS text[]))
		OFFSET 0
	) g
	GROUP BY t.ord, l.ord
)
SELECT 1 AS kind, tord, pord, NULL AS level, NULL AS codes,
	array_agg(element_id ORDER BY ord) AS a,
	array_agg(CASE WHEN value IS NULL THEN 0 ELSE regions END ORDER BY ord) AS b,
	array_agg(coalesce(value, 0) ORDER BY ord) AS vals,
	array_agg(value IS NULL OR coalesce(complete, true) ORDER BY ord) AS completes
FROM totals
GROUP BY tord, pord
UNION ALL
SELECT 2, tord, pord, level, codes, reported, unapproved, NULL, NULL
FROM reported
UNION ALL
SELECT 3, tord, sig, NULL, codes, NULL, NULL, NULL, NULL
FROM expected
ORDER BY kind, tord, pord`

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

// union returns the statuses of a and b, each once.
func union(a, b []string) []string {
	out := []string{}
	for _, s := range append(slices.Clone(a), b...) {
		if !slices.Contains(out, s) {
			out = append(out, s)
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

func nonNilInts(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}
