package store

import (
	"context"

	"gorm.io/gorm"

	"planapi/apperr"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
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
}

// OutputTotal is an output figure summed by code and unit.
type OutputTotal struct {
	Code, Unit string
	Value      float64
}

// TaskRollups rolls key-task progress up over a region's subtree for one period (the
// submissions of exactly that period): each measure's outputs summed over the counties,
// then over the measures of each sub-task and task by code and unit; and how many of the
// subtree's counties reported each measure, and reported it DONE (for a task or sub-task:
// every measure below it DONE). Two statements.
func (s *Store) TaskRollups(ctx context.Context, p *auth.Principal, regionCode string, per period.Period, includeUnapproved bool) ([]*TaskRollup, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	regions := s.cache.Regions()
	r := regions.Get(regionCode)
	if r == nil || c.decide(auth.ReadAggregate, r) != auth.Allow {
		return nil, apperr.New(apperr.NotFound, "region %q not found", regionCode).With("field", "regionCode")
	}
	ancestor := !auth.InScope(c.region.Path, r.Path)
	// SECURITY: as for indicator values, no preview above the caller's own scope.
	if includeUnapproved && ancestor {
		return nil, apperr.New(apperr.Forbidden, "includeUnapproved: a preview of %s %s's unapproved progress is for its own staff", r.Code, r.Name).With("field", "includeUnapproved")
	}
	cat := s.cache.Catalogue()
	statuses := refrollup.Statuses(includeUnapproved)
	type outRow struct {
		TaskID int64
		Key    string
		Value  float64
	}
	type progRow struct {
		TaskID     int64
		RegionCode string
		Status     string
	}
	var outs []outRow
	var progs []progRow
	// SECURITY: as in IndicatorValues, the scope is the target's subtree and only totals and
	// counts leave this function.
	err = s.scoped(ctx, r.Path, func(tx *gorm.DB) error {
		args := db.Args{"plan": plan.ID, "period": per.String(), "subtree": r.Path + "%", "statuses": statuses}
		rows, err := db.Query(ctx, tx, `SELECT tr.task_id, o.key, sum(o.value::float8) AS value
			FROM task_reports tr
			JOIN submissions s ON s.id = tr.submission_id
			CROSS JOIN LATERAL jsonb_each_text(tr.outputs) AS o(key, value)
			WHERE s.plan_id = @plan AND s.period = @period AND s.region_path LIKE @subtree
				AND s.status = ANY (@statuses)
			GROUP BY tr.task_id, o.key`, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o outRow
			if err := rows.Scan(&o.TaskID, &o.Key, &o.Value); err != nil {
				return err
			}
			outs = append(outs, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = db.Query(ctx, tx, `SELECT tr.task_id, s.region_code, tr.status
			FROM task_reports tr
			JOIN submissions s ON s.id = tr.submission_id
			JOIN regions g ON g.code = s.region_code AND g.level = 'COUNTY'
			WHERE s.plan_id = @plan AND s.period = @period AND s.region_path LIKE @subtree
				AND s.status = ANY (@statuses)`, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var pr progRow
			if err := rows.Scan(&pr.TaskID, &pr.RegionCode, &pr.Status); err != nil {
				return err
			}
			progs = append(progs, pr)
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

	// SECURITY: above the caller, output sums made of its own and exactly one neighbour's
	// figures would give the neighbour's away: they are withheld (the counts stay).
	if ancestor {
		others := map[string]bool{}
		for _, pr := range progs {
			if u := regions.Get(pr.RegionCode); u != nil && !auth.InScope(c.region.Path, u.Path) {
				others[pr.RegionCode] = true
			}
		}
		if len(others) == 1 {
			outs = nil
		}
	}

	// Per measure: outputs by key, and each county's status.
	outByTask := map[int64]map[string]float64{}
	for _, o := range outs {
		if outByTask[o.TaskID] == nil {
			outByTask[o.TaskID] = map[string]float64{}
		}
		outByTask[o.TaskID][o.Key] = o.Value
	}
	status := map[int64]map[string]string{}
	for _, pr := range progs {
		if status[pr.TaskID] == nil {
			status[pr.TaskID] = map[string]string{}
		}
		status[pr.TaskID][pr.RegionCode] = pr.Status
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
		// Outputs by code and unit over the measures.
		sums := map[[2]string]float64{}
		var order [][2]string
		for _, m := range measures {
			for _, o := range cat.TaskOutputs(m) {
				v, ok := outByTask[m.ID][o.Key]
				if !ok {
					continue
				}
				k := [2]string{o.Code, o.Unit}
				if _, seen := sums[k]; !seen {
					order = append(order, k)
				}
				sums[k] += v
			}
		}
		for _, k := range order {
			tr.Outputs = append(tr.Outputs, OutputTotal{Code: k[0], Unit: k[1], Value: sums[k]})
		}
		// Counties reporting any measure; counties with every measure DONE.
		reporting := map[string]bool{}
		doneCount := map[string]int{}
		for _, m := range measures {
			for county, st := range status[m.ID] {
				reporting[county] = true
				if st == "DONE" {
					doneCount[county]++
				}
			}
		}
		tr.Reporting = len(reporting)
		for _, n := range doneCount {
			if len(measures) > 0 && n == len(measures) {
				tr.Done++
			}
		}
		return measures
	}
	for _, t := range cat.TaskChildren(plan.ID, "") {
		walk(t)
	}
	return result, nil
}
