package setup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/db"
	"planapi/demo"
	"planapi/models"
	"planapi/period"
)

// DemoCity is the demo city's code. The report redacts the city's name (XX市), so the demo
// uses a made-up city with GB/T 2260-form codes inside Henan (41), not a real one.
const DemoCity = demo.CityCode

// DemoRegions is the demo region tree: Henan province, the demo city and its five
// county-level divisions, and a second city with two counties.
func DemoRegions() []models.Region {
	city := demo.City()
	out := []models.Region{
		{Code: demo.ProvinceCode, Name: "河南省", Level: string(catalogue.Province)},
		{Code: city.Code, Name: city.Name, Level: string(city.Level), ParentCode: &city.Parent},
	}
	for _, c := range demo.Counties() {
		out = append(out, models.Region{Code: c.Code, Name: c.Name, Level: string(c.Level), ParentCode: &c.Parent})
	}
	second := demo.SecondCity()
	out = append(out, models.Region{Code: second.Code, Name: second.Name, Level: string(second.Level), ParentCode: &second.Parent})
	for _, c := range demo.SecondCounties() {
		out = append(out, models.Region{Code: c.Code, Name: c.Name, Level: string(c.Level), ParentCode: &c.Parent})
	}
	return out
}

// DemoPublications are the demo cities and the periods whose totals the demo publishes for
// their counties to read, by city code.
func DemoPublications() map[string][]string {
	return map[string][]string{demo.CityCode: demo.Periods(), demo.SecondCityCode: demo.SecondPeriods()}
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
	second, err := demo.SecondCitySubmissions(plan)
	if err != nil {
		return 0, fmt.Errorf("demo figures of the second city: %w", err)
	}
	subs = append(subs, second...)
	created := 0
	err = owner.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var root string
		if err := db.QueryRow(ctx, tx, `SELECT path FROM regions WHERE code = @code`, db.Args{"code": demo.ProvinceCode}).Scan(&root); err != nil {
			return err
		}
		// The owner is subject to row-level security too, unless it is a superuser.
		if _, err := db.Exec(ctx, tx, `SELECT set_config('planapi.scope', @scope, true)`, db.Args{"scope": root}); err != nil {
			return err
		}
		var planID int64
		if err := db.QueryRow(ctx, tx, `SELECT id FROM plans WHERE code = @code`, db.Args{"code": plan.Code}).Scan(&planID); err != nil {
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
		for city, periods := range DemoPublications() {
			for _, ps := range periods {
				if _, err := db.Exec(ctx, tx, `INSERT INTO reporting_periods (region_code, region_path, period, open, updated_by)
					SELECT code, path, @period, false, @actor FROM regions WHERE code = @city
					ON CONFLICT DO NOTHING`, db.Args{"city": city, "period": ps, "actor": demoActor}); err != nil {
					return err
				}
			}
		}
		for _, s := range subs {
			per, err := period.Parse(s.Period)
			if err != nil {
				return err
			}
			var path string
			if err := db.QueryRow(ctx, tx, `SELECT path FROM regions WHERE code = @code`, db.Args{"code": s.Region}).Scan(&path); err != nil {
				return err
			}
			var subID int64
			err = db.QueryRow(ctx, tx, `INSERT INTO submissions (plan_id, region_code, region_path, period, period_year,
					period_quarter, status, version, updated_by)
				VALUES (@plan, @region, @path, @period, @year, @quarter, 'APPROVED', 3, @actor)
				ON CONFLICT (plan_id, region_code, period) DO NOTHING RETURNING id`,
				db.Args{"plan": planID, "region": s.Region, "path": path, "period": per.String(), "year": per.Year,
					"quarter": per.Quarter, "actor": demoActor}).Scan(&subID)
			if errors.Is(err, sql.ErrNoRows) {
				continue // already there: leave it alone
			}
			if err != nil {
				return err
			}
			created++
			audit := func(version int, action string, element *string, newValue *float64, from, to *string, comment string) error {
				_, err := db.Exec(ctx, tx, `INSERT INTO audit_log (submission_id, region_path, actor, role, action, element,
						new_value, from_status, to_status, comment, version)
					VALUES (@submission, @path, @actor, 'admin', @action, @element, @new_value, @from, @to, @comment, @version)`,
					db.Args{"submission": subID, "path": path, "actor": demoActor, "action": action, "element": element,
						"new_value": newValue, "from": from, "to": to, "comment": comment, "version": version})
				return err
			}
			draft, submitted, approved := models.StatusDraft, models.StatusSubmitted, models.StatusApproved
			if err := audit(1, "CREATE", nil, nil, nil, &draft, "demo data"); err != nil {
				return err
			}
			for _, code := range sortedKeys(s.Values) {
				id, ok := ids[code]
				if !ok {
					return fmt.Errorf("demo element %s is not in the catalogue", code)
				}
				v := s.Values[code]
				if _, err := db.Exec(ctx, tx, `INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
					VALUES (@submission, @element, @path, @value, @actor)`,
					db.Args{"submission": subID, "element": id, "path": path, "value": v, "actor": demoActor}); err != nil {
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
				if _, err := db.Exec(ctx, tx, `INSERT INTO task_reports (submission_id, task_id, region_path, status, narrative, outputs, updated_by)
					VALUES (@submission, @task, @path, @status, @narrative, @outputs::jsonb, @actor)`,
					db.Args{"submission": subID, "task": id, "path": path, "status": t.Status, "narrative": t.Narrative,
						"outputs": string(out), "actor": demoActor}); err != nil {
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

// Result is what Database changed.
type Result struct {
	Migrations      []int      // versions applied
	Plan            string     // the plan's code
	Catalogue       SyncResult // catalogue rows written and retired
	DemoSubmissions int        // demo submissions created
}

// Database makes the database at ownerDSN ready to serve, as its owner: the application role,
// the migrations, the catalogue from the embedded plan, and with demo the demo regions and
// figures. Running it again changes nothing. The server runs it at start-up and the tests on
// their template database, so both serve the same schema and data.
func Database(ctx context.Context, ownerDSN string, demo bool) (Result, error) {
	var res Result
	var err error
	if res.Migrations, err = Prepare(ctx, ownerDSN); err != nil {
		return res, err
	}
	plan, err := catalogue.Load()
	if err != nil {
		return res, err
	}
	res.Plan = plan.Code
	owner, err := db.OpenOwner(ctx, ownerDSN)
	if err != nil {
		return res, err
	}
	defer db.Close(owner)
	if res.Catalogue, err = SyncCatalogue(ctx, owner, plan); err != nil {
		return res, fmt.Errorf("load catalogue: %w", err)
	}
	if !demo {
		return res, nil
	}
	if res.DemoSubmissions, err = LoadDemo(ctx, owner, plan); err != nil {
		return res, fmt.Errorf("load demo: %w", err)
	}
	return res, nil
}

// UpsertRegions writes regions (parents before children) idempotently, computing their
// paths. It runs as the schema owner.
func UpsertRegions(ctx context.Context, owner *gorm.DB, regions []models.Region) error {
	return owner.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, x := range regions {
			_, err := db.Exec(ctx, tx, `INSERT INTO regions (code, name, level, parent_code, path)
				VALUES (@code, @name, @level, @parent, COALESCE((SELECT path FROM regions WHERE code = @parent), '') || @code || '/')
				ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level
				WHERE (regions.name, regions.level) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level)`,
				db.Args{"code": x.Code, "name": x.Name, "level": x.Level, "parent": x.ParentCode})
			if err != nil {
				return fmt.Errorf("region %s %s: %w", x.Code, x.Name, err)
			}
		}
		return nil
	})
}
