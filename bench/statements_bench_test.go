package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// What one request runs in the database, statement by statement (e.run logs it with -v, and
// with EXPLAIN=1 their plans). The baselines of issue 14 (the bare roll-up, a hand-written
// GROUP BY) are in rollup_bench_test.go.

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

// explain, with EXPLAIN=1 in the environment, replays stmts on a planapi_app connection as
// replay does, but runs each query but set_config under EXPLAIN (ANALYZE, BUFFERS) and logs
// its plan: where a request's time in the database goes.
//
//	EXPLAIN=1 go test -run '^$' -bench 'CitySubmissionsNested$' -benchtime 1x -v ./bench/
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
