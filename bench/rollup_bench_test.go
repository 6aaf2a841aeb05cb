package bench

// Baselines for the roll-up, measured in the same loop as the API so that a change is judged
// by a ratio, not an absolute time (the machine varies by some 30 % between runs):
//
//	go test -run '^$' -bench 'Rollup' -benchtime 50x ./bench/
//
// BenchmarkRollupCityDashboard alternates the city dashboard over HTTP with the bare roll-up
// statement it runs (captured from the request, replayed by pgx as the application role under
// the same scope, on a connection with the scope and planner settings already set) and reports
// api/bare: the API's throughput as a fraction of the statement's.
// BenchmarkRollupNationalIndicatorValues alternates national indicatorValues with a
// hand-written GROUP BY over the year's approved yearly county submissions under the same
// row-level security, and reports api/groupby: how many times slower the API is.

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"planapi/db"
	"planapi/nationalgen"
	"planapi/pgcluster/pgtest"
	"planapi/snapshot"
	"planapi/testenv"
)

// captured is what one request ran: the roll-up statement and the scope it ran under.
type captured struct {
	mu    sync.Mutex
	on    bool
	sql   string
	args  []any
	scope string
}

func (c *captured) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return ctx
	}
	if strings.Contains(d.SQL, "'planapi.scope'") {
		for _, a := range d.Args {
			if m, ok := a.(pgx.StrictNamedArgs); ok {
				if s, ok := m["scope"].(string); ok {
					c.scope = s
				}
			}
		}
	}
	if strings.Contains(d.SQL, "range_parts AS MATERIALIZED") {
		c.sql, c.args = d.SQL, d.Args
	}
	return ctx
}

func (c *captured) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart sees the statements of a batch (the roll-up sent with its scope).
func (c *captured) TraceBatchStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	for _, q := range d.Batch.QueuedQueries {
		c.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: q.SQL, Args: q.Arguments})
	}
	return ctx
}

func (c *captured) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *captured) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

type rollupEnv struct {
	*env
	trace *captured
}

var (
	rollupOnce   sync.Once
	rollupShared *rollupEnv
	rollupErr    error
)

// rollupEnvFor is the national data set with a handler over a traced pool.
func rollupEnvFor(b *testing.B) *rollupEnv {
	national(b)
	rollupOnce.Do(func() {
		ctx := context.Background()
		dsn := pgtest.Server(b).AppDSN("planapi_bench")
		tr := &captured{}
		app, err := db.Open(ctx, dsn, db.Options{Tracer: tr})
		if err != nil {
			rollupErr = err
			return
		}
		cache, err := snapshot.NewCache(ctx, app)
		if err != nil {
			rollupErr = err
			return
		}
		rollupShared = &rollupEnv{env: &env{handler: testenv.Handler(b, app, cache), secret: []byte(testenv.Secret), appDSN: dsn},
			trace: tr}
	})
	if rollupErr != nil {
		b.Fatal(rollupErr)
	}
	return rollupShared
}

// interleave runs api and base alternately b.N times and reports each one's mean time and
// ratio = base/api throughput (api_over_base) and api/base time.
func interleave(b *testing.B, api, base func(), name string) {
	var tAPI, tBase time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		api()
		t1 := time.Now()
		base()
		tAPI += t1.Sub(t0)
		tBase += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tAPI.Microseconds())/n/1000, "api-ms")
	b.ReportMetric(float64(tBase.Microseconds())/n/1000, name+"-ms")
	b.ReportMetric(float64(tBase)/float64(tAPI), "api/"+name+"-throughput")
	b.ReportMetric(float64(tAPI)/float64(tBase), "api/"+name+"-time")
}

// request returns a function that sends query as an analyst of region (env.request, on this
// environment's traced handler), its one checked request made with the statement capture on.
func (e *rollupEnv) request(b *testing.B, region, query string) func() {
	e.trace.mu.Lock()
	e.trace.on = true
	e.trace.mu.Unlock()
	do := e.env.request(b, region, query)
	e.trace.mu.Lock()
	e.trace.on = false
	e.trace.mu.Unlock()
	return func() { do() }
}

func (e *rollupEnv) conn(b *testing.B, scope string) *pgx.Conn {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, e.appDSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(ctx) })
	if _, err := c.Exec(ctx, `SELECT set_config('planapi.scope', $1, false), set_config('plan_cache_mode', 'force_generic_plan', false),
		set_config('jit', 'off', false)`, scope); err != nil {
		b.Fatal(err)
	}
	return c
}

func drainRows(b *testing.B, c *pgx.Conn, sql string, args ...any) int {
	rows, err := c.Query(context.Background(), sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

func BenchmarkRollupCityDashboard(b *testing.B) {
	e := rollupEnvFor(b)
	api := e.request(b, "110100", sprintf(dashboard, "110100"))
	if e.trace.sql == "" || e.trace.scope == "" {
		b.Fatal("the roll-up statement or its scope was not captured")
	}
	c := e.conn(b, e.trace.scope)
	sql, args := e.trace.sql, e.trace.args
	drainRows(b, c, sql, args...)
	interleave(b, api, func() { drainRows(b, c, sql, args...) }, "bare")
}

// nationalGroupBy is the hand-written answer's reading: every element's sum over the year's
// approved yearly submissions, per element, under the caller's row-level security.
const nationalGroupBy = `SELECT v.element_id, sum(v.value), count(*)
FROM submissions s JOIN data_values v ON v.submission_id = s.id
WHERE s.period_year = 2023 AND s.period_quarter = 0 AND s.status = 'APPROVED'
GROUP BY v.element_id`

func BenchmarkRollupNationalIndicatorValues(b *testing.B) { nationalVsGroupBy(b, true) }

// BenchmarkRollupNationalGroupBySerial is BenchmarkRollupNationalIndicatorValues with the
// GROUP BY kept to one process (max_parallel_workers_per_gather = 0): PostgreSQL runs the
// hand-written GROUP BY with a parallel worker, on the machine's second CPU, while the roll-up
// statement (correlated per-region reads over materialised steps) runs in one process, so this
// is the two compared for the same CPU.
func BenchmarkRollupNationalGroupBySerial(b *testing.B) { nationalVsGroupBy(b, false) }

// nationalVsGroupBy alternates nationalValues with nationalGroupBy, with or without parallel
// workers for the GROUP BY.
func nationalVsGroupBy(b *testing.B, parallel bool) {
	e := rollupEnvFor(b)
	api := e.request(b, nationalgen.NationCode, nationalValues)
	if e.trace.scope == "" {
		b.Fatal("the scope was not captured")
	}
	c := e.conn(b, e.trace.scope)
	name := "groupby"
	if !parallel {
		if _, err := c.Exec(context.Background(), `SET max_parallel_workers_per_gather = 0`); err != nil {
			b.Fatal(err)
		}
		name = "groupby1"
	}
	if n := drainRows(b, c, nationalGroupBy); n == 0 {
		b.Fatal("the GROUP BY read nothing")
	}
	interleave(b, api, func() { drainRows(b, c, nationalGroupBy) }, name)
}

// BenchmarkRollupNationalBare is national indicatorValues against its own bare roll-up
// statement: how much of the API's time is the statement.
func BenchmarkRollupNationalBare(b *testing.B) {
	e := rollupEnvFor(b)
	api := e.request(b, nationalgen.NationCode, nationalValues)
	c := e.conn(b, e.trace.scope)
	sql, args := e.trace.sql, e.trace.args
	drainRows(b, c, sql, args...)
	interleave(b, api, func() { drainRows(b, c, sql, args...) }, "bare")
}
