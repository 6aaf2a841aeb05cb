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
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
	"planapi/period"
	"planapi/refrollup"
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

// ElementSet is the elements one figure is computed from (an indicator's formula), under a
// key of the caller's choosing (the indicator's code).
type ElementSet struct {
	Key        string
	ElementIDs []int64
}

// SetTotal is one element of one figure at one target over one range: the element aggregated
// over the regions that count in that figure (refrollup.RollupSet).
type SetTotal struct {
	Target    string // the target's region code
	Range     period.Range
	Key       string // the set's
	ElementID int64
	// Value is nil when no region that counts has a value (for a NONE element: when the
	// target itself has none, or does not count).
	Value *float64
	// Regions counts the regions whose values make up Value (0 when Value is nil).
	Regions int
	// Complete is false when some region's value does not cover the whole range (a year built
	// from fewer than its four quarters, a range with a part missing); true otherwise, and
	// when there is no value.
	Complete bool
	// Units are the region codes whose values make up Value, when FiguresQuery.WithUnits.
	Units []string
}

// Coverage is the completeness of one set's figure at one target over one range, as
// refrollup.Completeness defines it. The lists hold region codes, sorted; they are empty,
// never nil.
type Coverage struct {
	Target     string
	Range      period.Range
	Key        string
	Expected   []string
	Reported   []string
	Approved   []string
	Incomplete []string
	Missing    []string
}

// FiguresQuery asks for the totals of element sets and their completeness at the same targets
// over the same ranges. The two may count different statuses: IndicatorValues counts only
// APPROVED values unless asked otherwise, but always shows SUBMITTED figures as reported.
type FiguresQuery struct {
	PlanID  int64
	Targets []Target
	Ranges  []period.Range
	// Statuses count for the totals (none: no totals), CoverageStatuses for completeness
	// (none: no completeness): refrollup.Statuses(includeUnapproved), i.e. APPROVED, and
	// SUBMITTED when figures not yet approved are wanted. DRAFT and RETURNED are refused.
	Statuses         []string
	CoverageStatuses []string
	Sets             []ElementSet
	// Elements are the plan's data elements, for their rules (IndicatorValues passes the
	// catalogue cache's, which leaves retired elements out); nil reads them from
	// data_elements in the caller's transaction. Elements asked that are not among them are
	// left out, and so is a weight that is not.
	Elements []*models.DataElement
	// WithUnits asks for the regions behind every total (SetTotal.Units).
	WithUnits bool
	// SettingsSet says the caller's transaction already has SettingsSQL's planner settings
	// (store sets them in the statement that sets its scope, one round trip fewer); false:
	// Figures sets them itself.
	SettingsSet bool
	// noMasks makes the statement describe lists of elements as arrays even when the ids
	// would fit a bitmask (for the tests of that path).
	noMasks bool
}

