package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The baselines of issue 14: what PostgreSQL alone does for the same answer, on the same
// database, as the same role (planapi_app's login) under the same row-level-security scope.
// Each Vs benchmark interleaves one API request and one baseline run per iteration, so the
// machine's noise falls on both alike, and reports:
//
//	api-ms/op    the request over the real HTTP handler (median)
//	base-ms/op   the baseline through pgx (median)
//	api/base     their ratio, the figure to judge a change by
//
// (ns/op is the sum of both.)

// stmt is one statement a request ran, with its arguments as the driver got them.
type stmt struct {
	sql  string
	args []any
	took time.Duration
}

// captureTracer records the statements the service's pool runs while on is set.
type captureTracer struct {
	on    atomic.Bool
	mu    sync.Mutex
	stmts []stmt
}

var capture = &captureTracer{}

func (c *captureTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if c.on.Load() {
		c.mu.Lock()
		c.stmts = append(c.stmts, stmt{sql: d.SQL, args: append([]any(nil), d.Args...)})
		ctx = context.WithValue(ctx, stmtKey{}, stmtStart{i: len(c.stmts) - 1, at: time.Now()})
		c.mu.Unlock()
	}
	return ctx
}

type stmtKey struct{}

type stmtStart struct {
	i  int
	at time.Time
}

func (c *captureTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if s, ok := ctx.Value(stmtKey{}).(stmtStart); ok {
		c.mu.Lock()
		if s.i < len(c.stmts) {
			c.stmts[s.i].took = time.Since(s.at)
		}
		c.mu.Unlock()
	}
}

// record returns the statements one request ran.
func (c *captureTracer) record(fn func()) []stmt {
	c.mu.Lock()
	c.stmts = nil
	c.mu.Unlock()
	c.on.Store(true)
	fn()
	c.on.Store(false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts
}

// appConn opens one connection as planapi_app, as the service's pool logs in.
func (e *env) appConn(b *testing.B) *pgx.Conn {
	b.Helper()
	conn, err := pgx.Connect(context.Background(), e.appDSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// drain runs one statement and reads every row of its answer.
func drain(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (int, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		_ = rows.RawValues()
		n++
	}
	rows.Close()
	return n, rows.Err()
}

// groupBy returns the hand-written national answer: for one year, the sum and the count of
// each data element over every county's approved yearly submission, under the scope of
// region's path, as planapi_app.
func (e *env) groupBy(b *testing.B, region string, year int) func() {
	b.Helper()
	conn := e.appConn(b)
	ctx := context.Background()
	var path string
	if err := conn.QueryRow(ctx, `SELECT path FROM regions WHERE code = $1`, region).Scan(&path); err != nil {
		b.Fatal(err)
	}
	const q = `SELECT v.element_id, sum(v.value), count(*)
FROM submissions s
JOIN regions r ON r.code = s.region_code AND r.level = 'COUNTY'
JOIN data_values v ON v.submission_id = s.id
WHERE s.plan_id = $1 AND s.period_year = $2 AND s.period_quarter = 0 AND s.status = 'APPROVED'
GROUP BY v.element_id`
	run := func() {
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SELECT set_config('planapi.scope', $1, true)`, path); err != nil {
			b.Fatal(err)
		}
		if _, err := drain(ctx, conn, q, e.planID, year); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// The answer is not empty: RLS under the scope admits the rows.
	var n int
	tx, err := conn.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('planapi.scope', $1, true)`, path); err != nil {
		b.Fatal(err)
	}
	if n, err = drain(ctx, conn, q, e.planID, year); err != nil || n == 0 {
		b.Fatalf("group by: %d rows, %v", n, err)
	}
	_ = tx.Rollback(ctx)
	b.Logf("hand-written GROUP BY: %d elements", n)
	return run
}

// versus interleaves the API request and the baseline, one each per iteration, and reports
// the median of each (a stall of the shared machine during a few iterations moves a mean, not
// a median) and their ratio.
func (e *env) versus(b *testing.B, region, query string, base func()) {
	b.Helper()
	do := e.request(b, region, query)
	var api, bare []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		do()
		t1 := time.Now()
		base()
		api = append(api, t1.Sub(t0))
		bare = append(bare, time.Since(t1))
	}
	a, r := median(api), median(bare)
	b.ReportMetric(float64(a.Microseconds())/1000, "api-ms/op")
	b.ReportMetric(float64(r.Microseconds())/1000, "base-ms/op")
	b.ReportMetric(float64(a)/float64(r), "api/base")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// explain, with EXPLAIN=1 in the environment, replays stmts on a planapi_app connection as
// replay does, but runs each query but set_config under EXPLAIN (ANALYZE, BUFFERS) and logs
// its plan: where a request's time in the database goes.
//
//	EXPLAIN=1 go test -run '^$' -bench CitySubmissionsList -benchtime 1x -v ./bench/
func (e *env) explain(b *testing.B, stmts []stmt) {
	b.Helper()
	if os.Getenv("EXPLAIN") == "" {
		return
	}
	conn := e.appConn(b)
	ctx := context.Background()
	for _, s := range stmts {
		q := strings.TrimSpace(s.sql)
		// A statement from a .sql file opens with its comment: judge it by what follows.
		body := q
		for strings.HasPrefix(body, "--") {
			_, rest, _ := strings.Cut(body, "\n")
			body = strings.TrimSpace(rest)
		}
		lower := strings.ToLower(body)
		if !(strings.HasPrefix(lower, "select") || strings.HasPrefix(lower, "with")) || strings.Contains(lower, "set_config(") {
			if _, err := drain(ctx, conn, s.sql, s.args...); err != nil {
				b.Fatalf("replay %q: %v", firstWords(s.sql), err)
			}
			continue
		}
		rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, s.args...)
		if err != nil {
			b.Fatalf("explain %q: %v", firstWords(s.sql), err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				b.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		b.Logf("%s\n%s\n%s", firstWords(s.sql), q, strings.Join(plan, "\n"))
	}
}

// describe names each statement with the time it took in the service's request.
func describe(stmts []stmt) string {
	var names []string
	for _, s := range stmts {
		names = append(names, fmt.Sprintf("%s (%.2f ms)", firstWords(s.sql), float64(s.took.Microseconds())/1000))
	}
	return strings.Join(names, " | ")
}

func firstWords(sql string) string {
	f := strings.Fields(sql)
	if len(f) > 4 {
		f = f[:4]
	}
	return strings.Join(f, " ")
}
