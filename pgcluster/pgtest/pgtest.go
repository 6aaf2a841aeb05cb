// Package pgtest gives a package's tests a real PostgreSQL server and a fresh
// database per test.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and in a test:
//
//	db := pgtest.Server(t).CreateDatabase(t, "")
//	pool, err := pgxpool.New(ctx, pgtest.Server(t).DSN(db))
//
// AppDSN gives the same database as the service's own login role (db.AppRole, NOSUPERUSER
// NOBYPASSRLS), made on the server the way the private cluster makes it, so tests connect
// the way production does.
//
// With TEST_DATABASE_URL set (a superuser DSN), tests use that server.
// Otherwise each test binary starts its own throwaway cluster (see
// pgcluster) in a temporary directory on first use, so test binaries of
// different packages, which go test runs in parallel, share nothing.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"planapi/db"
	"planapi/pgcluster"
)

// Postgres is a PostgreSQL server the tests may create databases on, as a
// superuser. (Named Postgres because Server is the function returning it.)
type Postgres struct {
	dsn     func(dbname string) string
	appDSN  func(dbname string) string
	cluster *pgcluster.Cluster // nil when using TEST_DATABASE_URL
	dir     string
}

var (
	once     sync.Once
	mu       sync.Mutex // guards shared against Main
	shared   *Postgres
	startErr error
	counter  atomic.Uint64
)

const (
	dirPattern    = "planapi-pgtest-*"
	ownerFileName = "owner"
	maintenanceDB = "postgres"
)

// Main runs the tests and then stops and removes the test binary's private
// cluster, if one was started. Call it from TestMain.
//
// Without Main the cluster still stops when the test binary exits (the
// kernel signals it), but its directory stays until a later run removes it.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	s := shared
	mu.Unlock()
	if s == nil || s.cluster == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.cluster.Stop(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: stop test cluster: %v\n", err)
		code = 1
	}
	if err := os.RemoveAll(s.dir); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: remove test cluster: %v\n", err)
		code = 1
	}
	return code
}

// Server returns the test binary's shared server, starting it on first use.
func Server(tb testing.TB) *Postgres {
	tb.Helper()
	once.Do(func() {
		s, err := start()
		mu.Lock()
		shared, startErr = s, err
		mu.Unlock()
	})
	if startErr != nil {
		tb.Fatalf("pgtest: %v", startErr)
	}
	return shared
}

func start() (*Postgres, error) {
	if env := os.Getenv("TEST_DATABASE_URL"); env != "" {
		dsn, err := dsnFunc(env)
		if err != nil {
			return nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		// Test binaries sharing the server must agree on the password without talking to
		// each other: derive it from the superuser's DSN, which they share and nobody else has.
		sum := sha256.Sum256([]byte("planapi test login role\x00" + env))
		pw := hex.EncodeToString(sum[:16])
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := pgcluster.EnsureLoginRole(ctx, dsn(maintenanceDB), db.AppRole, pw); err != nil {
			return nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		app, err := loginDSNFunc(env, db.AppRole, pw)
		if err != nil {
			return nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		return &Postgres{dsn: dsn, appDSN: app}, nil
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	removeLeftovers(ctx, os.TempDir(), logf)
	dir, err := os.MkdirTemp("", dirPattern)
	if err != nil {
		return nil, err
	}
	if err := writeOwner(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: dir, Ephemeral: true, Logf: logf})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w (or set TEST_DATABASE_URL to a superuser DSN of an existing server)", err)
	}
	if err := c.EnsureLoginRole(ctx, db.AppRole); err != nil {
		c.Stop(ctx)
		os.RemoveAll(dir)
		return nil, err
	}
	if _, err := c.LoginDSN(db.AppRole, maintenanceDB); err != nil {
		c.Stop(ctx)
		os.RemoveAll(dir)
		return nil, err
	}
	app := func(dbname string) string {
		dsn, _ := c.LoginDSN(db.AppRole, dbname) // its password file was read just above
		return dsn
	}
	return &Postgres{dsn: c.DSN, appDSN: app, cluster: c, dir: dir}, nil
}

// logf goes to stderr, not to a testing.TB: the cluster may log after the
// test that started it has finished.
func logf(format string, args ...any) {
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}

// dsnFunc returns a function replacing the database of dsn, which may be a
// URL or keyword/value DSN.
func dsnFunc(dsn string) (func(string) string, error) {
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return nil, err
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, err
		}
		return func(dbname string) string {
			v := *u
			v.Path, v.RawPath = "/"+dbname, ""
			return v.String()
		}, nil
	}
	return func(dbname string) string {
		// A later keyword overrides an earlier one.
		return dsn + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(dbname) + "'"
	}, nil
}

