package store_test

import (
	"context"
	"testing"

	"planapi/auth"
	"planapi/db"
	"planapi/period"
	"planapi/store"
	"planapi/testenv"
)

// TestRollupScopeEndsWithIt: the roll-up sets its scope and planner settings in the same
// implicit transaction as the statement (one batch), so the next user of the pooled
// connection finds none of them, and a request scoped to one county reads none of another's
// figures.
func TestRollupScopeEndsWithIt(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	ctx := context.Background()
	pool, err := db.Open(ctx, e.AppDSN, db.Options{MaxOpenConns: 1}) // one connection: the next statement reuses it
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(pool)
	s := store.New(pool, e.Cache)
	p := &auth.Principal{Subject: "t", Role: auth.RoleAnalyst, Region: "419900"}
	vals, _, err := s.IndicatorValues(ctx, p, store.ValuesQuery{Regions: []string{"419900"}, Periods: []period.Range{period.Single(period.Year(2021))}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) == 0 {
		t.Fatal("no values")
	}
	var scope, mode, jit string
	if err := pool.Raw(`SELECT coalesce(current_setting('planapi.scope', true), ''), current_setting('plan_cache_mode'), current_setting('jit')`).
		Row().Scan(&scope, &mode, &jit); err != nil {
		t.Fatal(err)
	}
	if scope != "" || mode == "force_generic_plan" {
		t.Errorf("after the roll-up, the pooled connection has scope %q, plan_cache_mode %s, jit %s: want no scope and the defaults", scope, mode, jit)
	}
	var n int64
	if err := pool.Raw(`SELECT count(*) FROM submissions`).Row().Scan(&n); err != nil || n != 0 {
		t.Errorf("after the roll-up, %d submissions visible without a scope (%v), want 0", n, err)
	}
	// A county's own figures only: the same roll-up for a county is not the city's.
	county := &auth.Principal{Subject: "c", Role: auth.RoleAnalyst, Region: "419902"}
	cv, _, err := s.IndicatorValues(ctx, county, store.ValuesQuery{Regions: []string{"419902"}, Periods: []period.Range{period.Single(period.Year(2021))}})
	if err != nil {
		t.Fatal(err)
	}
	for k, list := range cv {
		for _, v := range list {
			for _, code := range v.Reported {
				if code != "419902" {
					t.Errorf("%v %s: the county's roll-up reports %s", k, v.Indicator.Code, code)
				}
			}
		}
	}
}
