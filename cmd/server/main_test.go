package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"planapi/auth"
	"planapi/db"
	"planapi/pgcluster"
	"planapi/pgcluster/pgtest"
	"planapi/testenv"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type running struct {
	out    *testenv.Buffer
	base   string
	cancel context.CancelFunc
	done   chan error
}

var listenRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)/`)

// MustStart boots the real server with run() on port 0 and waits until it listens.
func MustStart(tb testing.TB, env map[string]string) *running {
	tb.Helper()
	env["PORT"] = "0"
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{out: &testenv.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- run(ctx, nil, env, r.out) }()
	deadline := time.After(60 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(r.out.String()); m != nil {
			r.base = m[1]
			break
		}
		select {
		case err := <-r.done:
			cancel()
			tb.Fatalf("server exited before listening: %v\n%s", err, r.out.String())
		case <-deadline:
			cancel()
			tb.Fatalf("server did not listen within 60s:\n%s", r.out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	tb.Cleanup(func() { r.stop(tb) })
	return r
}

func (r *running) stop(tb testing.TB) error {
	tb.Helper()
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		return err
	case <-time.After(60 * time.Second):
		tb.Fatalf("server did not stop within 60s")
	}
	return nil
}

func (r *running) get(tb testing.TB, path string) (int, string) {
	tb.Helper()
	resp, err := http.Get(r.base + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (r *running) query(tb testing.TB, token, q string) (int, string) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+"/graphql", strings.NewReader(fmt.Sprintf(`{"query":%q}`, q)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var adminTokenRE = regexp.MustCompile(`419900 \S+ admin: [^\n]*\n\s+(\S+)`)

// devTokenRE finds a printed development token by region and role: its label line, then the token.
func devTokenRE(region string, role auth.Role) *regexp.Regexp {
	return regexp.MustCompile(region + ` \S+ ` + string(role) + `: ([^\n]*)\n\s+(\S+)`)
}

// TestPrivateClusterLifecycle is the newcomer's path: no DATABASE_URL, the server starts its
// own PostgreSQL, loads the demo, prints tokens and serves; stopping it stops PostgreSQL;
// starting it again keeps the data and changes nothing.
func TestPrivateClusterLifecycle(t *testing.T) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	dataDir := t.TempDir()
	env := map[string]string{"DATA_DIR": dataDir}
	r := MustStart(t, env)
	out := r.out.String()
	for _, want := range []string{"DEMO            true", "applied migrations", "catalogue MS14FYP", "development tokens"} {
		if !strings.Contains(out, want) {
			t.Errorf("first start output lacks %q:\n%s", want, out)
		}
	}
	m := adminTokenRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no admin token printed:\n%s", out)
	}
	token := m[1]
	// Every role the README's walk-through uses is printed, labelled, for the demo city: its
	// admin, its reviewer, its reporter, and a reporter for each county.
	for _, want := range []struct {
		region string
		role   auth.Role
		label  string
	}{
		{"419900", auth.RoleAdmin, "市级管理员"}, {"419900", auth.RoleReviewer, "市级审核员"},
		{"419900", auth.RoleReporter, "市级填报员"}, {"419902", auth.RoleReporter, "县级填报员"},
	} {
		m := devTokenRE(want.region, want.role).FindStringSubmatch(out)
		if m == nil || !strings.Contains(m[1], want.label) {
			t.Errorf("no %s %s token labelled %q printed:\n%s", want.region, want.role, want.label, out)
			continue
		}
		if want.role == auth.RoleReviewer {
			code, body := r.query(t, m[2], `{ viewer { role name region { code } } }`)
			if code != 200 || !strings.Contains(body, `"role":"REVIEWER"`) || !strings.Contains(body, `"code":"419900"`) {
				t.Errorf("the printed reviewer token = %d %s", code, body)
			}
		}
	}

	// The token command, while the server runs on this DATA_DIR: it checks the region in the
	// server's database, refusing one that does not exist.
	var tok, notes bytes.Buffer
	if err := runToken(context.Background(), []string{"--region", "419902", "--role", "reporter"}, map[string]string{"DATA_DIR": dataDir}, &tok, &notes); err != nil {
		t.Fatalf("token for 419902: %v", err)
	}
	if !strings.Contains(notes.String(), "419902 东城区") {
		t.Errorf("token notes %q: want the region checked, by name", notes.String())
	}
	if code, body := r.query(t, strings.TrimSpace(tok.String()), `{ viewer { subject } }`); code != 200 || !strings.Contains(body, "reporter-419902") {
		t.Errorf("minted token = %d %s", code, body)
	}
	err := runToken(context.Background(), []string{"--region", "419999", "--role", "reporter"}, map[string]string{"DATA_DIR": dataDir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "区划 419999 不存在") || !strings.Contains(err.Error(), "DATA_DIR="+dataDir) {
		t.Errorf("token for a region that does not exist: err = %v, want a refusal naming the region and DATA_DIR", err)
	}

	if code, body := r.get(t, "/healthz"); code != 200 {
		t.Errorf("/healthz = %d %s", code, body)
	}
	if code, body := r.get(t, "/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s", code, body)
	}
	if code, body := r.get(t, "/"); code != 200 || !strings.Contains(body, "graphiql") {
		t.Errorf("playground = %d", code)
	}
	code, body := r.query(t, token, `{ plan { name indicators { code } } viewer { role region { code } } }`)
	if code != 200 || !strings.Contains(body, `"code":"2.17"`) || !strings.Contains(body, `"role":"ADMIN"`) {
		t.Fatalf("query = %d %s", code, body)
	}

	// A second server on the same DATA_DIR refuses clearly.
	err = run(context.Background(), nil, map[string]string{"DATA_DIR": dataDir, "PORT": "0"}, io.Discard)
	if !errors.Is(err, pgcluster.ErrInUse) {
		t.Errorf("second server on the same DATA_DIR: err = %v, want ErrInUse", err)
	}

	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if !strings.Contains(r.out.String(), "private PostgreSQL stopped") {
		t.Errorf("no stop message:\n%s", r.out.String())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid still there after stop (err %v): PostgreSQL still running", err)
	}

	// The server stopped: the token command cannot check the region, says so naming DATA_DIR,
	// and mints the token anyway.
	tok.Reset()
	notes.Reset()
	if err := runToken(context.Background(), []string{"--region", "419999", "--role", "reporter"}, map[string]string{"DATA_DIR": dataDir}, &tok, &notes); err != nil {
		t.Errorf("token with the server stopped: %v", err)
	}
	if n := notes.String(); !strings.Contains(n, "无法核对区划 419999") || !strings.Contains(n, "DATA_DIR="+dataDir) || !strings.Contains(n, "no server is running") {
		t.Errorf("token notes with the server stopped = %q, want that it cannot check, naming DATA_DIR", n)
	}
	if strings.Count(strings.TrimSpace(tok.String()), ".") != 2 {
		t.Errorf("no token printed alone: %q", tok.String())
	}

	// Restart: same data, nothing re-applied or re-written, the old token still valid.
	r2 := MustStart(t, map[string]string{"DATA_DIR": dataDir})
	out2 := r2.out.String()
	for _, unwanted := range []string{"applied migrations", "catalogue MS14FYP"} {
		if strings.Contains(out2, unwanted) {
			t.Errorf("restart output has %q: the restart changed something\n%s", unwanted, out2)
		}
	}
	if code, body := r2.query(t, token, `{ viewer { subject } }`); code != 200 || !strings.Contains(body, "city-admin") {
		t.Errorf("token from the first run after restart = %d %s", code, body)
	}
}

func TestServeWithDatabaseURL(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	name := srv.CreateDatabase(t, "")
	dsn := srv.DSN(name)
	secret := "serve-test-secret-0123456789abcdefghij"

	appDSN := srv.AppDSN(name)

	t.Run("ErrNoKey", func(t *testing.T) {
		err := run(context.Background(), nil, map[string]string{"DATABASE_URL": dsn, "APP_DATABASE_URL": appDSN, "PORT": "0", "DATA_DIR": t.TempDir()}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "JWT_SECRET") {
			t.Errorf("err = %v, want a refusal naming JWT_SECRET", err)
		}
	})
	// The second lock: the service logs in as its own role or does not start.
	t.Run("ErrNoAppDatabaseURL", func(t *testing.T) {
		err := run(context.Background(), nil, map[string]string{"DATABASE_URL": dsn, "JWT_SECRET": secret, "PORT": "0", "DATA_DIR": t.TempDir()}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "APP_DATABASE_URL") {
			t.Errorf("err = %v, want a refusal naming APP_DATABASE_URL", err)
		}
	})
	t.Run("ErrAppDatabaseURLIsTheSuperuser", func(t *testing.T) {
		err := run(context.Background(), nil, map[string]string{"DATABASE_URL": dsn, "APP_DATABASE_URL": dsn, "JWT_SECRET": secret, "PORT": "0", "DATA_DIR": t.TempDir()}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "BYPASSRLS") {
			t.Errorf("err = %v, want a refusal of a login that bypasses row-level security", err)
		}
	})
	t.Run("ErrAppDatabaseURLSetsRole", func(t *testing.T) {
		// The owner's login dropping to the application role at connection time: RESET ROLE undoes it.
		u, err := url.Parse(dsn)
		if err != nil {
			t.Skipf("DSN is not a URL: %v", err)
		}
		q := u.Query()
		q.Set("options", "-c role="+db.AppRole)
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // pgx reads + literally
		setRole := u.String()
		err = run(context.Background(), nil, map[string]string{"DATABASE_URL": dsn, "APP_DATABASE_URL": setRole, "JWT_SECRET": secret, "PORT": "0", "DATA_DIR": t.TempDir()}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "BYPASSRLS") {
			t.Errorf("err = %v, want a refusal of a login that may become a superuser again", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := MustStart(t, map[string]string{"DATABASE_URL": dsn, "APP_DATABASE_URL": appDSN, "JWT_SECRET": secret, "DATA_DIR": t.TempDir()})
		out := r.out.String()
		if strings.Contains(out, "development tokens") || !strings.Contains(out, "DEMO            false") {
			t.Errorf("output:\n%s", out)
		}
		if strings.Contains(out, secret) {
			t.Errorf("configuration printout shows the secret")
		}
		if u, _ := url.Parse(appDSN); u != nil {
			if pw, _ := u.User.Password(); pw != "" && strings.Contains(out, pw) {
				t.Errorf("configuration printout shows the application login's password")
			}
		}
		tok, err := auth.Mint([]byte(secret), auth.MintClaims{Subject: "x", Region: "419900", Role: auth.RoleAdmin}, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// DEMO is off with DATABASE_URL: the token command checks the region in DATABASE_URL
		// and refuses 419900, which does not exist there.
		env := map[string]string{"DATABASE_URL": dsn, "APP_DATABASE_URL": appDSN, "JWT_SECRET": secret, "DATA_DIR": t.TempDir()}
		err = runToken(context.Background(), []string{"--region", "419900", "--role", "admin"}, env, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "区划 419900 不存在") || !strings.Contains(err.Error(), "DATABASE_URL") {
			t.Errorf("token for a region not in DATABASE_URL: err = %v, want a refusal naming DATABASE_URL", err)
		}
		// DEMO is off with DATABASE_URL: region 419900 does not exist, so the token is refused.
		if code, body := r.query(t, tok, `{ viewer { subject } }`); code != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHENTICATED") {
			t.Errorf("token for a region that does not exist = %d %s", code, body)
		}
		if code, body := r.query(t, "", `{ __schema { queryType { name } } }`); code != 200 || !strings.Contains(body, `"Query"`) {
			t.Errorf("anonymous introspection = %d %s", code, body)
		}
	})
}

func TestConfigJWTMaxTTL(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 0, "24h": 24 * time.Hour, "8h30m": 8*time.Hour + 30*time.Minute} {
		c, err := loadConfig(map[string]string{"JWT_MAX_TTL": v})
		if err != nil || c.JWTMaxTTL != want {
			t.Errorf("JWT_MAX_TTL %q: %v, %v; want %v", v, c.JWTMaxTTL, err, want)
		}
	}
	for _, v := range []string{"0", "-1h", "10s", "day", "24"} {
		if _, err := loadConfig(map[string]string{"JWT_MAX_TTL": v}); err == nil || !strings.Contains(err.Error(), "JWT_MAX_TTL") {
			t.Errorf("JWT_MAX_TTL %q: err = %v, want a refusal", v, err)
		}
	}
	if _, err := loadConfig(map[string]string{"APP_DATABASE_URL": "postgres://a@b/c"}); err == nil {
		t.Errorf("APP_DATABASE_URL without DATABASE_URL accepted")
	}
	var out bytes.Buffer
	c, _ := loadConfig(map[string]string{"JWT_MAX_TTL": "24h"})
	c.print(&out)
	if !strings.Contains(out.String(), "JWT_MAX_TTL     24h0m0s") {
		t.Errorf("printout lacks JWT_MAX_TTL:\n%s", out.String())
	}
}

func TestTokenCommand(t *testing.T) {
	t.Parallel()
	secret := "token-cmd-secret-0123456789abcdefghijkl"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "--region", "419902", "--role", "reporter", "--ttl", "1h"}, map[string]string{"JWT_SECRET": secret}, &out); err != nil {
		t.Fatal(err)
	}
	keys, _ := auth.LoadKeySet(secret, "")
	v, _ := auth.NewVerifier(auth.VerifierConfig{Keys: keys})
	c, err := v.Verify(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("minted token does not verify: %v", err)
	}
	if c.Region != "419902" || c.Role != auth.RoleReporter || time.Until(c.ExpiresAt) > time.Hour {
		t.Errorf("claims = %+v", c)
	}
	capped := map[string]string{"JWT_SECRET": secret, "JWT_MAX_TTL": "2h"}
	if err := run(context.Background(), []string{"token", "--region", "419902", "--role", "reporter", "--ttl", "3h"}, capped, io.Discard); err == nil || !strings.Contains(err.Error(), "JWT_MAX_TTL") {
		t.Errorf("token with --ttl over JWT_MAX_TTL: err = %v, want a refusal naming JWT_MAX_TTL", err)
	}
	for name, args := range map[string][]string{
		"ErrUnknownRole": {"token", "--region", "419902", "--role", "boss"},
		"ErrNoRegion":    {"token", "--role", "admin"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := run(context.Background(), args, map[string]string{"JWT_SECRET": secret}, io.Discard); err == nil {
				t.Errorf("token %v succeeded", args)
			}
		})
	}
}

// TestTokenCommandMessages: without a secret the token command names the DATA_DIR it looked
// in, absolute, and how to point it at the server's; a bad region code is refused before
// anything else.
func TestTokenCommandMessages(t *testing.T) {
	t.Parallel()
	args := []string{"--region", "419902", "--role", "reporter"}
	t.Run("ErrNoSecretInDataDir", func(t *testing.T) {
		dir := t.TempDir()
		err := runToken(context.Background(), args, map[string]string{"DATA_DIR": dir}, io.Discard, io.Discard)
		if err == nil {
			t.Fatal("minted a token without a secret")
		}
		for _, want := range []string{"DATA_DIR=" + dir, "若服务器以另一个 DATA_DIR 运行", "start the server once", "set the same one"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "默认 .data") {
			t.Errorf("message %q calls a DATA_DIR that was set the default", err)
		}
	})
	t.Run("ErrNoSecretInDefaultDataDir", func(t *testing.T) {
		abs, _ := filepath.Abs(".data")
		if _, err := os.Stat(filepath.Join(abs, devSecretFile)); err == nil {
			t.Skipf("%s has a development secret", abs)
		}
		err := runToken(context.Background(), args, map[string]string{}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "DATA_DIR="+abs) || !strings.Contains(err.Error(), "DATA_DIR unset, default .data") {
			t.Errorf("err = %v, want the default DATA_DIR named, absolute, as the default", err)
		}
	})
	t.Run("ErrRegionNotACode", func(t *testing.T) {
		err := runToken(context.Background(), []string{"--region", "东城区", "--role", "reporter"}, map[string]string{"JWT_SECRET": "token-cmd-secret-0123456789abcdefghijkl"}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "六位区划代码") {
			t.Errorf("err = %v, want a refusal of a region that is not a code", err)
		}
	})
	t.Run("CannotCheckWithoutServer", func(t *testing.T) {
		dir := t.TempDir()
		var tok, notes bytes.Buffer
		err := runToken(context.Background(), args, map[string]string{"JWT_SECRET": "token-cmd-secret-0123456789abcdefghijkl", "DATA_DIR": dir}, &tok, &notes)
		if err != nil {
			t.Fatal(err)
		}
		if n := notes.String(); !strings.Contains(n, "无法核对区划 419902") || !strings.Contains(n, "DATA_DIR="+dir) || !strings.Contains(n, "cannot check") {
			t.Errorf("notes %q: want that it cannot check, naming DATA_DIR", n)
		}
		if strings.Contains(tok.String(), "419902") || strings.Count(strings.TrimSpace(tok.String()), ".") != 2 {
			t.Errorf("out %q: want the token alone", tok.String())
		}
	})
}

func TestConfigCORSOrigins(t *testing.T) {
	c, err := loadConfig(map[string]string{"CORS_ORIGINS": " https://dashboard.example.gov.cn, http://localhost:3000 ,"})
	if err != nil || strings.Join(c.CORSOrigins, " ") != "https://dashboard.example.gov.cn http://localhost:3000" {
		t.Fatalf("origins %q, err %v", c.CORSOrigins, err)
	}
	var b strings.Builder
	c.print(&b)
	if !strings.Contains(b.String(), "CORS_ORIGINS    https://dashboard.example.gov.cn, http://localhost:3000") {
		t.Errorf("not printed:\n%s", b.String())
	}
	if c, _ := loadConfig(map[string]string{}); len(c.CORSOrigins) != 0 {
		t.Errorf("default origins %q, want none", c.CORSOrigins)
	}
	for _, v := range []string{"*", "dashboard.example.gov.cn", "https://dashboard.example.gov.cn/", "https://x.gov.cn/app",
		"ftp://x.gov.cn", "https://X.gov.cn", "https://x.gov.cn:443", "https://x.gov.cn:99999", "https://", "https://x.gov.cn?a=1", "https://u@x.gov.cn"} {
		if _, err := loadConfig(map[string]string{"CORS_ORIGINS": v}); err == nil || !strings.Contains(err.Error(), "CORS_ORIGINS") {
			t.Errorf("%q: err %v, want a refusal naming CORS_ORIGINS", v, err)
		}
	}
}
