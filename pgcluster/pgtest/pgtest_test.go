package pgtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func databaseExists(t *testing.T, s *Postgres, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

func MustConnect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestCreateDatabase(t *testing.T) {
	s := Server(t)
	var plain, fromTemplate string
	t.Run("Empty", func(t *testing.T) {
		plain = s.CreateDatabase(t, "")
		if !databaseExists(t, s, plain) {
			t.Fatalf("database %s not created", plain)
		}
		// Left open on purpose: the drop must not wait for it.
		conn := MustConnect(t, s.DSN(plain))
		if _, err := conn.Exec(context.Background(), "CREATE TABLE region (name text)"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("FromTemplate", func(t *testing.T) {
		template := s.CreateDatabase(t, "")
		conn := MustConnect(t, s.DSN(template))
		if _, err := conn.Exec(context.Background(), "CREATE TABLE region (name text); INSERT INTO region VALUES ('Chaoyang')"); err != nil {
			t.Fatal(err)
		}
		conn.Close(context.Background())

		fromTemplate = s.CreateDatabase(t, template)
		var name string
		if err := MustConnect(t, s.DSN(fromTemplate)).QueryRow(context.Background(), "SELECT name FROM region").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != "Chaoyang" {
			t.Errorf("name = %q, want Chaoyang", name)
		}
	})
	for _, name := range []string{plain, fromTemplate} {
		if name != "" && databaseExists(t, s, name) {
			t.Errorf("database %s still exists after its test", name)
		}
	}
	if plain == fromTemplate {
		t.Errorf("two databases named %s", plain)
	}
}

func TestExec(t *testing.T) {
	s := Server(t)
	s.Exec(t, "CREATE ROLE pgtest_exec_role")
	t.Cleanup(func() { s.Exec(t, "DROP ROLE pgtest_exec_role") })
	var n int
	if err := MustConnect(t, s.DSN("postgres")).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_roles WHERE rolname = $1", "pgtest_exec_role").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("role not created")
	}
}

func TestDSNFunc(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"URL", "postgres://u:p@db.example:5433/maint?sslmode=require", "postgres://u:p@db.example:5433/other?sslmode=require"},
		{"KeywordValue", "host=db.example user=u dbname=maint", "host=db.example user=u dbname=maint dbname='other'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := dsnFunc(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			got := f("other")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			cfg, err := pgx.ParseConfig(got)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Database != "other" {
				t.Errorf("database = %q, want other", cfg.Database)
			}
		})
	}
}

func TestRemoveLeftovers(t *testing.T) {
	root := t.TempDir()
	mkdir := func(name string) string {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	// A dead owner: a process that has exited.
	dead := mkdir("planapi-pgtest-dead")
	proc := exec.Command("true")
	if err := proc.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dead, ownerFileName), []byte(
		// Start time 1: even if the pid was reused, it is not this process.
		strconv.Itoa(proc.Process.Pid)+" 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dead, "pg", "base"), 0o700); err != nil {
		t.Fatal(err)
	}

	live := mkdir("planapi-pgtest-live")
	if err := writeOwner(live); err != nil {
		t.Fatal(err)
	}
	young := mkdir("planapi-pgtest-young") // owner file not written yet
	old := mkdir("planapi-pgtest-old")     // owner file never written
	long := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	other := mkdir("unrelated")

	removeLeftovers(context.Background(), root, t.Logf)

	for dir, wantGone := range map[string]bool{dead: true, old: true, live: false, young: false, other: false} {
		_, err := os.Stat(dir)
		if gone := errors.Is(err, os.ErrNotExist); gone != wantGone {
			t.Errorf("%s: gone = %v, want %v", filepath.Base(dir), gone, wantGone)
		}
	}
}
