// Package testenv builds what end-to-end tests need: a fresh database migrated by the
// server's own migrations and loaded with the catalogue (and the demo regions), the real
// HTTP handler, real signed tokens, and a small GraphQL client. Only tests import it: like
// cmd/server, it wires the owner's start-up (setup) and the application role's service.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"planapi/auth"
	"planapi/db"
	"planapi/events"
	"planapi/pgcluster/pgtest"
	"planapi/server"
	"planapi/setup"
	"planapi/snapshot"
	"planapi/store"
)

// Main runs the package's tests and removes the test cluster afterwards. Call it from
// TestMain.
func Main(m *testing.M) int {
	code := pgtest.Main(m)
	return code
}

var (
	tplOnce sync.Once
	tplName string
	tplErr  error
)

// template creates, once per test binary, a database migrated and loaded with the
// catalogue and the demo regions; each test's database is a copy of it (CREATE DATABASE
// ... TEMPLATE), which is far faster than migrating each one.
func template(tb testing.TB) string {
	tb.Helper()
	srv := pgtest.Server(tb)
	tplOnce.Do(func() {
		name := fmt.Sprintf("planapi_tpl_%d", os.Getpid())
		srv.Exec(tb, "DROP DATABASE IF EXISTS "+name)
		srv.Exec(tb, "CREATE DATABASE "+name)
		ctx := context.Background()
		dsn := srv.DSN(name)
		if _, err := setup.Database(ctx, dsn, true); err != nil {
			tplErr = err
			return
		}
		if err := publishDemo(ctx, srv.AppDSN(name)); err != nil {
			tplErr = err
			return
		}
		tplName = name
	})
	if tplErr != nil {
		tb.Fatalf("prepare template database: %v", tplErr)
	}
	return tplName
}

// publishDemo publishes the demo cities' totals for their demo periods, as the server does
// at start-up with DEMO=1.
func publishDemo(ctx context.Context, dsn string) error {
	app, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close(app)
	cache, err := snapshot.NewCache(ctx, app)
	if err != nil {
		return err
	}
	st := store.New(app, cache)
	for city, periods := range setup.DemoPublications() {
		admin := &auth.Principal{Subject: "demo-loader", Role: auth.RoleAdmin, Region: city}
		if _, err := st.EnsurePublished(ctx, admin, city, periods); err != nil {
			return err
		}
	}
	return nil
}

// Env is one test's service: its own database, the handler, and a signing secret.
type Env struct {
	OwnerDSN string
	AppDSN   string   // the service's login role (db.AppRole), as the server's pool logs in
	Owner    *gorm.DB // schema owner: for assertions that must see past RLS
	DB       *gorm.DB // application role, as the service uses it
	Cache    *snapshot.Cache
	Handler  http.Handler
	Secret   []byte
	counter  *StatementCounter
}

// StatementCounter counts the SQL statements the application role's pool runs.
type StatementCounter struct{ n atomic.Int64 }

