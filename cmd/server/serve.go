package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"planapi/apitime"
	"planapi/auth"
	"planapi/db"
	"planapi/events"
	"planapi/pgcluster"
	"planapi/server"
	"planapi/setup"
	"planapi/snapshot"
	"planapi/store"
)

const devSecretFile = "jwt-secret"

func serve(ctx context.Context, cfg config, out io.Writer) error {
	logger := slog.New(slog.NewTextHandler(out, nil))
	cfg.print(out)
	if err := apitime.SetZone(cfg.TimeZone); err != nil {
		return err
	}

	// SECURITY: with DATABASE_URL the service needs its own login (APP_DATABASE_URL): there
	// is no fallback to the owner's connection with SET ROLE, which RESET ROLE undoes.
	if cfg.DatabaseURL != "" && cfg.AppDatabaseURL == "" {
		return errors.New("设置了 DATABASE_URL 但未设置 APP_DATABASE_URL：服务须以自己的登录角色连接数据库（非超级用户、无 BYPASSRLS，继承 " + db.AppRole + "），见 README“数据库角色” " +
			"(DATABASE_URL is set but APP_DATABASE_URL is not: the service logs in as its own role; see Database roles in the README)")
	}
	ownerDSN, appDSN := cfg.DatabaseURL, cfg.AppDatabaseURL
	var clusterFailed <-chan struct{} // nil (never ready) with DATABASE_URL
	var clusterErr func() error
	if ownerDSN == "" {
		if _, err := pgcluster.FindBinaries(); err != nil {
			return err
		}
		fmt.Fprintf(out, "starting private PostgreSQL in %s\n", cfg.DataDir)
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{
			DataDir: cfg.DataDir,
			Logf:    func(f string, a ...any) { logger.Info(fmt.Sprintf(f, a...)) },
			// PostgreSQL killed or crashed is started again; meanwhile requests answer 503
			// UNAVAILABLE. If it cannot be, the server exits non-zero (below).
			Restart: true,
		})
		if err != nil {
			return fmt.Errorf("start private PostgreSQL: %w", err)
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				logger.Error("stop private PostgreSQL", "err", err)
			} else {
				fmt.Fprintln(out, "private PostgreSQL stopped")
			}
		}()
		if err := cluster.EnsureDatabase(ctx, "planapi"); err != nil {
			return err
		}
		ownerDSN = cluster.DSN("planapi")
		clusterFailed, clusterErr = cluster.Failed(), cluster.Err
		// SECURITY: the service logs in as db.AppRole itself, a login role the cluster makes
		// with its own password in DATA_DIR; never as the superuser.
		if err := cluster.EnsureLoginRole(ctx, db.AppRole); err != nil {
			return err
		}
		if appDSN, err = cluster.LoginDSN(db.AppRole, "planapi"); err != nil {
			return err
		}
	}

	keys, devSecret, err := loadKeys(cfg)
	if err != nil {
		return err
	}
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Keys: keys, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, Leeway: 30 * time.Second, MaxTTL: cfg.JWTMaxTTL})
	if err != nil {
		return err
	}

	res, err := setup.Database(ctx, ownerDSN, cfg.Demo)
	if err != nil {
		return err
	}
	if len(res.Migrations) > 0 {
		fmt.Fprintf(out, "applied migrations %v\n", res.Migrations)
	}
	if res.Catalogue.Changed() {
		fmt.Fprintf(out, "catalogue %s: %d rows written, %d retired\n", res.Plan, res.Catalogue.Updated, res.Catalogue.Retired)
	}
	if res.DemoSubmissions > 0 {
		fmt.Fprintf(out, "demo: %d approved submissions loaded\n", res.DemoSubmissions)
	}
	appDB, err := db.Open(ctx, appDSN, db.Options{LogSQL: cfg.LogSQL, Logger: logger, StatementTimeout: cfg.StatementTimeout})
	if err != nil {
		return err
	}
	defer db.Close(appDB)
	cache, err := snapshot.NewCache(ctx, appDB)
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := publishDemo(ctx, store.New(appDB, cache), out); err != nil {
			return err
		}
	}

	// Live updates: this replica hears every replica's changes through PostgreSQL.
	hub, err := events.Start(ctx, appDSN, logger)
	if err != nil {
		return err
	}
	handler := server.New(server.Deps{DB: appDB, Cache: cache, Verifier: verifier, Logger: logger, Introspection: cfg.Introspection,
		Budget:      server.Budget{MaxBodyBytes: cfg.MaxBodyBytes, RequestTimeout: cfg.RequestTimeout},
		CORSOrigins: cfg.CORSOrigins, Events: hub})
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on port %d: %w", cfg.Port, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if devSecret != nil {
		printDevTokens(out, devSecret, cache, cfg)
	}
	fmt.Fprintf(out, "listening on http://127.0.0.1:%d/ (Playground at /, GraphQL at /graphql)\n", addr.Port)

	// The connection's own limits, around the request's deadline (REQUEST_TIMEOUT): a client
	// has 30 s to send its (at most MAX_BODY_BYTES) request, the answer has the request's
	// deadline and 10 s more to be written, and an idle keep-alive connection is closed after
	// two minutes.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-clusterFailed:
		// Exit non-zero so that a supervisor (systemd, Kubernetes) starts everything again.
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutCtx)
		return fmt.Errorf("private PostgreSQL: %w", clusterErr())
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// publishDemo publishes the demo cities' totals for their demo periods, as each city's admin
// would, so that their counties read them (a period published once is left as it is).
func publishDemo(ctx context.Context, st *store.Store, out io.Writer) error {
	n := 0
	for city, periods := range setup.DemoPublications() {
		admin := &auth.Principal{Subject: "demo-loader", Role: auth.RoleAdmin, Region: city}
		k, err := st.EnsurePublished(ctx, admin, city, periods)
		if err != nil {
			return fmt.Errorf("publish the demo: %w", err)
		}
		n += k
	}
	if n > 0 {
		fmt.Fprintf(out, "demo: %d city totals published\n", n)
	}
	return nil
}