func checkRollupArgs(targets []Target, ranges []period.Range, statuses ...[]string) error {
	for _, t := range targets {
		// An empty path would make the whole tree one subtree (row-level security still
		// bounds what is read; this guards against a caller that forgot to resolve the region).
		if t.Code == "" || t.Path == "" || !strings.HasSuffix(t.Path, "/") {
			return fmt.Errorf("roll-up target %q has path %q: want a region path ending in /", t.Code, t.Path)
		}
	}
	for _, r := range ranges {
		if !r.Valid() {
			return fmt.Errorf("roll-up range %v..%v is not a valid range", r.From, r.To)
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

// Figures computes the totals of element sets, as refrollup.RollupSet defines them, and their
// completeness, as refrollup.Completeness defines it, at every target over every range, in one
// statement. Totals come for each (target, range, set, element of the set) in that order, with
// the value and the number of regions behind it; elements that are not the plan's are left out,
// and an element twice in a set is answered once. Coverage comes for each (target, range, set)
// in that order: which reporting units the figure expects, which reported, which are approved
// (in the figure), which reported too little to count (incomplete), and which are missing
// (units outside the scope look missing). It runs in tx as it is: the caller's transaction,
// with its scope; it sets two planner settings for the rest of that transaction
// (figuresSettings).
func Figures(ctx context.Context, tx *gorm.DB, q FiguresQuery) ([]SetTotal, []Coverage, error) {
	if q.Elements == nil && len(q.Targets) > 0 {
		if err := tx.WithContext(ctx).Where("plan_id = ?", q.PlanID).Find(&q.Elements).Error; err != nil {
			return nil, nil, fmt.Errorf("roll up %d figures at %d regions for %d periods: load data elements: %w",
				len(q.Sets), len(q.Targets), len(q.Ranges), err)
		}
	}
	pr, err := Prepare(q)
	if err != nil || pr == nil {
		return nil, nil, err
	}
	if !q.SettingsSet {
		if err := figuresSettings(ctx, tx); err != nil {
			return pr.fail(err)
		}
	}
	// Scanned by hand rather than with gorm's Scan, which would reflect on every row.
	rows, err := db.Query(ctx, tx, pr.SQL, pr.Args)
	if err != nil {
		return pr.fail(err)
	}
	defer rows.Close()
	return pr.Read(rows, false)
}

// Prepared is the roll-up statement for a FiguresQuery with its arguments, for a caller that
// runs it itself (store, in one batch with the statement that sets its scope), and reads its
// rows back with Read. Like Figures, it sets no scope.
type Prepared struct {
	SQL  string
	Args db.Args
	q    FiguresQuery
	p    figuresPlan
}

// Prepare checks q and works out its statement; nil when there is nothing to compute. q.Elements
// must be set.
func Prepare(q FiguresQuery) (*Prepared, error) {
	if err := checkRollupArgs(q.Targets, q.Ranges, q.Statuses, q.CoverageStatuses); err != nil {
		return nil, err
	}
	if len(q.Targets) == 0 || len(q.Ranges) == 0 || len(q.Sets) == 0 || len(q.Statuses)+len(q.CoverageStatuses) == 0 {
		return nil, nil
	}
	p := planFigures(q)
	return &Prepared{SQL: figuresSQL, Args: figuresParams(q, p), q: q, p: p}, nil
}

func (pr *Prepared) fail(err error) ([]SetTotal, []Coverage, error) {
	return nil, nil, fmt.Errorf("roll up %d figures at %d regions for %d periods: %w",
		len(pr.q.Sets), len(pr.q.Targets), len(pr.q.Ranges), err)
}

// Rows are the statement's rows: *sql.Rows or pgx.Rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Read reads the statement's rows into Figures' answer; native says they are pgx's own, which
// scan arrays into slices themselves.
func (pr *Prepared) Read(rows Rows, native bool) ([]SetTotal, []Coverage, error) {
	q, p, fail := pr.q, pr.p, pr.fail
	groups := make([][][]group, len(q.Targets))            // by target and range
	expected := make([]map[int64][]string, len(q.Targets)) // by target and sig
	units := make([][][]unitClass, len(q.Targets))         // by target and range
	for i := range q.Targets {
		groups[i] = make([][]group, len(q.Ranges))
		expected[i] = map[int64][]string{}
		units[i] = make([][]unitClass, len(q.Ranges))
	}
	// tord and ord are 1-based positions in q.Targets and q.Ranges (for kind 3, ord is the
	// position in p.sigs; for kind 0, the number of a list of elements held, which with
	// p.masked is its bitmask); codes are comma-separated region codes, sorted.
	held := map[int64][]int64{} // the lists of elements held, by number (sorted)
	// One set of destinations for every row: declared in the loop, each row allocated its
	// nineteen (they escape through Scan), a third of a dashboard's allocations.
	var (
		kind, ord                 int64
		tord, sig                 sql.NullInt64
		level, codes              sql.NullString
		own                       sql.NullBool
		a, b                      []int64
		element, n, wn            sql.NullInt64
		total, lo, hi, wsum, wden sql.NullFloat64
		complete, wcomplete       sql.NullBool
	)
	var dest []any
	if native {
		// pgx's own types, which have the sql.Null* types' fields: no sql.Scanner detour.
		dest = []any{&kind, (*pgtype.Int8)(&tord), &ord, (*pgtype.Text)(&level), (*pgtype.Bool)(&own),
			(*pgtype.Text)(&codes), &a, &b, (*pgtype.Int8)(&element), (*pgtype.Float8)(&total), (*pgtype.Float8)(&lo),
			(*pgtype.Float8)(&hi), (*pgtype.Int8)(&n), (*pgtype.Bool)(&complete), (*pgtype.Float8)(&wsum),
			(*pgtype.Float8)(&wden), (*pgtype.Int8)(&wn), (*pgtype.Bool)(&wcomplete), (*pgtype.Int8)(&sig)}
	} else {
		dest = []any{&kind, &tord, &ord, &level, &own, &codes, db.Array(&a), db.Array(&b), &element,
			&total, &lo, &hi, &n, &complete, &wsum, &wden, &wn, &wcomplete, &sig}
	}
	for rows.Next() {
		// Every field is scanned anew; the arrays start empty so that a row's slice, which may
		// be kept (held, classify), is never the buffer the next row is scanned into.
		a, b = nil, nil
		err := rows.Scan(dest...)
		if err != nil {
			return fail(err)
		}
		ti := int(tord.Int64) - 1
		switch kind {
		case 0: // these rows come first
			if p.masked {
				a = maskElements(uint64(ord))
			}
			slices.Sort(a)
			held[ord] = a
		case 1:
			gs := groups[ti][ord-1]
			// Rows of one group come in any order; they share level, own and the number of
			// the list of elements held.
			g := findGroup(gs, catalogue.Level(level.String), own.Bool, sig.Int64)
			if g == nil {
				gs = append(gs, group{level: catalogue.Level(level.String), own: own.Bool, sig: sig.Int64, held: held[sig.Int64],
					aggs: make([]groupAgg, len(p.read)), codes: splitCodes(codes)})
				g = &gs[len(gs)-1]
				groups[ti][ord-1] = gs
			}
			at, ok := p.readAt[element.Int64]
			if !ok {
				continue
			}
			g.aggs[at] = groupAgg{has: true, total: total.Float64, lo: lo.Float64, hi: hi.Float64, n: int(n.Int64),
				complete: complete.Bool, wsum: wsum.Float64, wden: wden.Float64, wn: int(wn.Int64), wcomplete: wcomplete.Bool}
		case 2:
			if p.masked { // the lists come as bitmasks, in n and wn
				a, b = maskElements(uint64(n.Int64)), maskElements(uint64(wn.Int64))
			}
			units[ti][ord-1] = append(units[ti][ord-1], p.classify(catalogue.Level(level.String), a, b, splitCodes(codes)))
		case 3:
			expected[ti][ord] = splitCodes(codes)
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	var totals []SetTotal
	if len(q.Statuses) > 0 {
		for ti, t := range q.Targets {
			for ri, r := range q.Ranges {
				for si, set := range q.Sets {
					totals = append(totals, p.figureTotals(t.Code, r, set.Key, si, groups[ti][ri])...)
				}
			}
		}
	}
	if len(q.CoverageStatuses) == 0 {
		return totals, nil, nil
	}
	coverage := make([]Coverage, 0, len(q.Targets)*len(q.Ranges)*len(q.Sets))
	for ti, t := range q.Targets {
		for ri, r := range q.Ranges {
			classes := units[ti][ri]
			merged := map[string][]string{} // by the classes merged, so that equal lists are shared
			for si, set := range q.Sets {
				c := Coverage{Target: t.Code, Range: r, Key: set.Key,
					Expected: nonNil(expected[ti][int64(p.sets[si].sig)])}
				c.Reported = mergeClasses(classes, merged, func(u unitClass) bool { return u.reported[si] }, "r")
				c.Approved = mergeClasses(classes, merged, func(u unitClass) bool { return u.approved[si] }, "a")
				c.Incomplete = mergeClasses(classes, merged, func(u unitClass) bool { return u.incomplete[si] }, "i")
				c.Missing = missing(c.Expected, c.Reported)
				coverage = append(coverage, c)
			}
		}
	}
	return totals, coverage, nil
}

// group is the regions of one target and range that share a level, whether they are the
// target itself, and the elements they have a value of (held, sorted): per element, the
// aggregates every region rule needs.
type group struct {
	level catalogue.Level
	own   bool
	sig   int64      // the number of its list of elements held, in the statement
	held  []int64    // sorted
	aggs  []groupAgg // by position in figuresPlan.read
	codes []string   // the regions, with FiguresQuery.WithUnits
}

type groupAgg struct {
	has           bool // the group has a value of the element
	total, lo, hi float64
	n             int
	complete      bool
	// Over the regions that also have the element's weight (a weighted average).
	wsum, wden float64
	wn         int
	wcomplete  bool
}

func findGroup(gs []group, level catalogue.Level, own bool, sig int64) *group {
	for i := range gs {
		if gs[i].level == level && gs[i].own == own && gs[i].sig == sig {
			return &gs[i]
		}
	}
	return nil
}

// figureTotals aggregates each element of set si over the groups that count in it: those
// whose regions have every element of the set their level collects (refrollup.RollupSet).
func (p figuresPlan) figureTotals(target string, r period.Range, key string, si int, groups []group) []SetTotal {
	sp := p.sets[si]
	var counting []*group
	for i := range groups {
		g := &groups[i]
		ok := true
		for _, id := range sp.byLevel[g.level] {
			_, has := slices.BinarySearch(g.held, id)
			ok = ok && has
		}
		if ok {
			counting = append(counting, g)
		}
	}
	out := make([]SetTotal, 0, len(sp.members))
	for _, m := range sp.members {
		t := SetTotal{Target: target, Range: r, Key: key, ElementID: m.id, Complete: true}
		var sum, wsum, wden float64
		lo, hi := math.Inf(1), math.Inf(-1)
		n := 0
		for _, g := range counting {
			a := &g.aggs[m.at]
			if !a.has {
				continue
			}
			switch {
			case m.regionRule == string(catalogue.RegionNone):
				if !g.own {
					continue
				}
				sum, n, t.Complete = a.total, a.n, a.complete
			case m.weighted:
				if a.wn == 0 {
					continue
				}
				wsum, wden, n = wsum+a.wsum, wden+a.wden, n+a.wn
				t.Complete = t.Complete && a.wcomplete
			default:
				sum, n = sum+a.total, n+a.n
				lo, hi = min(lo, a.lo), max(hi, a.hi)
				t.Complete = t.Complete && a.complete
			}
			// (For a weighted average this keeps regions without a weight too: more, never
			// fewer, units than the value holds, which errs towards withholding.)
			t.Units = append(t.Units, g.codes...)
		}
		var v float64
		switch {
		case n == 0:
		case m.regionRule == string(catalogue.RegionSum) || m.regionRule == string(catalogue.RegionNone):
			v = sum
		case m.regionRule == string(catalogue.RegionMin):
			v = lo
		case m.regionRule == string(catalogue.RegionMax):
			v = hi
		case m.regionRule == string(catalogue.RegionAverage) && !m.weighted:
			v = sum / float64(n)
		case m.weighted && wden != 0:
			v = wsum / wden
		default:
			n = 0 // a weighted average with no weight: no value
		}
		if n > 0 {
			t.Value, t.Regions = &v, n
		} else {
			t.Complete = true
		}
		out = append(out, t)
	}
	return out
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
//
// SettingsSQL is the two as select-list items, for a caller that sets them in a statement of
// its own (with FiguresQuery.SettingsSet).
func figuresSettings(ctx context.Context, tx *gorm.DB) error {
	if _, err := db.Exec(ctx, tx, `SELECT `+SettingsSQL, nil); err != nil {
		return fmt.Errorf("roll-up settings: %w", err)
	}
	return nil
}

// SettingsSQL sets figuresSettings' planner settings, local to the transaction, as
// select-list items.
const SettingsSQL = `set_config('plan_cache_mode', 'force_generic_plan', true), set_config('jit', 'off', true)`

// levels are the levels of the region tree (the regions table allows these), each a kind of
// region for figuresPlan.
var levels = []catalogue.Level{catalogue.Nation, catalogue.Province, catalogue.City, catalogue.County}

// figuresPlan is what the catalogue says about a FiguresQuery, worked out in Go by
// planFigures and passed to figuresSQL by figuresParams.
type figuresPlan struct {
	requested []requestedElement // the sets' elements that are the plan's, each once, in order
	read      []int64            // every element whose values are read: requested and weights
	readAt    map[int64]int      // positions in read
	timeRules []string           // read's time rules
	parts     []period.Period    // the distinct periods the ranges asked are made of
	ranges    [][]int            // by range: its parts' positions in parts (0-based)
	classes   []regionClass
	sets      []setPlan // by set position
	sigs      [][]string
	// masked: every element id read is below maskBits, and the statement describes lists of
	// elements by bitmasks (bit n: element n), which Read takes apart (maskElements).
	masked bool
}

type requestedElement struct {
	id         int64
	regionRule string
	weighted   bool  // a regional AVERAGE with a weight (refrollup.AggregateRegions)
	weightID   int64 // its weight element, 0 when the plan has none of that code
	at         int   // its position in figuresPlan.read
}

// regionClass is one kind of region, by level and by whether it is a target, and which of
// the read elements are relevant there, i.e. can change a figure asked. An element's values
// are relevant to the totals at every region of a subtree (any rule but NONE, and weights),
// except a NONE element's, which only the target itself contributes; they are relevant to
// completeness at the levels of the sets that hold the element. figuresSQL reads only the
// relevant elements of a region (a bitmap per class, figuresParams' class_bits), and its
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
	members  []requestedElement // the set's elements that are the plan's, each once, in order
	elements map[int64]bool
	levels   map[catalogue.Level]bool
	byLevel  map[catalogue.Level][]int64 // the set's elements each level collects
	sig      int                         // position in figuresPlan.sigs of its sorted levels (1-based), 0 for none
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
	p.readAt = map[int64]int{}
	addRead := func(id int64) {
		if _, ok := p.readAt[id]; !ok {
			p.readAt[id] = len(p.read)
			p.read = append(p.read, id)
			p.timeRules = append(p.timeRules, byID[id].TimeRule)
		}
	}
	// The parts of the ranges, each once.
	partAt := map[period.Period]int{}
	for _, r := range q.Ranges {
		var at []int
		for _, part := range r.Parts() {
			i, ok := partAt[part]
			if !ok {
				i = len(p.parts)
				partAt[part] = i
				p.parts = append(p.parts, part)
			}
			at = append(at, i)
		}
		p.ranges = append(p.ranges, at)
	}
	// Relevance to the totals: anywhere, or at the target only (NONE). Every set's elements
	// have their totals computed, when totals are asked.
	anywhere, atTarget := map[int64]bool{}, map[int64]bool{}
	requested := map[int64]requestedElement{}
	for _, s := range q.Sets {
		for _, id := range s.ElementIDs {
			e := byID[id]
			if _, seen := requested[id]; e == nil || seen {
				continue
			}
			r := requestedElement{id: id, regionRule: e.RegionRule,
				weighted: e.RegionRule == string(catalogue.RegionAverage) && e.WeightCode != ""}
			if w := byCode[e.WeightCode]; r.weighted && w != nil {
				r.weightID = w.ID
				addRead(w.ID)
				anywhere[w.ID] = true
			}
			addRead(id)
			r.at = p.readAt[id]
			requested[id] = r
			p.requested = append(p.requested, r)
			if len(q.Statuses) == 0 {
				continue // completeness only
			}
			if e.RegionRule == string(catalogue.RegionNone) {
				atTarget[id] = true
			} else {
				anywhere[id] = true
			}
		}
	}
	// Relevance to completeness, by level; each set's levels, and the distinct lists of them.
	cov := map[catalogue.Level]map[int64]bool{}
	sigs := map[string]int{}
	for _, s := range q.Sets {
		sp := setPlan{elements: map[int64]bool{}, levels: map[catalogue.Level]bool{}, byLevel: map[catalogue.Level][]int64{}}
		for _, id := range s.ElementIDs {
			if e := byID[id]; e != nil && !sp.elements[id] {
				sp.elements[id] = true
				sp.members = append(sp.members, requested[id])
				l := catalogue.Level(e.CollectedAt)
				sp.levels[l] = true
				sp.byLevel[l] = append(sp.byLevel[l], id)
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
	_, limit := readBits(p.read)
	p.masked = !q.noMasks && limit >= 1 && limit <= maskBits
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

// unitClass is the reporting units of a target's subtree, for one range, that reported the
// same sets, are approved for the same sets and incomplete for the same sets, by set position.
type unitClass struct {
	codes                          []string // sorted
	reported, approved, incomplete []bool
}

// classify works out which sets units at the level reported, having reported the elements
// (a contributing submission for each) and of them unapproved (some contributing submission
// not APPROVED): the sets with an element among them, if they expect units at that level;
// incomplete the reported sets of which they lack an element their level collects; and
// approved the reported sets that are not incomplete and none of whose reported elements is
// unapproved.
func (p figuresPlan) classify(level catalogue.Level, reported, unapproved []int64, codes []string) unitClass {
	n := len(p.sets)
	u := unitClass{codes: codes, reported: make([]bool, n), approved: make([]bool, n), incomplete: make([]bool, n)}
	for i, s := range p.sets {
		if !s.levels[level] {
			continue
		}
		for _, id := range reported {
			u.reported[i] = u.reported[i] || s.elements[id]
		}
		if !u.reported[i] {
			continue
		}
		for _, id := range s.byLevel[level] {
			u.incomplete[i] = u.incomplete[i] || !slices.Contains(reported, id)
		}
		u.approved[i] = !u.incomplete[i]
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
	years := make([]int64, len(p.parts))
	quarters := make([]int64, len(p.parts))
	for i, per := range p.parts {
		years[i], quarters[i] = int64(per.Year), int64(per.Quarter)
	}
	weightOf := map[int64]int64{}
	anyWeighted, anyMinMax := false, false
	for _, r := range p.requested {
		if r.weighted {
			weightOf[r.id], anyWeighted = r.weightID, true
		}
		anyMinMax = anyMinMax || r.regionRule == string(catalogue.RegionMin) || r.regionRule == string(catalogue.RegionMax)
	}
	readWeights := make([]int64, len(p.read))
	for i, id := range p.read {
		readWeights[i] = weightOf[id]
	}
	var rOrds, rParts, rPos, rN []int64
	for ri, at := range p.ranges {
		for pos, i := range at {
			rOrds, rParts = append(rOrds, int64(ri+1)), append(rParts, int64(i+1))
			rPos, rN = append(rPos, int64(pos+1)), append(rN, int64(len(at)))
		}
	}
	bits, limit := readBits(p.read)
	var cLevels, cIrrelevant, cBits []string
	var cTargets, cValue, cCoverage []bool
	var cN, cMasks []int64
	for _, c := range p.classes {
		cLevels = append(cLevels, string(c.level))
		cTargets = append(cTargets, c.target)
		cIrrelevant = append(cIrrelevant, arrayLiteral(c.irrelevant))
		relevant := relevantBits(bits, c.irrelevant)
		cBits = append(cBits, hex.EncodeToString(relevant))
		cMasks = append(cMasks, bitsMask(relevant))
		cN = append(cN, int64(c.n))
		cValue = append(cValue, c.needsValue)
		cCoverage = append(cCoverage, c.needsCoverage)
	}
	levelNames := make([]string, len(levels))
	for i, l := range levels {
		levelNames[i] = string(l)
	}
	var sigs []string
	for _, s := range p.sigs {
		sigs = append(sigs, "{"+strings.Join(s, ",")+"}")
	}
	// Plain slices, which pgx sends as arrays (never nil, which it would send as NULL).
	return db.Args{
		"read_bits":        bits,
		"read_limit":       limit,
		"masked":           p.masked,
		"class_bits":       cBits,
		"class_masks":      nonNilInts(cMasks),
		"read_mask":        bitsMask(bits),
		"plan":             q.PlanID,
		"codes":            codes,
		"paths":            paths,
		"years":            years,
		"quarters":         quarters,
		"statuses":         nonNil(q.Statuses),
		"cstatuses":        nonNil(q.CoverageStatuses),
		"some_statuses":    union(q.Statuses, q.CoverageStatuses),
		"range_ords":       nonNilInts(rOrds),
		"range_parts":      nonNilInts(rParts),
		"range_pos":        nonNilInts(rPos),
		"range_n":          nonNilInts(rN),
		"max_magnitude":    refrollup.MaxMagnitude,
		"with_units":       q.WithUnits,
		"read_weights":     readWeights,
		"any_weighted":     anyWeighted,
		"any_minmax":       anyMinMax,
		"read":             nonNilInts(p.read),
		"time_rules":       nonNil(p.timeRules),
		"class_levels":     cLevels,
		"levels":           levelNames,
		"class_targets":    cTargets,
		"class_irrelevant": cIrrelevant,
		"class_n":          cN,
		"class_value":      cValue,
		"class_coverage":   cCoverage,
		"sigs":             nonNil(sigs),
	}
}

// maxReadBits bounds the bitmap of the elements read (readBits): 1 MiB.
const maxReadBits = 1 << 23

// readBits is the elements read as a bitmap in get_bit's order (bit n is bit n%8, counted
// from the least significant, of byte n/8), and the number of bits; no bitmap and 0 when an
// id is outside [1, maxReadBits), for figuresSQL to test = ANY instead.
func readBits(read []int64) ([]byte, int64) {
	var top int64
	for _, id := range read {
		if id < 1 || id >= maxReadBits {
			return []byte{}, 0
		}
		top = max(top, id)
	}
	bits := make([]byte, top/8+1)
	for _, id := range read {
		bits[id/8] |= 1 << (id % 8)
	}
	return bits, int64(len(bits)) * 8
}

// maskBits bounds the element ids for which figuresSQL describes a list of elements by a
// bigint with bit n set for element n (as ids must be below 64).
const maskBits = 64

// maskElements is the elements of a bitmask (bit n: element n), in order.
func maskElements(mask uint64) []int64 {
	out := []int64{}
	for id := int64(0); mask != 0; id, mask = id+1, mask>>1 {
		if mask&1 == 1 {
			out = append(out, id)
		}
	}
	return out
}

// relevantBits is the bitmap bits (readBits') without the elements irrelevant (empty when
// there is no bitmap).
func relevantBits(bits []byte, irrelevant []int64) []byte {
	out := slices.Clone(bits)
	for _, id := range irrelevant {
		if id >= 0 && id < int64(len(out))*8 {
			out[id/8] &^= 1 << (id % 8)
		}
	}
	return out
}

// bitsMask is a bitmap of readBits' order as a 64-bit mask (bit n: element n), its first 64
// bits; figuresSQL compares it with submission_values.mask only when p.masked, when every id
// read is below 64.
func bitsMask(bits []byte) int64 {
	var m uint64
	for i := 0; i < len(bits) && i < 8; i++ {
		m |= uint64(bits[i]) << (8 * i)
	}
	return int64(m)
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
