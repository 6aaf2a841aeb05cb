package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"planapi/auth"
	"planapi/db"
	"planapi/models"
	"planapi/store"
	"planapi/testenv"
)

// TestRowLevelSecurityIsTheSecondLock queries through the data layer with no region filter
// at all, as a resolver with a forgotten WHERE would, and sees only in-scope rows.
func TestRowLevelSecurityIsTheSecondLock(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	ctx := context.Background()
	st := store.New(e.DB, e.Cache)

	var all int64
	e.Owner.Model(&models.Submission{}).Count(&all)
	if all < 10 {
		t.Fatalf("demo data has %d submissions; the test needs several regions' rows", all)
	}

	cases := []struct {
		name, region string
		role         auth.Role
		wantRegions  []string
	}{
		{"CountySeesOnlyItself", countyA, auth.RoleReporter, []string{countyA}},
		{"OtherCountySeesOnlyItself", countyB, auth.RoleAnalyst, []string{countyB}},
		{"CitySeesItsSubtree", city, auth.RoleAnalyst, []string{city, countyA, countyB, "419921", "419922", "419923"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &auth.Principal{Subject: "t", Role: c.role, Region: c.region}
			seen := map[string]bool{}
			err := st.InScope(ctx, p, func(tx *gorm.DB) error {
				// No filter: every table, every row RLS lets through.
				var subs []models.Submission
				if err := tx.Find(&subs).Error; err != nil {
					return err
				}
				for _, s := range subs {
					seen[s.RegionCode] = true
				}
				for _, table := range []string{"data_values", "submission_values", "missing_values", "task_reports", "audit_log"} {
					var paths []string
					if err := tx.Raw(`SELECT DISTINCT region_path FROM ` + table).Scan(&paths).Error; err != nil {
						return err
					}
					for _, path := range paths {
						if !inAny(e, path, c.wantRegions) {
							t.Errorf("%s: row of %s visible to %s", table, path, c.region)
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != len(c.wantRegions) {
				t.Errorf("saw submissions of %v, want exactly %v", keys(seen), c.wantRegions)
			}
			for _, r := range c.wantRegions {
				if !seen[r] {
					t.Errorf("own-scope region %s not visible", r)
				}
			}
		})
	}

	t.Run("WritesOutsideScopeAreRefused", func(t *testing.T) {
		p := &auth.Principal{Subject: "t", Role: auth.RoleReporter, Region: countyA}
		var affected int64
		err := st.InScope(ctx, p, func(tx *gorm.DB) error {
			res := tx.Exec(`UPDATE submissions SET version = version + 100 WHERE region_code = ?`, countyB)
			affected = res.RowsAffected
			return res.Error
		})
		if err != nil || affected != 0 {
			t.Errorf("update of another county: %d rows, err %v; want 0 rows", affected, err)
		}
		err = st.InScope(ctx, p, func(tx *gorm.DB) error {
			b := e.Cache.Regions().Get(countyB)
			return tx.Exec(`INSERT INTO submissions (plan_id, region_code, region_path, period, period_year, period_quarter, status, version, updated_by)
				VALUES ((SELECT id FROM plans LIMIT 1), ?, ?, '2030', 2030, 0, 'DRAFT', 1, 't')`, countyB, b.Path).Error
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("insert for another county: err %v, want a row-level security violation (42501)", err)
		}
	})

	t.Run("NoScopeNoRows", func(t *testing.T) {
		// Outside a scoped transaction the setting is missing: the policies fail closed.
		var n int64
		if err := e.DB.Model(&models.Submission{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("unscoped query saw %d submissions, want 0", n)
		}
	})

	t.Run("ScopeDoesNotLeakThroughThePool", func(t *testing.T) {
		one, err := db.Open(ctx, e.AppDSN, db.Options{MaxOpenConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close(one)
		st1 := store.New(one, e.Cache)
		p := &auth.Principal{Subject: "t", Role: auth.RoleAnalyst, Region: city}
		if err := st1.InScope(ctx, p, func(tx *gorm.DB) error { return tx.Find(&[]models.Submission{}).Error }); err != nil {
			t.Fatal(err)
		}
		// Same single connection, after the scoped transaction ended.
		var n int64
		if err := one.Model(&models.Submission{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("after a scoped transaction the pooled connection still sees %d rows", n)
		}
	})

	t.Run("AppRoleCannotBypass", func(t *testing.T) {
		var r struct {
			CurrentUser  string
			SessionUser  string
			RolSuper     bool
			RolBypassRLS bool
		}
		if err := e.DB.Raw(`SELECT current_user, session_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&r).Error; err != nil {
			t.Fatal(err)
		}
		// The pool logs in as the application role: no other role sits under it.
		if r.CurrentUser != db.AppRole || r.SessionUser != db.AppRole || r.RolSuper || r.RolBypassRLS {
			t.Errorf("queries run as %+v, want %s without superuser or BYPASSRLS", r, db.AppRole)
		}
		var owner string
		e.Owner.Raw(`SELECT tableowner FROM pg_tables WHERE tablename = 'submissions'`).Scan(&owner)
		if owner == db.AppRole {
			t.Errorf("the application role owns the tenant tables")
		}
	})

	againstTheConnection(t, e)
}

// againstTheConnection goes around the data layer: raw SQL on the application pool's own
// connection, as an injected statement would run. Neither dropping the role, nor a pattern
// for a scope, nor a child row hung on a neighbour's submission gets past the database.
func againstTheConnection(t *testing.T, e *testenv.Env) {
	ctx := context.Background()
	st := store.New(e.DB, e.Cache)
	pathA, pathB := e.Cache.Regions().Get(countyA).Path, e.Cache.Regions().Get(countyB).Path
	var owner string
	if err := e.Owner.Raw(`SELECT current_user`).Scan(&owner).Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, err := e.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	wantCode := func(t *testing.T, what string, err error, code string) {
		t.Helper()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != code {
			t.Errorf("%s: err %v, want SQLSTATE %s", what, err, code)
		}
	}

	t.Run("ResetRoleAndSetRoleOwnerCannotEscape", func(t *testing.T) {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `RESET ROLE`); err != nil {
			t.Fatal(err)
		}
		var cur, sess string
		if err := conn.QueryRowContext(ctx, `SELECT current_user, session_user`).Scan(&cur, &sess); err != nil {
			t.Fatal(err)
		}
		if cur != db.AppRole || sess != db.AppRole {
			t.Errorf("after RESET ROLE: current_user %s, session_user %s; want %s for both", cur, sess, db.AppRole)
		}
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM submissions`).Scan(&n); err != nil || n != 0 {
			t.Errorf("after RESET ROLE, unscoped: %d submissions (%v), want 0", n, err)
		}
		// Scoped to county A after RESET ROLE: still only A's rows.
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT set_config('planapi.scope', $1, true)`, pathA); err != nil {
			t.Fatal(err)
		}
		var mine, others int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE region_path = $1), count(*) FILTER (WHERE region_path <> $1) FROM submissions`, pathA).Scan(&mine, &others); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		if mine == 0 || others != 0 {
			t.Errorf("after RESET ROLE, scoped to %s: %d own and %d other submissions; want some and 0", countyA, mine, others)
		}
		_, err = conn.ExecContext(ctx, `SET ROLE `+pgx.Identifier{owner}.Sanitize())
		wantCode(t, "SET ROLE "+owner, err, "42501")
		_, err = conn.ExecContext(ctx, `SET SESSION AUTHORIZATION `+pgx.Identifier{owner}.Sanitize())
		wantCode(t, "SET SESSION AUTHORIZATION "+owner, err, "42501")
		_, err = conn.ExecContext(ctx, `ALTER TABLE submissions DISABLE ROW LEVEL SECURITY`)
		wantCode(t, "ALTER TABLE … DISABLE ROW LEVEL SECURITY", err, "42501")
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM submissions`).Scan(&n); err != nil || n != 0 {
			t.Errorf("after the attempts, unscoped: %d submissions (%v), want 0", n, err)
		}
	})

	t.Run("PatternScopeMatchesNothing", func(t *testing.T) {
		// LIKE read the scope as a pattern; starts_with reads it as text.
		for _, scope := range []string{"%", "_%", "410000/4199__/", "410000/419900/%"} {
			var n int64
			err := e.DB.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(`SELECT set_config('planapi.scope', ?, true)`, scope).Error; err != nil {
					return err
				}
				return tx.Raw(`SELECT (SELECT count(*) FROM submissions) + (SELECT count(*) FROM data_values) +
					(SELECT count(*) FROM task_reports) + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM missing_values)`).Scan(&n).Error
			})
			if err != nil || n != 0 {
				t.Errorf("scope %q: %d rows visible (%v), want 0", scope, n, err)
			}
		}
	})

	t.Run("ChildRowOnASiblingsSubmissionIsRefused", func(t *testing.T) {
		var subB int64
		if err := e.Owner.Raw(`SELECT id FROM submissions WHERE region_code = ? ORDER BY id LIMIT 1`, countyB).Scan(&subB).Error; err != nil || subB == 0 {
			t.Fatalf("no submission of %s: %v", countyB, err)
		}
		var element, task int64
		e.Owner.Raw(`SELECT id FROM data_elements WHERE id NOT IN (SELECT element_id FROM data_values WHERE submission_id = ?
			UNION SELECT element_id FROM missing_values WHERE submission_id = ?) ORDER BY id LIMIT 1`, subB, subB).Scan(&element)
		e.Owner.Raw(`SELECT id FROM tasks WHERE id NOT IN (SELECT task_id FROM task_reports WHERE submission_id = ?) ORDER BY id LIMIT 1`, subB).Scan(&task)
		if element == 0 || task == 0 {
			t.Fatalf("no free element (%d) or task (%d) on submission %d", element, task, subB)
		}
		inserts := map[string]string{
			"data_values":    `INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by) VALUES (@sub, @element, @path, 1, 't')`,
			"missing_values": `INSERT INTO missing_values (submission_id, element_id, region_path, reason, updated_by) VALUES (@sub, @element, @path, '无此项', 't')`,
			"task_reports":   `INSERT INTO task_reports (submission_id, task_id, region_path, status, updated_by) VALUES (@sub, @task, @path, 'DONE', 't')`,
			"audit_log":      `INSERT INTO audit_log (submission_id, region_path, actor, role, action, version) VALUES (@sub, @path, 't', 'reporter', 'SET_VALUE', 1)`,
		}
		args := func(sql, path string) db.Args {
			a := db.Args{"sub": subB, "path": path}
			if strings.Contains(sql, "@element") {
				a["element"] = element
			}
			if strings.Contains(sql, "@task") {
				a["task"] = task
			}
			return a
		}
		p := &auth.Principal{Subject: "t", Role: auth.RoleReporter, Region: countyA}
		for table, sql := range inserts {
			t.Run(table, func(t *testing.T) {
				// County A's scope, A's path, B's submission: the policy passes, the key does not.
				err := st.InScope(ctx, p, func(tx *gorm.DB) error {
					_, err := db.Exec(ctx, tx, sql, args(sql, pathA))
					return err
				})
				wantCode(t, table+" row with "+countyA+"'s path on "+countyB+"'s submission", err, "23503")
				// B's path on B's submission from A's scope: the policy refuses it.
				err = st.InScope(ctx, p, func(tx *gorm.DB) error {
					_, err := db.Exec(ctx, tx, sql, args(sql, pathB))
					return err
				})
				wantCode(t, table+" row with "+countyB+"'s path from "+countyA+"'s scope", err, "42501")
			})
		}
	})

	t.Run("SubmissionValuesOnlyByTriggers", func(t *testing.T) {
		// The roll-up's copy of each submission's values (migration 0011) is written by
		// data_values' triggers only: the service's role may not write it, in scope or not.
		var subB int64
		if err := e.Owner.Raw(`SELECT id FROM submissions WHERE region_code = ? ORDER BY id LIMIT 1`, countyB).Scan(&subB).Error; err != nil || subB == 0 {
			t.Fatalf("no submission of %s: %v", countyB, err)
		}
		p := &auth.Principal{Subject: "t", Role: auth.RoleReporter, Region: countyA}
		for _, sql := range []string{
			`INSERT INTO submission_values (submission_id, region_path, ids, vals, mask, maskable, max_abs) VALUES (@sub, @path, '{}', '{}', 0, true, 0)`,
			`UPDATE submission_values SET vals = '{}' WHERE region_path = @path`,
			`DELETE FROM submission_values WHERE region_path = @path`,
		} {
			err := st.InScope(ctx, p, func(tx *gorm.DB) error {
				a := db.Args{"path": pathA}
				if strings.Contains(sql, "@sub") {
					a["sub"] = subB
				}
				_, err := db.Exec(ctx, tx, sql, a)
				return err
			})
			wantCode(t, sql, err, "42501")
		}
	})

	t.Run("SubmissionPathIsItsRegions", func(t *testing.T) {
		// A submission naming county B but filed under A's path would sit in A's scope.
		p := &auth.Principal{Subject: "t", Role: auth.RoleReporter, Region: countyA}
		err := st.InScope(ctx, p, func(tx *gorm.DB) error {
			return tx.Exec(`INSERT INTO submissions (plan_id, region_code, region_path, period, period_year, period_quarter, status, version, updated_by)
				VALUES ((SELECT id FROM plans LIMIT 1), ?, ?, '2030', 2030, 0, 'DRAFT', 1, 't')`, countyB, pathA).Error
		})
		wantCode(t, "submission of "+countyB+" under "+countyA+"'s path", err, "23503")
	})

	t.Run("ReportSectionPathIsItsRegions", func(t *testing.T) {
		// A section naming another city's region (YY市) filed under XX市's path would sit in
		// XX市's scope and be read as YY市's by whoever reads above both (the province).
		p := &auth.Principal{Subject: "t", Role: auth.RoleAdmin, Region: city}
		cityPath := e.Cache.Regions().Get(city).Path
		for _, table := range []string{"report_sections", "report_section_history"} {
			err := st.InScope(ctx, p, func(tx *gorm.DB) error {
				if table == "report_sections" {
					return tx.Exec(`INSERT INTO report_sections (plan_id, region_code, region_path, as_of, section, text, version, updated_by)
						VALUES ((SELECT id FROM plans LIMIT 1), '419700', ?, '2023Q1', 'PROBLEMS', 'x', 1, 't')`, cityPath).Error
				}
				return tx.Exec(`INSERT INTO report_section_history (plan_id, region_code, region_path, as_of, section, version, text, actor, role)
					VALUES ((SELECT id FROM plans LIMIT 1), '419700', ?, '2023Q1', 'PROBLEMS', 1, 'x', 't', 'admin')`, cityPath).Error
			})
			wantCode(t, table+" row of 419700 under "+city+"'s path", err, "23503")
		}
	})
}

func inAny(e *testenv.Env, path string, regions []string) bool {
	for _, r := range regions {
		if e.Cache.Regions().Get(r).Path == path {
			return true
		}
	}
	return false
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