// loadKeys returns the configured key set. With no key configured on the private cluster
// it creates (once) a development secret in DATA_DIR and returns it too, so the server can
// print ready-made tokens. With DATABASE_URL set and no key it refuses to start.
func loadKeys(cfg config) (*auth.KeySet, []byte, error) {
	if cfg.JWTSecret != "" || cfg.JWTPublicKeys != "" {
		ks, err := auth.LoadKeySet(cfg.JWTSecret, cfg.JWTPublicKeys)
		return ks, nil, err
	}
	if cfg.DatabaseURL != "" {
		return nil, nil, errors.New("no JWT key configured: set JWT_SECRET (HS256) or JWT_PUBLIC_KEYS (RS256/ES256) when DATABASE_URL is set")
	}
	secret, err := devSecretRead(cfg.DataDir, true)
	if err != nil {
		return nil, nil, err
	}
	ks, err := auth.LoadKeySet(string(secret), "")
	return ks, secret, err
}

// devSecretRead reads DATA_DIR/jwt-secret, creating it when create is set.
func devSecretRead(dataDir string, create bool) ([]byte, error) {
	path := filepath.Join(dataDir, devSecretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("read development JWT secret: %w", err)
	}
	s, err := auth.GenerateSecret()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create DATA_DIR: %w", err)
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write development JWT secret: %w", err)
	}
	return []byte(s), nil
}

// printDevTokens prints, for the demo city, labelled tokens for each role the README's walk-through
// uses: the city's admin (opens periods, publishes, reopens), its reviewer (approves and
// returns the counties' submissions), its reporter (the city-only figures), and a reporter for
// each county. Each carries a display name, which the audit trail shows. They are signed with
// the development secret and valid for 8 hours (or JWT_MAX_TTL if shorter).
func printDevTokens(out io.Writer, secret []byte, cache *snapshot.Cache, cfg config) {
	regions := cache.Regions()
	city := regions.Get(setup.DemoCity)
	if city == nil {
		return
	}
	now := time.Now()
	ttl := 8 * time.Hour
	if cfg.JWTMaxTTL > 0 {
		ttl = min(ttl, cfg.JWTMaxTTL)
	}
	line := func(code, regionName string, role auth.Role, sub, name, label string) {
		t, err := auth.Mint(secret, auth.MintClaims{Subject: sub, Name: name, Region: code, Role: role, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience}, ttl, now)
		if err != nil {
			t = "(" + err.Error() + ")"
		}
		fmt.Fprintf(out, "  %s %s %s: %s (sub %s)\n    %s\n", code, regionName, role, label, sub, t)
	}
	fmt.Fprintf(out, "development tokens (valid %s; send as Authorization: Bearer <token>):\n", ttl)
	line(city.Code, city.Name, auth.RoleAdmin, "city-admin", city.Name+"管理员",
		"市级管理员:开放期间、发布汇总、重新打开 (city admin: periods, publication, reopening)")
	line(city.Code, city.Name, auth.RoleReviewer, "city-reviewer", city.Name+"审核员",
		"市级审核员:审核通过或退回各县报送 (city reviewer: approves or returns the counties' submissions)")
	line(city.Code, city.Name, auth.RoleReporter, "clerk-"+city.Code, city.Name+"填报员",
		"市级填报员:市本级数据 (city clerk: the city-only figures)")
	for _, c := range regions.Children(city.Code) {
		line(c.Code, c.Name, auth.RoleReporter, "clerk-"+c.Code, c.Name+"填报员",
			"县级填报员 (county clerk)")
	}
}
