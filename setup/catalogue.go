// Package setup is what runs as the schema owner, at start-up and never while serving: it
// creates the application role and applies the migrations (migrate.go), writes the plan's
// catalogue from catalogue/plan.yaml (catalogue.go), the region tree and the demo figures
// (demo.go). Database is the one entry point the server and the test template share. It
// must never be imported by the request path (server, resolvers, store): the tenant service
// runs as the application role, and this package's handles bypass what that role may not do.
package setup

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
)

// SyncResult counts what a catalogue sync changed.
type SyncResult struct {
	// Updated counts rows written: inserted or changed (an upsert does not tell them apart).
	Updated, Retired int
}

// Changed reports whether the sync changed anything.
func (r SyncResult) Changed() bool { return r.Updated+r.Retired > 0 }

func (r *SyncResult) add(n int64, err error) error {
	if err != nil {
		return err
	}
	r.Updated += int(n)
	return nil
}

// SyncCatalogue writes the plan into the catalogue tables idempotently. Rows are matched by
// code: a new code is inserted, a changed row is updated in place (keeping its id, so data
// submitted against it stays attached), an unchanged row is not written at all, and a code
// that left the file is marked retired rather than deleted. It runs as the schema owner,
// in one transaction.
func SyncCatalogue(ctx context.Context, owner *gorm.DB, plan *catalogue.Plan) (SyncResult, error) {
	var res SyncResult
	err := owner.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var planID int64
		// The plan row: RETURNING id on both insert and a no-op conflict needs the
		// DO UPDATE ... WHERE false trick to be avoided; read the id afterwards instead.
		n, err := db.Exec(ctx, tx, `INSERT INTO plans (code, name, start_year, end_year, owner_level, source)
			VALUES (@code, @name, @start_year, @end_year, @owner_level, @source)
			ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, start_year = EXCLUDED.start_year,
				end_year = EXCLUDED.end_year, owner_level = EXCLUDED.owner_level, source = EXCLUDED.source,
				updated_at = now()
			WHERE (plans.name, plans.start_year, plans.end_year, plans.owner_level, plans.source)
				IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.start_year, EXCLUDED.end_year, EXCLUDED.owner_level, EXCLUDED.source)`,
			db.Args{"code": plan.Code, "name": plan.Name, "start_year": plan.StartYear, "end_year": plan.EndYear,
				"owner_level": string(plan.OwnerLevel), "source": plan.Source})
		if err := res.add(n, err); err != nil {
			return fmt.Errorf("plan %s: %w", plan.Code, err)
		}
		if err := db.QueryRow(ctx, tx, `SELECT id FROM plans WHERE code = @code`, db.Args{"code": plan.Code}).Scan(&planID); err != nil {
			return fmt.Errorf("plan %s: %w", plan.Code, err)
		}

		// Categories.
		var catCodes []string
		for i, c := range plan.Categories {
			catCodes = append(catCodes, c.Code)
			n, err := db.Exec(ctx, tx, `INSERT INTO indicator_categories (plan_id, code, name, ordinal)
				VALUES (@plan, @code, @name, @ordinal)
				ON CONFLICT (plan_id, code) DO UPDATE SET name = EXCLUDED.name, ordinal = EXCLUDED.ordinal, retired = false
				WHERE (indicator_categories.name, indicator_categories.ordinal, indicator_categories.retired)
					IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.ordinal, false)`,
				db.Args{"plan": planID, "code": c.Code, "name": c.Name, "ordinal": i + 1})
			if err := res.add(n, err); err != nil {
				return fmt.Errorf("category %s: %w", c.Code, err)
			}
		}
		if err := retire(ctx, tx, &res, "indicator_categories", planID, catCodes); err != nil {
			return err
		}

		// Data elements.
		var elCodes []string
		for i, e := range plan.DataElements {
			elCodes = append(elCodes, e.Code)
			required, reason := plan.Required(e.Code)
			pts := make([]string, len(e.PeriodTypes))
			for j, p := range e.PeriodTypes {
				pts[j] = string(p)
			}
			n, err := db.Exec(ctx, tx, `INSERT INTO data_elements (plan_id, code, name, unit, value_type, collected_at, period_types,
					region_rule, weight_code, time_rule, part_of_code, description, ordinal, required, optional_reason, max_value, change_factor)
				VALUES (@plan, @code, @name, @unit, @value_type, @collected_at, @period_types,
					@region_rule, @weight_code, @time_rule, @part_of_code, @description, @ordinal,
					@required, @optional_reason, @max_value, @change_factor)
				ON CONFLICT (plan_id, code) DO UPDATE SET name = EXCLUDED.name, unit = EXCLUDED.unit,
					value_type = EXCLUDED.value_type, collected_at = EXCLUDED.collected_at,
					period_types = EXCLUDED.period_types, region_rule = EXCLUDED.region_rule,
					weight_code = EXCLUDED.weight_code, time_rule = EXCLUDED.time_rule,
					part_of_code = EXCLUDED.part_of_code, description = EXCLUDED.description,
					ordinal = EXCLUDED.ordinal, retired = false, required = EXCLUDED.required,
					optional_reason = EXCLUDED.optional_reason, max_value = EXCLUDED.max_value,
					change_factor = EXCLUDED.change_factor
				WHERE (data_elements.name, data_elements.unit, data_elements.value_type, data_elements.collected_at,
					data_elements.period_types, data_elements.region_rule, data_elements.weight_code,
					data_elements.time_rule, data_elements.part_of_code, data_elements.description,
					data_elements.ordinal, data_elements.retired, data_elements.required, data_elements.optional_reason,
					data_elements.max_value, data_elements.change_factor)
				IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.unit, EXCLUDED.value_type, EXCLUDED.collected_at,
					EXCLUDED.period_types, EXCLUDED.region_rule, EXCLUDED.weight_code, EXCLUDED.time_rule,
					EXCLUDED.part_of_code, EXCLUDED.description, EXCLUDED.ordinal, false, EXCLUDED.required,
					EXCLUDED.optional_reason, EXCLUDED.max_value, EXCLUDED.change_factor)`,
				db.Args{"plan": planID, "code": e.Code, "name": e.Name, "unit": e.Unit, "value_type": string(e.ValueType),
					"collected_at": string(e.CollectedAt), "period_types": pts, "region_rule": string(e.Aggregation.Regions),
					"weight_code": e.Aggregation.Weight, "time_rule": string(e.Aggregation.Time), "part_of_code": e.PartOf,
					"description": e.Description, "ordinal": i + 1, "required": required, "optional_reason": reason,
					"max_value": e.Max, "change_factor": e.ChangeFactor})
			if err := res.add(n, err); err != nil {
				return fmt.Errorf("data element %s: %w", e.Code, err)
			}
		}
		if err := retire(ctx, tx, &res, "data_elements", planID, elCodes); err != nil {
			return err
		}

		// Indicators.
		var indCodes []string
		ordinal := 0
		for _, c := range plan.Categories {
			for _, ind := range c.Indicators {
				ordinal++
				indCodes = append(indCodes, ind.Code)
				formula, err := json.Marshal(ind.Formula)
				if err != nil {
					return fmt.Errorf("indicator %s: encode formula: %w", ind.Code, err)
				}
				n, err := db.Exec(ctx, tx, `INSERT INTO indicators (plan_id, category_id, code, name, unit, target_value, comparator,
						target_year, direction, cumulative, source, note, formula, ordinal)
					VALUES (@plan, (SELECT id FROM indicator_categories WHERE plan_id = @plan AND code = @category), @code,
						@name, @unit, @target_value, @comparator, @target_year, @direction, @cumulative, @source, @note,
						@formula::jsonb, @ordinal)
					ON CONFLICT (plan_id, code) DO UPDATE SET category_id = EXCLUDED.category_id, name = EXCLUDED.name,
						unit = EXCLUDED.unit, target_value = EXCLUDED.target_value, comparator = EXCLUDED.comparator,
						target_year = EXCLUDED.target_year, direction = EXCLUDED.direction, cumulative = EXCLUDED.cumulative,
						source = EXCLUDED.source, note = EXCLUDED.note, formula = EXCLUDED.formula,
						ordinal = EXCLUDED.ordinal, retired = false
					WHERE (indicators.category_id, indicators.name, indicators.unit, indicators.target_value,
						indicators.comparator, indicators.target_year, indicators.direction, indicators.cumulative,
						indicators.source, indicators.note, indicators.formula, indicators.ordinal, indicators.retired)
					IS DISTINCT FROM (EXCLUDED.category_id, EXCLUDED.name, EXCLUDED.unit, EXCLUDED.target_value,
						EXCLUDED.comparator, EXCLUDED.target_year, EXCLUDED.direction, EXCLUDED.cumulative,
						EXCLUDED.source, EXCLUDED.note, EXCLUDED.formula, EXCLUDED.ordinal, false)`,
					db.Args{"plan": planID, "category": c.Code, "code": ind.Code, "name": ind.Name, "unit": ind.Unit,
						"target_value": ind.Target.Value, "comparator": string(ind.Target.Comparator), "target_year": ind.Target.Year,
						"direction": string(ind.Direction), "cumulative": ind.Cumulative, "source": ind.Source, "note": ind.Note,
						"formula": string(formula), "ordinal": ordinal})
				if err := res.add(n, err); err != nil {
					return fmt.Errorf("indicator %s: %w", ind.Code, err)
				}
			}
		}
		if err := retire(ctx, tx, &res, "indicators", planID, indCodes); err != nil {
			return err
		}

		// Tasks, sub-tasks and measures.
		var taskCodes []string
		for i, t := range plan.FlatTasks() {
			taskCodes = append(taskCodes, t.Code)
			keys := t.OutputKeys()
			outputs := make([]models.TaskOutput, len(t.Outputs))
			for j, o := range t.Outputs {
				outputs[j] = models.TaskOutput{Key: keys[j], Code: o.Code, Name: o.Name, Unit: o.Unit, Reported: o.Reported, Approximate: o.Approximate}
			}
			out, err := json.Marshal(outputs)
			if err != nil {
				return fmt.Errorf("task %s: encode outputs: %w", t.Code, err)
			}
			n, err := db.Exec(ctx, tx, `INSERT INTO tasks (plan_id, code, parent_code, level, title, text, outputs, ordinal)
				VALUES (@plan, @code, @parent_code, @level, @title, @text, @outputs::jsonb, @ordinal)
				ON CONFLICT (plan_id, code) DO UPDATE SET parent_code = EXCLUDED.parent_code, level = EXCLUDED.level,
					title = EXCLUDED.title, text = EXCLUDED.text, outputs = EXCLUDED.outputs,
					ordinal = EXCLUDED.ordinal, retired = false
				WHERE (tasks.parent_code, tasks.level, tasks.title, tasks.text, tasks.outputs, tasks.ordinal, tasks.retired)
				IS DISTINCT FROM (EXCLUDED.parent_code, EXCLUDED.level, EXCLUDED.title, EXCLUDED.text,
					EXCLUDED.outputs, EXCLUDED.ordinal, false)`,
				db.Args{"plan": planID, "code": t.Code, "parent_code": t.ParentCode, "level": t.Level, "title": t.Title,
					"text": t.Text, "outputs": string(out), "ordinal": i + 1})
			if err := res.add(n, err); err != nil {
				return fmt.Errorf("task %s: %w", t.Code, err)
			}
		}
		return retire(ctx, tx, &res, "tasks", planID, taskCodes)
	})
	return res, err
}

// retire marks the rows of table whose code is no longer in the file. Data submitted
// against them stays; the API stops listing them.
func retire(ctx context.Context, tx *gorm.DB, res *SyncResult, table string, planID int64, keep []string) error {
	n, err := db.Exec(ctx, tx, `UPDATE `+table+` SET retired = true WHERE plan_id = @plan AND NOT retired AND NOT (code = ANY (@keep))`,
		db.Args{"plan": planID, "keep": append([]string{}, keep...)})
	if err != nil {
		return fmt.Errorf("retire %s: %w", table, err)
	}
	res.Retired += int(n)
	return nil
}