// TraceQueryStart implements pgx.QueryTracer.
func (c *StatementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if os.Getenv("TRACE_SQL") != "" {
		fmt.Fprintln(os.Stderr, "SQL:", d.SQL)
	}
	c.n.Add(1)
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (c *StatementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer: each statement of a batch counts as one
// (TraceBatchQuery), as it would have run alone.
func (c *StatementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	if os.Getenv("TRACE_SQL") != "" {
		for _, q := range d.Batch.QueuedQueries {
			fmt.Fprintln(os.Stderr, "SQL (batch):", q.SQL)
		}
	}
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (c *StatementCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	c.n.Add(1)
}

// TraceBatchEnd implements pgx.BatchTracer.
func (c *StatementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Statements runs fn and returns how many SQL statements the service ran meanwhile
// (transaction control and the scope setting included). Not for use by parallel subtests
// of one Env.
func (e *Env) Statements(fn func()) int64 {
	before := e.counter.n.Load()
	fn()
	return e.counter.n.Load() - before
}

// Secret is the HS256 key test tokens are signed with.
const Secret = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

// New returns a fresh environment on a copy of the template database.
func New(tb testing.TB) *Env {
	tb.Helper()
	srv := pgtest.Server(tb)
	name := srv.CreateDatabase(tb, template(tb))
	ctx := context.Background()
	e := &Env{OwnerDSN: srv.DSN(name), AppDSN: srv.AppDSN(name), Secret: []byte(Secret)}
	var err error
	if e.Owner, err = db.OpenOwner(ctx, e.OwnerDSN); err != nil {
		tb.Fatalf("open owner: %v", err)
	}
	e.counter = &StatementCounter{}
	if e.DB, err = db.Open(ctx, e.AppDSN, db.Options{MaxOpenConns: 8, Tracer: e.counter}); err != nil {
		tb.Fatalf("open app db: %v", err)
	}
	tb.Cleanup(func() { db.Close(e.DB); db.Close(e.Owner) })
	if e.Cache, err = snapshot.NewCache(ctx, e.DB); err != nil {
		tb.Fatalf("load cache: %v", err)
	}
	e.Handler = Handler(tb, e.DB, e.Cache)
	return e
}

// Handler is the service's real handler over a database, verifying tokens signed with Secret.
func Handler(tb testing.TB, app *gorm.DB, cache *snapshot.Cache) http.Handler {
	tb.Helper()
	return HandlerWith(tb, app, cache, nil)
}

// HandlerWithEvents is Handler whose subscriptions hear the hub's events.
func HandlerWithEvents(tb testing.TB, app *gorm.DB, cache *snapshot.Cache, hub *events.Hub) http.Handler {
	tb.Helper()
	return HandlerWith(tb, app, cache, func(d *server.Deps) { d.Events = hub })
}

// HandlerWith is Handler with its dependencies changed by with (nil: none), e.g. a CORS
// allow-list.
func HandlerWith(tb testing.TB, app *gorm.DB, cache *snapshot.Cache, with func(*server.Deps)) http.Handler {
	tb.Helper()
	keys, err := auth.LoadKeySet(Secret, "")
	if err != nil {
		tb.Fatalf("keys: %v", err)
	}
	v, err := auth.NewVerifier(auth.VerifierConfig{Keys: keys})
	if err != nil {
		tb.Fatalf("verifier: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	d := server.Deps{DB: app, Cache: cache, Verifier: v, Logger: log, Introspection: true}
	if with != nil {
		with(&d)
	}
	return server.New(d)
}

// Token mints a token for a region and role, valid for an hour.
func (e *Env) Token(tb testing.TB, region string, role auth.Role) string {
	tb.Helper()
	t, err := auth.Mint(e.Secret, auth.MintClaims{Subject: string(role) + "-" + region, Region: region, Role: role}, time.Hour, time.Now())
	if err != nil {
		tb.Fatalf("mint: %v", err)
	}
	return t
}

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage
	Errors []Error
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the first error's extensions.code, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v, failing the test on errors.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	if len(r.Errors) > 0 {
		tb.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Data, err)
	}
}

// Do posts a GraphQL document through the real handler. token "" sends no Authorization.
func (e *Env) Do(tb testing.TB, token, query string, vars map[string]any) *Response {
	tb.Helper()
	return e.DoIn(tb, "", token, query, vars)
}

// DoIn is Do with an Accept-Language header (none when empty): "en" asks for English messages.
func (e *Env) DoIn(tb testing.TB, acceptLanguage, token, query string, vars map[string]any) *Response {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []Error         `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		tb.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return &Response{Status: rec.Code, Data: out.Data, Errors: out.Errors}
}

// MustOK posts and fails the test on any error.
func (e *Env) MustOK(tb testing.TB, token, query string, vars map[string]any, v any) {
	tb.Helper()
	r := e.Do(tb, token, query, vars)
	if r.Status != http.StatusOK {
		tb.Fatalf("status %d: %+v", r.Status, r.Errors)
	}
	r.Decode(tb, v)
}

// Buffer is an io.Writer safe for concurrent writers (a server's log, a pool's tracer) that a
// test reads while they write.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
