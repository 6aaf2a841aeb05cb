package server_test

import (
	"context"
	"errors"
	"testing"

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
				for _, table := range []string{"data_values", "missing_values", "task_reports", "audit_log"} {
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
		one, err := db.Open(ctx, e.OwnerDSN, db.Options{MaxOpenConns: 1})
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
			RolSuper     bool
			RolBypassRLS bool
		}
		if err := e.DB.Raw(`SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&r).Error; err != nil {
			t.Fatal(err)
		}
		if r.CurrentUser != db.AppRole || r.RolSuper || r.RolBypassRLS {
			t.Errorf("queries run as %+v, want %s without superuser or BYPASSRLS", r, db.AppRole)
		}
		var owner string
		e.Owner.Raw(`SELECT tableowner FROM pg_tables WHERE tablename = 'submissions'`).Scan(&owner)
		if owner == db.AppRole {
			t.Errorf("the application role owns the tenant tables")
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
