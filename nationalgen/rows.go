package nationalgen

import (
	"fmt"
	"math"
)

// regionRows feeds the region tree to COPY.
type regionRows struct {
	regions []region
	i       int
	row     [5]any
}

func (r *regionRows) Next() bool { r.i++; return r.i < len(r.regions) }
func (r *regionRows) Err() error { return nil }
func (r *regionRows) Values() ([]any, error) {
	x := r.regions[r.i]
	var parent any
	if x.parent != "" {
		parent = x.parent
	}
	r.row = [5]any{x.code, x.name, x.level, parent, x.path}
	return r.row[:], nil
}

// genPeriod is one generated period.
type genPeriod struct {
	label     string // "2021", "2021Q1"
	year      int
	quarter   int // 0: the year
	slot      int // index into a simulator's slots
	quarterly bool
}

// planner knows, for the tree and the periods, which submissions exist and in which order:
// regions in tree order, and for each region its periods in order (each year, then its
// quarters), leaving out a period for which the region's level collects nothing.
type planner struct {
	lay     *layout
	periods []genPeriod
	years   int // simulated years: first..last requested, contiguous
	byLevel map[string]*levelElements
}

func newPlanner(lay *layout, years []int, quarters bool, byLevel map[string]*levelElements) *planner {
	p := &planner{lay: lay, byLevel: byLevel, years: years[len(years)-1] - years[0] + 1}
	for _, y := range years {
		base := (y - years[0]) * slotsPerYear
		p.periods = append(p.periods, genPeriod{label: fmt.Sprint(y), year: y, slot: base})
		if quarters {
			for q := 1; q <= 4; q++ {
				p.periods = append(p.periods, genPeriod{label: fmt.Sprintf("%dQ%d", y, q), year: y, quarter: q, slot: base + q, quarterly: true})
			}
		}
	}
	return p
}

// elementsFor returns the indexes (into the level's elements) a submission of the level for
// the period holds, or nil.
func (p *planner) elementsFor(level string, per genPeriod) []int {
	le := p.byLevel[level]
	if le == nil {
		return nil
	}
	if per.quarterly {
		return le.quarterly
	}
	return le.yearly
}

func (p *planner) submissionCount() int {
	n := 0
	for _, r := range p.lay.regions {
		for _, per := range p.periods {
			if len(p.elementsFor(r.level, per)) > 0 {
				n++
			}
		}
	}
	return n
}

// cursor walks the submissions in order.
type cursor struct {
	p    *planner
	ri   int // region
	pi   int // period
	sub  int // submission number
	last int // region of the previous submission
}

func newCursor(p *planner) cursor { return cursor{p: p, ri: 0, pi: -1, sub: -1, last: -1} }

// next moves to the next submission; newRegion says it belongs to a region not seen before.
func (c *cursor) next() (ok, newRegion bool) {
	for c.ri < len(c.p.lay.regions) {
		c.pi++
		if c.pi >= len(c.p.periods) {
			c.ri++
			c.pi = -1
			continue
		}
		r := c.p.lay.regions[c.ri]
		if len(c.p.elementsFor(r.level, c.p.periods[c.pi])) == 0 {
			continue
		}
		c.sub++
		first := c.ri != c.last
		c.last = c.ri
		return true, first
	}
	return false, false
}

// submissionRows feeds the submissions to COPY, with the pre-allocated ids in order.
type submissionRows struct {
	c      cursor
	planID int64
	ids    []int64
	row    [10]any
}

func (p *planner) submissionRows(planID int64, ids []int64) *submissionRows {
	return &submissionRows{c: newCursor(p), planID: planID, ids: ids}
}

func (s *submissionRows) Next() bool { ok, _ := s.c.next(); return ok }
func (s *submissionRows) Err() error { return nil }
func (s *submissionRows) Values() ([]any, error) {
	r := s.c.p.lay.regions[s.c.ri]
	per := s.c.p.periods[s.c.pi]
	s.row = [10]any{s.ids[s.c.sub], s.planID, r.code, r.path, per.label, int32(per.year), int32(per.quarter), "APPROVED", int32(1), Actor}
	return s.row[:], nil
}

// valueRows feeds the data values to COPY: for each submission in order, its elements in
// catalogue order. A region's figures are simulated when the cursor reaches it.
type valueRows struct {
	c    cursor
	ids  []int64
	sims map[string]*simulator
	sim  *simulator
	els  []int // elements of the current submission
	ei   int
	row  [5]any
}

func (p *planner) valueRows(seed int64, ids []int64) *valueRows {
	v := &valueRows{c: newCursor(p), ids: ids, sims: map[string]*simulator{}}
	for level, le := range p.byLevel {
		v.sims[level] = newSimulator(seed, p.years, le.els, le.order)
	}
	return v
}

func (v *valueRows) Next() bool {
	v.ei++
	for v.ei >= len(v.els) {
		ok, newRegion := v.c.next()
		if !ok {
			return false
		}
		r := v.c.p.lay.regions[v.c.ri]
		v.sim = v.sims[r.level]
		if newRegion {
			v.sim.run(r.code, r.level)
		}
		v.els = v.c.p.elementsFor(r.level, v.c.p.periods[v.c.pi])
		v.ei = 0
	}
	return true
}

func (v *valueRows) Err() error { return nil }

func (v *valueRows) Values() ([]any, error) {
	r := v.c.p.lay.regions[v.c.ri]
	per := v.c.p.periods[v.c.pi]
	i := v.els[v.ei]
	e := &v.sim.els[i]
	x := v.sim.vals[i][per.slot]
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return nil, fmt.Errorf("nationalgen: %s %s %s: generated %v", r.code, per.label, e.code, x)
	}
	v.row = [5]any{v.ids[v.c.sub], e.id, r.path, x, Actor}
	return v.row[:], nil
}