// loginDSNFunc is dsnFunc for another role with a password.
func loginDSNFunc(dsn, role, password string) (func(string) string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, err
		}
		u.User = url.UserPassword(role, password)
		return dsnFunc(u.String())
	}
	// A later keyword overrides an earlier one.
	return dsnFunc(dsn + " user='" + role + "' password='" + password + "'")
}

// DSN returns a superuser DSN for database dbname on the server.
func (s *Postgres) DSN(dbname string) string { return s.dsn(dbname) }

// AppDSN returns a DSN for database dbname as the service's login role (db.AppRole): not a
// superuser, no BYPASSRLS. db.Open takes it, as the server's pool does.
func (s *Postgres) AppDSN(dbname string) string { return s.appDSN(dbname) }

// CreateDatabase creates an empty database, or a copy of template when
// template is not "", and drops it when the test ends. The name is unique
// even among test binaries sharing a TEST_DATABASE_URL server.
func (s *Postgres) CreateDatabase(tb testing.TB, template string) (name string) {
	tb.Helper()
	suffix := make([]byte, 3)
	rand.Read(suffix)
	// Pid and counter make it unique on this machine, the random part across
	// machines (and containers, where pids repeat) sharing one server.
	name = fmt.Sprintf("pgtest_%d_%d_%s", os.Getpid(), counter.Add(1), hex.EncodeToString(suffix))
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		err := s.exec(ctx, sql)
		if err == nil {
			break
		}
		// A template may not be copied while anyone is connected to it;
		// another test's connection to it is usually about to close.
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55006" && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: tests need not close every connection before cleanup runs.
		if err := s.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return name
}

// Exec runs sql on the server's maintenance database (postgres).
func (s *Postgres) Exec(tb testing.TB, sql string, args ...any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.exec(ctx, sql, args...); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
}

func (s *Postgres) exec(ctx context.Context, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, s.DSN(maintenanceDB))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// writeOwner records this process in dir, as "pid starttime": a pid alone
// may have been reused by the time a later run looks.
func writeOwner(dir string) error {
	st, err := startTime(os.Getpid())
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ownerFileName), fmt.Appendf(nil, "%d %d\n", os.Getpid(), st), 0o600)
}

// ownerAlive reports whether the process recorded in dir still runs.
func ownerAlive(dir string) (alive bool, known bool) {
	b, err := os.ReadFile(filepath.Join(dir, ownerFileName))
	if err != nil {
		return false, false
	}
	var pid int
	var st uint64
	if _, err := fmt.Sscanf(string(b), "%d %d", &pid, &st); err != nil {
		return false, false
	}
	now, err := startTime(pid)
	return err == nil && now == st, true
}

// startTime returns the start time of pid (clock ticks since boot), field 22
// of /proc/<pid>/stat.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is parenthesised and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(b[i+1:])) // from field 3 on
	if len(fields) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// removeLeftovers removes the clusters of test binaries that were killed
// before Main could remove them: directories under root whose owner is gone.
// pgcluster.Remove stops a server still running there. A directory without
// an owner file is left alone while young: its test binary may be between
// creating it and writing the file.
func removeLeftovers(ctx context.Context, root string, logf func(string, ...any)) {
	dirs, _ := filepath.Glob(filepath.Join(root, dirPattern))
	for _, dir := range dirs {
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
			continue
		}
		alive, known := ownerAlive(dir)
		if alive {
			continue
		}
		if !known {
			fi, err := os.Stat(dir)
			if err != nil || time.Since(fi.ModTime()) < time.Minute {
				continue
			}
		}
		if err := pgcluster.Remove(ctx, dir); err != nil {
			if !errors.Is(err, pgcluster.ErrInUse) {
				logf("pgtest: remove leftover test cluster: %v", err)
			}
			continue
		}
		logf("pgtest: removed leftover test cluster %s", dir)
	}
}
