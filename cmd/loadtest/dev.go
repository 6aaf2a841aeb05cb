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
	"time"

	"planapi/auth"
	"planapi/db"
	"planapi/pgcluster"
	"planapi/server"
	"planapi/setup"
	"planapi/snapshot"
)

// devServer is planapi served in this process, on a private PostgreSQL cluster in a
// temporary directory with the demo loaded, as `go run ./cmd/server` does with DATA_DIR: for
// -dev. Its RSS is this process's, load generator included.
type devServer struct {
	url    string
	secret []byte
	stop   func()
}

func startDev(ctx context.Context, log io.Writer) (*devServer, error) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "planapi-loadtest-")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "-dev: private PostgreSQL in %s\n", dir)
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: dir, Ephemeral: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start private PostgreSQL: %w", err)
	}
	var closers []func()
	stop := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_ = cluster.Stop(sctx)
		os.RemoveAll(dir)
	}
	fail := func(err error) (*devServer, error) {
		stop()
		return nil, err
	}
	if err := cluster.EnsureDatabase(ctx, "planapi"); err != nil {
		return fail(err)
	}
	if err := cluster.EnsureLoginRole(ctx, db.AppRole); err != nil {
		return fail(err)
	}
	appDSN, err := cluster.LoginDSN(db.AppRole, "planapi")
	if err != nil {
		return fail(err)
	}
	if _, err := setup.Database(ctx, cluster.DSN("planapi"), true); err != nil {
		return fail(err)
	}
	secret, err := auth.GenerateSecret()
	if err != nil {
		return fail(err)
	}
	keys, err := auth.LoadKeySet(secret, "")
	if err != nil {
		return fail(err)
	}
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Keys: keys, Leeway: 30 * time.Second})
	if err != nil {
		return fail(err)
	}
	appDB, err := db.Open(ctx, appDSN, db.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { db.Close(appDB) })
	cache, err := snapshot.NewCache(ctx, appDB)
	if err != nil {
		return fail(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	handler := server.New(server.Deps{DB: appDB, Cache: cache, Verifier: verifier, Logger: logger,
		Budget: server.Budget{MaxBodyBytes: 1 << 20, RequestTimeout: 30 * time.Second}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(log, "-dev server:", err)
		}
	}()
	closers = append(closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return &devServer{url: fmt.Sprintf("http://%s/graphql", ln.Addr()), secret: []byte(secret), stop: stop}, nil
}
