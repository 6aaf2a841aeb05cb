// Package rollupsql is the production roll-up: one set-based statement (figures.sql) that
// aggregates every data element asked at every target region and period, and says how
// complete each figure is, inside PostgreSQL, so that no request loads a city's raw values
// into Go. What a total means is defined by package refrollup, the plain-Go reference; the
// property test here holds this statement to it on random data over several seeds.
//
// It is internal to the tenant service: Figures takes a transaction and reads whatever that
// transaction's row-level-security scope admits, so only package store, which opens every
// transaction with the caller's scope after auth has decided, may call it. It sets no scope
// and decides nothing about who may see what.
package rollupsql

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
	"planapi/period"
)

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

// ElementSet is the elements one figure is computed from, under a key of the caller's
// choosing (an indicator code).
type ElementSet struct {
	Key        string
	ElementIDs []int64
}

// Coverage is the completeness of one set's figure at one target for one period, as
// refrollup.Completeness defines it. The lists hold region codes, sorted; they are empty,
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
			if s != models.StatusApproved && s != models.StatusSubmitted {
				return fmt.Errorf("roll-up status %q: only APPROVED and SUBMITTED submissions can count", s)
			}
		}
	}
	return nil
}

// Figures computes element totals, as refrollup.RollupTotals defines them, and the completeness
// of element sets, as refrollup.Completeness defines it, at every target for every period, in
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
	// Scanned by hand rather than with gorm's Scan, which would reflect on every row.
	rows, err := db.Query(ctx, tx, figuresSQL, figuresParams(q, p))
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
			a, b         []int64
			vals         []float64
			completes    []bool
		)
		if err := rows.Scan(&kind, &tord, &pord, &level, &codes, db.Array(&a), db.Array(&b), db.Array(&vals), db.Array(&completes)); err != nil {
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
	if _, err := db.Exec(ctx, tx, `SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
		set_config('jit', 'off', true)`, nil); err != nil {
		return fmt.Errorf("roll-up settings: %w", err)
	}
	return nil
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
	weighted   bool  // a regional AVERAGE with a weight (refrollup.AggregateRegions)
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
func figuresParams(q FiguresQuery, p figuresPlan) db.Args {
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
	return db.Args{
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

// figuresFile is figures.sql: the statement that computes refrollup.RollupTotals for every
// target × period × element asked, and refrollup.Completeness for every target × period × set
// asked, with a head of comments that explains its shape and why.
//
//go:embed figures.sql
var figuresFile string

// figuresSQL is the statement as sent: the file without its head, which is for readers.
var figuresSQL = withoutHead(figuresFile)

// withoutHead drops the comment lines a SQL file starts with.
func withoutHead(sql string) string {
	for strings.HasPrefix(sql, "--") {
		_, sql, _ = strings.Cut(sql, "\n")
	}
	return sql
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
