package store

import (
	"context"
	_ "embed"
	"fmt"
	"math/big"
	"strings"

	"gorm.io/gorm"

	"planapi/apperr"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
	"planapi/refrollup"
)

// TaskRollup is a task node's outputs and progress over a region's subtree.
type TaskRollup struct {
	Task      *models.Task
	Outputs   []OutputTotal
	Expected  int
	Reporting int
	Done      int
	// DoneWithheld: the publication read leaves done out (it would single out a county).
	DoneWithheld bool
	// units are the counties reporting, done those that finished, unfinished the others
	// (publication's small-cell rules).
	units, done, unfinished []string
}

// OutputTotal is the sum of one output code's figures.
type OutputTotal struct {
	Code, Unit string
	// Value is the exact decimal sum, converted to a float once: 233.77 + 53.83 is 287.6.
	Value float64
	// units are the contributions in it, "region|measure" (publication's small-cell rules).
	units []string
}

//go:embed taskrollup.sql
var taskRollupSQL string

// TaskRollups rolls key-task progress up over a region's subtree for a range of periods (a
// single period is a range of one). One statement.
//
// Periods: a unit's figures for a year are its yearly submission where it has one inside the
// range, else its quarters inside the range, so nothing is counted twice.
//
// Outputs: each measure's figures are summed exactly (PostgreSQL numeric) over the units and
// periods, then over the measures of each sub-task and task: one row per output code, in the
// code's roll-up unit (catalogue.OutputRollupUnit: 起 and 件 are both cases). Figures that are
// not one quantity (ITEMS of several outputs: handbooks and enterprises) are not added up; an
// ITEMS row appears where the node holds a single ITEMS output.
//
// Progress: a county's status on a measure over the range is the status it reported in the
// latest period of the range in which it reported the measure. A measure applies to a county
// when it reported progress on it in the range (whatever the status, NOT_STARTED included):
// the catalogue does not say which measures are a county's, and many are the city's alone, so
// a county's own report is the only evidence. A task or sub-task counts a county as done when
// it reported at least one measure below it and every measure it reported there is DONE.
func (s *Store) TaskRollups(ctx context.Context, p *auth.Principal, regionCode string, rng period.Range, includeUnapproved bool) ([]*TaskRollup, error) {
	c, plan, err := s.callerAndPlan(p)
	if err != nil {
		return nil, err
	}
	regions := s.cache.Regions()
	r := s.allowed(c, regionCode, auth.ReadAggregate)
	if r == nil {
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	// SECURITY: above the caller, the roll-up is read only as published (auth.ReadsPublished),
	// with no preview of unapproved progress.
	if auth.ReadsPublished(c.region.Path, r.Path) {
		if includeUnapproved {
			return nil, apperr.New(apperr.Forbidden, msg.PreviewProgressOwn, "code", r.Code, "name", r.Name).With("field", "includeUnapproved")
		}
		return s.publishedTasks(ctx, c, r, rng)
	}
	cat := s.cache.Catalogue()

	// The periods lying wholly inside the range: each whole year with its quarters, and the
	// quarters at the ends.
	var periods []string
	for _, part := range rng.Parts() {
		periods = append(periods, part.String())
		if part.Type() == period.Yearly {
			for _, q := range part.Quarters() {
				periods = append(periods, q.String())
			}
		}
	}

	// Per measure: output sums by key; each unit's status in the latest period it reported.
	type reported struct {
		status string
		end    period.Period
	}
	sums := map[int64]map[string]*big.Rat{}
	outUnits := map[int64]map[string][]string{} // by measure and output key
	status := map[int64]map[string]reported{}
	units := map[string]bool{}
	// SECURITY: as in IndicatorValues, the scope is the target's subtree and only totals and
	// counts leave this function.
	// The subtree as a byte-order range too (taskrollup.sql, whereSubtree). A region's path
	// ends in '/': it always has a next prefix.
	next, ok := nextPrefix(r.Path)
	if !ok {
		return nil, fmt.Errorf("task roll-up: region %s: path %q has no next prefix", r.Code, r.Path)
	}
	err = s.scoped(ctx, r.Path, func(tx *gorm.DB) error {
		args := db.Args{"plan": plan.ID, "periods": periods, "subtree": r.Path + "%",
			"subtree_from": r.Path, "subtree_to": next, "statuses": refrollup.Statuses(includeUnapproved)}
		rows, err := db.Query(ctx, tx, taskRollupSQL, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind, name, value, per, unitList string
			var taskID int64
			if err := rows.Scan(&kind, &taskID, &name, &value, &per, &unitList); err != nil {
				return err
			}
			switch kind {
			case "OUTPUT":
				v, ok := new(big.Rat).SetString(value)
				if !ok {
					return fmt.Errorf("task %d output %s: sum %q is not a number", taskID, name, value)
				}
				if sums[taskID] == nil {
					sums[taskID] = map[string]*big.Rat{}
					outUnits[taskID] = map[string][]string{}
				}
				sums[taskID][name] = v
				outUnits[taskID][name] = strings.Split(unitList, ",")
			case "STATUS":
				pp, err := period.Parse(per)
				if err != nil {
					return fmt.Errorf("task %d %s: %w", taskID, name, err)
				}
				units[name] = true
				if status[taskID] == nil {
					status[taskID] = map[string]reported{}
				}
				if prev, ok := status[taskID][name]; !ok || prev.end.End().Before(pp.End()) {
					status[taskID][name] = reported{status: value, end: pp}
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	expected := 0
	for _, x := range regions.Subtree(r.Code) {
		if x.Level == string(catalogue.County) {
			expected++
		}
	}

	isCounty := func(code string) bool {
		u := regions.Get(code)
		return u != nil && u.Level == string(catalogue.County)
	}

	var result []*TaskRollup
	var walk func(t *models.Task) (measures []*models.Task)
	walk = func(t *models.Task) []*models.Task {
		tr := &TaskRollup{Task: t, Expected: expected}
		result = append(result, tr)
		var measures []*models.Task
		if t.Level == catalogue.MeasureLevel {
			measures = []*models.Task{t}
		}
		for _, ch := range cat.TaskChildren(plan.ID, t.Code) {
			measures = append(measures, walk(ch)...)
		}
		tr.Outputs = outputTotals(cat.TaskOutputs, measures, sums, outUnits)
		// Counties reporting any measure; counties that reported and finished every one.
		reporting := map[string]bool{}
		unfinished := map[string]bool{}
		for _, m := range measures {
			for county, st := range status[m.ID] {
				if !isCounty(county) {
					continue
				}
				reporting[county] = true
				if st.status != "DONE" {
					unfinished[county] = true
				}
			}
		}
		tr.Reporting = len(reporting)
		tr.Done = len(reporting) - len(unfinished)
		for county := range reporting {
			tr.units = append(tr.units, county)
			if unfinished[county] {
				tr.unfinished = append(tr.unfinished, county)
			} else {
				tr.done = append(tr.done, county)
			}
		}
		return measures
	}
	for _, t := range cat.TaskChildren(plan.ID, "") {
		walk(t)
	}
	return result, nil
}

// outputTotals adds the measures' output sums up by output code, in catalogue.OutputCodes
// order, one row per code: figures of a code in units that count one quantity add up in the
// code's roll-up unit; a code whose figures are several quantities (ITEMS) has a row only
// where the measures hold a single output of it.
func outputTotals(outputsOf func(*models.Task) []*models.TaskOutput, measures []*models.Task, sums map[int64]map[string]*big.Rat,
	outUnits map[int64]map[string][]string) []OutputTotal {
	type group struct {
		unit      string // the roll-up unit, or the unit of the first output
		outputs   int
		oneFamily bool // every output's unit counts the code's one quantity
		sum       *big.Rat
		reported  bool
		units     []string
	}
	groups := map[string]*group{}
	for _, m := range measures {
		for _, o := range outputsOf(m) {
			g := groups[o.Code]
			if g == nil {
				g = &group{unit: o.Unit, oneFamily: true, sum: new(big.Rat)}
				groups[o.Code] = g
			}
			g.outputs++
			if u, ok := catalogue.OutputRollupUnit(o.Code, o.Unit); ok && g.oneFamily {
				g.unit = u
			} else {
				g.oneFamily = false
			}
			if v, ok := sums[m.ID][o.Key]; ok {
				g.sum.Add(g.sum, v)
				g.reported = true
				for _, u := range outUnits[m.ID][o.Key] {
					g.units = append(g.units, u+"|"+m.Code) // each unit's part: this measure's figure
				}
			}
		}
	}
	var out []OutputTotal
	for _, code := range catalogue.OutputCodes {
		g := groups[code]
		if g == nil || !g.reported || (!g.oneFamily && g.outputs > 1) {
			continue
		}
		v, _ := g.sum.Float64()
		out = append(out, OutputTotal{Code: code, Unit: g.unit, Value: v, units: g.units})
	}
	return out
}
