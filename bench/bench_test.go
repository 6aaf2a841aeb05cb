// Package bench measures the roll-up on a national-scale data set: 31 provinces, 333 cities,
// 2,844 counties, every data element, 2021–2025 and their quarters (about 79,000 approved
// submissions and 2.6 million values), generated on demand by nationalgen into a throwaway
// PostgreSQL. Run:
//
//	go test -run '^$' -bench . -benchtime 50x ./bench/
//
// Generating the data set takes about ten seconds before the first benchmark.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"planapi/auth"
	"planapi/db"
	"planapi/nationalgen"
	"planapi/pgcluster/pgtest"
	"planapi/server"
	"planapi/setup"
	"planapi/snapshot"
	"planapi/testenv"
)

// TestMain runs the benchmarks with the server's garbage-collector defaults (server.TuneGC:
// GOGC=400, GOMEMLIMIT=256MiB unless the environment sets them), so that they measure the
// service as it runs; GOGC=100 in the environment measures Go's own default instead.
func TestMain(m *testing.M) {
	env := map[string]string{"GOGC": os.Getenv("GOGC"), "GOMEMLIMIT": os.Getenv("GOMEMLIMIT")}
	fmt.Fprintln(os.Stderr, server.TuneGC(env))
	os.Exit(pgtest.Main(m))
}

type env struct {
	handler http.Handler
	secret  []byte
	appDSN  string // planapi_app's login on the bench database, for the bare baselines
}

var (
	once   sync.Once
	shared *env
	err    error
)

// national builds the data set once per test binary.
func national(b *testing.B) *env {
	b.Helper()
	once.Do(func() {
		ctx := context.Background()
		// The database outlives the first benchmark (CreateDatabase would drop it when that
		// benchmark ends): a fixed name, dropped and made anew at each run. On the private test
		// cluster it goes with the cluster; on TEST_DATABASE_URL the next run drops it.
		srv := pgtest.Server(b)
		srv.Exec(b, "DROP DATABASE IF EXISTS planapi_bench WITH (FORCE)")
		srv.Exec(b, "CREATE DATABASE planapi_bench")
		dsn := srv.DSN("planapi_bench")
		if _, err = setup.Database(ctx, dsn, false); err != nil {
			return
		}
		var res nationalgen.Result
		res, err = nationalgen.Generate(ctx, dsn, "MS14FYP", nationalgen.Options{Nation: true, Seed: 1})
		if err != nil {
			return
		}
		b.Logf("national data set: %d provinces, %d cities, %d counties, %d submissions, %d values in %v",
			res.Provinces, res.Cities, res.Counties, res.Submissions, res.Values, res.Took.Round(time.Millisecond))
		app, e := db.Open(ctx, srv.AppDSN("planapi_bench"), db.Options{Tracer: capture})
		if e != nil {
			err = e
			return
		}
		cache, e := snapshot.NewCache(ctx, app)
		if e != nil {
			err = e
			return
		}
		shared = &env{handler: testenv.Handler(b, app, cache), secret: []byte(testenv.Secret), appDSN: srv.AppDSN("planapi_bench")}
	})
	if err != nil {
		b.Fatalf("national data set: %v", err)
	}
	return shared
}

func (e *env) run(b *testing.B, region string, query string) {
	b.Helper()
	do := e.request(b, region, query)
	// Where the time of one request goes in the database, statement by statement (-v).
	stmts := capture.record(func() { do() })
	b.Logf("%d statements: %s", len(stmts), describe(stmts))
	e.explain(b, stmts)
	b.ResetTimer()
	for b.Loop() {
		do()
	}
}

// request returns a function that sends query over HTTP with an analyst's token for region,
// after one checked request (which also warms the connection pool).
func (e *env) request(b *testing.B, region string, query string) func() []byte {
	b.Helper()
	tok, err := auth.Mint(e.secret, auth.MintClaims{Subject: "bench", Region: region, Role: auth.RoleAnalyst}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": query})
	do := func() []byte {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec.Body.Bytes()
	}
	// One checked request, which also warms the connection pool.
	var out struct {
		Errors []any `json:"errors"`
	}
	first := do()
	if err := json.Unmarshal(first, &out); err != nil || len(out.Errors) > 0 {
		b.Fatalf("query failed: %s", first)
	}
	return do
}

// nationalValues is national indicatorValues for one year.
const nationalValues = `query { indicatorValues(regionCode: "000000", period: "2023") { indicator { code } value numerator denominator completeness { expected reported approved } } }`

const dashboard = `query { dashboard(regionCode: "%s", period: "2023") { columns { code } rows { indicator { code } total { value numerator denominator completeness { expected reported approved } } cells { value } } } }`

func BenchmarkCityDashboard(b *testing.B) {
	e := national(b)
	e.run(b, "110100", sprintf(dashboard, "110100"))
}

func BenchmarkProvinceDashboard(b *testing.B) {
	e := national(b)
	e.run(b, "110000", sprintf(dashboard, "110000"))
}

func BenchmarkNationalIndicatorValues(b *testing.B) {
	e := national(b)
	e.run(b, nationalgen.NationCode, nationalValues)
}

func BenchmarkNationalDashboard(b *testing.B) {
	e := national(b)
	e.run(b, nationalgen.NationCode, sprintf(dashboard, nationalgen.NationCode))
}

func sprintf(format, region string) string {
	return fmt.Sprintf(format, region)
}
