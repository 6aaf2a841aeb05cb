package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/demo"
	"planapi/models"
	"planapi/period"
)

// DemoCity is the demo city's code. The report redacts the city's name (XX市), so the demo
// uses a made-up city with GB/T 2260-form codes inside Henan (41), not a real one.
const DemoCity = demo.CityCode

// DemoRegions is the demo region tree: Henan province, the demo city and its five
// county-level divisions.
func DemoRegions() []models.Region {
	city := demo.City()
	out := []models.Region{
		{Code: demo.ProvinceCode, Name: "河南省", Level: string(catalogue.Province)},
		{Code: city.Code, Name: city.Name, Level: string(city.Level), ParentCode: &city.Parent},
	}
	for _, c := range demo.Counties() {
		out = append(out, models.Region{Code: c.Code, Name: c.Name, Level: string(c.Level), ParentCode: &c.Parent})
	}
	return out
}

// demoActor is the audit trail's actor for the demo figures.
const demoActor = "demo-loader"

// LoadDemo loads the demo regions and the demo figures: approved submissions of the five
// counties and the city for 2021, 2022 and 2023Q1 (demo package). It runs as the schema owner
// at start-up and is idempotent: a submission that already exists — the demo's own from an
// earlier start, or one a user made — is left exactly as it is. It returns how many
// submissions it created.
func LoadDemo(ctx context.Context, owner *gorm.DB, plan *catalogue.Plan) (int, error) {
	if err := UpsertRegions(ctx, owner, DemoRegions()); err != nil {
		return 0, fmt.Errorf("load demo regions: %w", err)
	}
	subs, err := demo.Submissions(plan)
	if err != nil {
		return 0, fmt.Errorf("demo figures: %w", err)
	}
	created := 0
	err = owner.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var root string
		if err := tx.Raw(`SELECT path FROM regions WHERE code = ?`, demo.ProvinceCode).Scan(&root).Error; err != nil {
			return err
		}
		// The owner is subject to row-level security too, unless it is a superuser.
		if err := tx.Exec(`SELECT set_config('planapi.scope', ?, true)`, root).Error; err != nil {
			return err
		}
		var planID int64
		if err := tx.Raw(`SELECT id FROM plans WHERE code = ?`, plan.Code).Scan(&planID).Error; err != nil {
			return err
		}
		ids := map[string]int64{}
		var els []models.DataElement
		if err := tx.Where("plan_id = ?", planID).Find(&els).Error; err != nil {
			return err
		}
		for _, e := range els {
			ids[e.Code] = e.ID
		}
		taskIDs := map[string]int64{}
		var tasks []models.Task
		if err := tx.Where("plan_id = ?", planID).Find(&tasks).Error; err != nil {
			return err
		}
		for _, t := range tasks {
			taskIDs[t.Code] = t.ID
		}
		for _, ps := range demo.Periods() {
			if err := tx.Exec(`INSERT INTO reporting_periods (period, open, updated_by) VALUES (?, false, ?) ON CONFLICT DO NOTHING`, ps, demoActor).Error; err != nil {
				return err
			}
		}
		for _, s := range subs {
			per, err := period.Parse(s.Period)
			if err != nil {
				return err
			}
			var path string
			if err := tx.Raw(`SELECT path FROM regions WHERE code = ?`, s.Region).Scan(&path).Error; err != nil {
				return err
			}
			var subID int64
			if err := tx.Raw(`INSERT INTO submissions (plan_id, region_code, region_path, period, period_year, period_quarter, status, version, updated_by)
				VALUES (?, ?, ?, ?, ?, ?, 'APPROVED', 3, ?) ON CONFLICT (plan_id, region_code, period) DO NOTHING RETURNING id`,
				planID, s.Region, path, per.String(), per.Year, per.Quarter, demoActor).Scan(&subID).Error; err != nil {
				return err
			}
			if subID == 0 {
				continue // already there: leave it alone
			}
			created++
			audit := func(version int, action string, element *string, newValue *float64, from, to *string, comment string) error {
				return tx.Exec(`INSERT INTO audit_log (submission_id, region_path, actor, role, action, element, new_value, from_status, to_status, comment, version)
					VALUES (?, ?, ?, 'admin', ?, ?, ?, ?, ?, ?, ?)`, subID, path, demoActor, action, element, newValue, from, to, comment, version).Error
			}
			draft, submitted, approved := "DRAFT", "SUBMITTED", "APPROVED"
			if err := audit(1, "CREATE", nil, nil, nil, &draft, "demo data"); err != nil {
				return err
			}
			for _, code := range sortedKeys(s.Values) {
				id, ok := ids[code]
				if !ok {
					return fmt.Errorf("demo element %s is not in the catalogue", code)
				}
				v := s.Values[code]
				if err := tx.Exec(`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by) VALUES (?, ?, ?, ?, ?)`,
					subID, id, path, v, demoActor).Error; err != nil {
					return err
				}
				c := code
				if err := audit(1, "SET_VALUE", &c, &v, nil, nil, ""); err != nil {
					return err
				}
			}
			for _, t := range s.Tasks {
				id, ok := taskIDs[t.Task]
				if !ok {
					return fmt.Errorf("demo task %s is not in the catalogue", t.Task)
				}
				out, err := json.Marshal(t.Outputs)
				if err != nil {
					return err
				}
				if err := tx.Exec(`INSERT INTO task_reports (submission_id, task_id, region_path, status, narrative, outputs, updated_by) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)`,
					subID, id, path, t.Status, t.Narrative, string(out), demoActor).Error; err != nil {
					return err
				}
			}
			if err := audit(2, "SUBMIT", nil, nil, &draft, &submitted, ""); err != nil {
				return err
			}
			if err := audit(3, "APPROVE", nil, nil, &submitted, &approved, "demo data"); err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}

func sortedKeys(m map[string]float64) []string {
	return slices.Sorted(maps.Keys(m))
}

// Load brings the catalogue, and with demo the demo regions and figures, into the database
// as the schema owner. Running it again changes nothing. The server runs it at start-up; the
// tests run it on their template database.
func Load(ctx context.Context, owner *gorm.DB, plan *catalogue.Plan, demo bool) (SyncResult, int, error) {
	res, err := SyncCatalogue(ctx, owner, plan)
	if err != nil {
		return res, 0, fmt.Errorf("load catalogue: %w", err)
	}
	if !demo {
		return res, 0, nil
	}
	n, err := LoadDemo(ctx, owner, plan)
	if err != nil {
		return res, 0, fmt.Errorf("load demo: %w", err)
	}
	return res, n, nil
}
