package rollupsql_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
	"planapi/nationalgen"
	"planapi/period"
	"planapi/pgcluster/pgtest"
	"planapi/refrollup"
	"planapi/setup"
	"planapi/store/internal/rollupsql"
)

// TestExplainNational prints PostgreSQL's EXPLAIN ANALYZE of the roll-up statement for every
// indicator of the whole country for one year, on nationalgen's data set (3,177 reporting
// units), under row-level security as the service runs it: where the time of a national
// roll-up goes, node by node. It takes about half a minute and runs only when asked:
//
//	EXPLAIN_NATIONAL=1 go test -run TestExplainNational -v ./store/internal/rollupsql/
func TestExplainNational(t *testing.T) {
	if os.Getenv("EXPLAIN_NATIONAL") == "" {
		t.Skip("set EXPLAIN_NATIONAL=1 to run")
	}
	ctx := context.Background()
	srv := pgtest.Server(t)
	name := srv.CreateDatabase(t, "")
	dsn := srv.DSN(name)
	if _, err := setup.Database(ctx, dsn, false); err != nil {
		t.Fatal(err)
	}
	if _, err := nationalgen.Generate(ctx, dsn, "MS14FYP", nationalgen.Options{Nation: true, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	owner, err := db.OpenOwner(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(owner)
	app, err := db.Open(ctx, srv.AppDSN(name), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(app)
	var inds []models.Indicator
	var els []*models.DataElement
	var path string
	if err := owner.Find(&inds).Error; err != nil {
		t.Fatal(err)
	}
	if err := owner.Find(&els).Error; err != nil {
		t.Fatal(err)
	}
	if err := owner.Raw(`SELECT path FROM regions WHERE code = ?`, nationalgen.NationCode).Scan(&path).Error; err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, e := range els {
		ids[e.Code] = e.ID
	}
	var sets []rollupsql.ElementSet
	for _, ind := range inds {
		var f catalogue.Formula
		if err := json.Unmarshal(ind.Formula, &f); err != nil {
			t.Fatal(err)
		}
		set := rollupsql.ElementSet{Key: ind.Code}
		for _, term := range append(f.Numerator, f.Denominator...) {
			set.ElementIDs = append(set.ElementIDs, ids[term.Element])
		}
		sets = append(sets, set)
	}
	q := rollupsql.FiguresQuery{PlanID: inds[0].PlanID, Targets: []rollupsql.Target{{Code: nationalgen.NationCode, Path: path}},
		Ranges: []period.Range{period.Single(period.Year(2023))}, Statuses: refrollup.Statuses(false),
		CoverageStatuses: refrollup.Statuses(true), Sets: sets, Elements: els}
	err = app.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('planapi.scope', ?, true)`, path).Error; err != nil {
			return err
		}
		lines, err := rollupsql.ExplainAnalyze(ctx, tx, q)
		for _, l := range lines {
			t.Log(l)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
