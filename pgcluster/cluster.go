// Package pgcluster runs a private PostgreSQL cluster owned by this process:
// it initialises a data directory on first use, runs the postgres server as a
// child process listening on 127.0.0.1 only, and stops it again. The server
// dies with this process (Pdeathsig), and a lock on the data directory keeps a
// second process from running the same cluster.
//
// It is Linux-only: it relies on Pdeathsig, flock and /proc.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Options configures Start.
type Options struct {
	// DataDir holds everything: the lock file, the password file, the server
	// log and the cluster itself (DataDir/pg). Created 0700 if missing.
	DataDir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one at each Start.
	Port int
	// Logf receives the few things worth telling an operator (permission
	// changes, a stale server being stopped, an unexpected server exit).
	// It may be called from another goroutine. Nil discards.
	Logf func(format string, args ...any)
	// Password is the superuser's password. Empty means generate one on the
	// first start and keep it in DataDir/pg-password. A non-empty Password is
	// set when the cluster is created and not stored; later Starts must pass
	// the same one.
	Password string
	// Ephemeral is for test clusters: trust authentication instead of a
	// password, and no fsync. A crash can corrupt an ephemeral cluster.
	Ephemeral bool
	// Restart starts the server again, on the same port, when it exits
	// other than through Stop (killed, crashed): after 1 s, then 2 s, 4 s…
	// up to restartAttempts times. Failed reports giving up.
	Restart bool
}

// Cluster is a running server. Its methods are safe for concurrent use.
type Cluster struct {
	dataDir  string
	pgDir    string
	logPath  string
	password string
	port     int
	logf     func(string, ...any)

	proc     *child
	stopping atomic.Bool

	stopMu  sync.Mutex
	stopped bool
	lock    *dirLock

	restart   bool
	failed    chan struct{} // closed when a restart gave up
	failedErr error
}

// restartAttempts is how often a server that died is started again before
// Failed reports giving up.
const restartAttempts = 5

const (
	superuser        = "postgres"
	passwordFileName = "pg-password"
	clusterDirName   = "pg"
	logFileName      = "pg.log"
	readyTimeout     = 30 * time.Second
	stopGrace        = 30 * time.Second
)

// Start runs the cluster in opts.DataDir, creating it on first use, and
// returns once the server accepts connections. Call Stop when done; if this
// process dies first, the kernel stops the server (Pdeathsig).
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if opts.DataDir == "" {
		return nil, errors.New("start postgres: no data directory given")
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The real path: the postmaster's cwd is compared against it, and the
	// ancestors whose permissions matter are the real ones.
	if dataDir, err = filepath.EvalSymlinks(dataDir); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}

	lock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.release()
		}
	}()

	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dataDir: dataDir,
		pgDir:   filepath.Join(dataDir, clusterDirName),
		logPath: filepath.Join(dataDir, logFileName),
		logf:    logf,
		lock:    lock,
		restart: opts.Restart,
		failed:  make(chan struct{}),
	}
	if acct != nil {
		if err := grantSearch(dataDir, acct, logf); err != nil {
			return nil, err
		}
		// DataDir itself is ours: let the server's group in (search only),
		// rather than everyone. Its own files stay root's and 0600.
		if err := os.Chown(dataDir, -1, int(acct.gid)); err != nil {
			return nil, fmt.Errorf("give user %s access to %s: %w", acct.name, dataDir, err)
		}
		if err := os.Chmod(dataDir, 0o710); err != nil {
			return nil, fmt.Errorf("give user %s access to %s: %w", acct.name, dataDir, err)
		}
	}

	if !opts.Ephemeral {
		if c.password, err = clusterPassword(dataDir, opts.Password); err != nil {
			return nil, err
		}
	} else {
		c.password = opts.Password // ignored by trust auth, but harmless in the DSN
	}

	if _, err := os.Stat(filepath.Join(c.pgDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx, bin, acct, opts.Ephemeral); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	} else if acct != nil {
		if err := chownTree(c.pgDir, acct, logf); err != nil {
			return nil, fmt.Errorf("give %s to user %s: %w", c.pgDir, acct.name, err)
		}
	}

	if err := clearStalePostmaster(ctx, c.pgDir, syscall.SIGINT, logf); err != nil {
		return nil, err
	}

	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = pickPort(); err != nil {
				return nil, err
			}
		}
		err = c.run(ctx, bin, acct, port, opts.Ephemeral)
		if err == nil {
			return c, nil
		}
		switch {
		case attempt >= 5 || ctx.Err() != nil:
			return nil, err
		case opts.Port == 0 && errors.Is(err, errPortTaken):
			// Another process took the port between freePort and the bind.
			continue
		case errors.Is(err, errShmemInUse):
			// Backends of a killed server have not noticed yet that their
			// postmaster is gone; they exit within moments.
			logf("pgcluster: %v; retrying", errShmemInUse)
			time.Sleep(time.Second)
			continue
		}
		return nil, err
	}
}

// clusterPassword returns the explicit password, or the one kept in
// DataDir/pg-password, generating it on first use.
func clusterPassword(dataDir, explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	path := filepath.Join(dataDir, passwordFileName)
	b, err := os.ReadFile(path)
	if err == nil {
		if pw := strings.TrimSpace(string(b)); pw != "" {
			return pw, nil
		}
		return "", fmt.Errorf("password file %s is empty", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read password file: %w", err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	pw := base64.RawURLEncoding.EncodeToString(raw) // URL-safe: goes into DSNs unescaped
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write password file: %w", err)
	}
	return pw, nil
}

// initdb creates the cluster in a scratch directory and renames it into
// place only when initdb succeeded, so a run killed half-way through initdb
// leaves nothing that a later Start would mistake for a cluster.
func (c *Cluster) initdb(ctx context.Context, bin string, acct *account, ephemeral bool) error {
	scratch := filepath.Join(c.dataDir, clusterDirName+".initdb")
	if err := os.RemoveAll(scratch); err != nil {
		return fmt.Errorf("remove leftover %s: %w", scratch, err)
	}
	if err := os.Mkdir(scratch, 0o700); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	args := []string{"-D", scratch, "-U", superuser, "--encoding=UTF8", "--locale=C"}
	if ephemeral {
		args = append(args, "--auth=trust", "--no-sync")
	} else {
		// initdb reads the password from a file the server's user can read;
		// it lives only while initdb runs.
		pwFile := filepath.Join(c.dataDir, "pg.initdb-password")
		if err := os.WriteFile(pwFile, []byte(c.password+"\n"), 0o600); err != nil {
			return fmt.Errorf("initdb: %w", err)
		}
		defer os.Remove(pwFile)
		if acct != nil {
			if err := os.Chown(pwFile, int(acct.uid), int(acct.gid)); err != nil {
				return fmt.Errorf("initdb: %w", err)
			}
		}
		args = append(args, "--auth=scram-sha-256", "--pwfile="+pwFile)
	}
	if acct != nil {
		if err := os.Chown(scratch, int(acct.uid), int(acct.gid)); err != nil {
			return fmt.Errorf("initdb: %w", err)
		}
	}

	logFile, offset, err := c.openLog()
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(bin, "initdb"), args...)
	cmd.Dir = c.dataDir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = acct.sysProcAttr(syscall.SIGKILL)
	p, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("run initdb: %w", err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.signal(syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("initdb: %w", ctx.Err())
	}
	if p.err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", scratch, p.err, c.logTail(offset))
	}
	if err := os.Rename(scratch, c.pgDir); err != nil {
		return fmt.Errorf("initdb: %w (is %s an old directory that is not a PostgreSQL cluster?)", err, c.pgDir)
	}
	c.logf("pgcluster: created a new PostgreSQL cluster in %s", c.pgDir)
	return nil
}

var (
	errPortTaken  = errors.New("port is taken")
	errShmemInUse = errors.New("processes of an earlier server still use its shared memory")
)

// run starts the postmaster on port and waits until it accepts connections.
func (c *Cluster) run(ctx context.Context, bin string, acct *account, port int, ephemeral bool) error {
	logFile, offset, err := c.openLog()
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own descriptor
	args := []string{
		"-D", c.pgDir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		// No unix socket: socket paths are limited to ~107 bytes, which a
		// deep DataDir exceeds, and TCP on loopback is all we use.
		"-c", "unix_socket_directories=",
		"-c", "max_connections=200",
	}
	if ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = c.pgDir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// SIGINT is a fast shutdown: the server disconnects clients, checkpoints
	// and exits cleanly, so dying with us costs no crash recovery.
	cmd.SysProcAttr = acct.sysProcAttr(syscall.SIGINT)
	p, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("run postgres: %w", err)
	}
	c.port, c.proc = port, p

	if err := c.waitReady(ctx, p); err != nil {
		p.stop(context.Background(), syscall.SIGQUIT, 5*time.Second)
		tail := c.logTail(offset)
		switch {
		case strings.Contains(tail, "could not create any TCP/IP sockets"):
			err = fmt.Errorf("%w: %v", errPortTaken, err)
		case strings.Contains(tail, "pre-existing shared memory block"):
			err = errShmemInUse
		}
		return fmt.Errorf("start postgres in %s on port %d: %w\n%s", c.pgDir, port, err, tail)
	}
	go func() {
		<-p.done
		if !c.stopping.Load() {
			c.logf("pgcluster: postgres in %s exited unexpectedly (%v); see %s", c.pgDir, p.err, c.logPath)
			if c.restart {
				c.restartAfterExit(bin, acct, port, ephemeral)
			}
		}
	}()
	return nil
}

// restartAfterExit starts the server again on the same port (the clients'
// DSNs name it), backing off between attempts, unless Stop is called
// meanwhile. Giving up closes Failed.
func (c *Cluster) restartAfterExit(bin string, acct *account, port int, ephemeral bool) {
	wait := time.Second
	var err error
	for attempt := 1; attempt <= restartAttempts; attempt++ {
		time.Sleep(wait)
		wait *= 2
		c.stopMu.Lock()
		if c.stopped {
			c.stopMu.Unlock()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout+10*time.Second)
		err = c.run(ctx, bin, acct, port, ephemeral)
		cancel()
		c.stopMu.Unlock()
		if err == nil {
			c.logf("pgcluster: postgres in %s restarted on port %d (attempt %d)", c.pgDir, port, attempt)
			return
		}
		c.logf("pgcluster: restart of postgres in %s failed (attempt %d of %d): %v", c.pgDir, attempt, restartAttempts, err)
	}
	c.failedErr = fmt.Errorf("postgres in %s exited and could not be restarted after %d attempts: %w", c.pgDir, restartAttempts, err)
	close(c.failed)
}

// Failed is closed when the server died and Options.Restart gave up starting
// it again; Err then says why.
func (c *Cluster) Failed() <-chan struct{} { return c.failed }

// Err is why Failed was closed, or nil.
func (c *Cluster) Err() error {
	select {
	case <-c.failed:
		return c.failedErr
	default:
		return nil
	}
}

// waitReady polls until the server accepts a connection, the server exits,
// authentication is refused, or readyTimeout passes. A server still in crash
// recovery at that point is given until ctx ends: it is making progress, and
// killing it would only start the recovery over.
func (c *Cluster) waitReady(ctx context.Context, p *child) error {
	cfg, err := pgx.ParseConfig(c.DSN("postgres"))
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 2 * time.Second
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	var last error
	for {
		if p.exited() {
			return fmt.Errorf("postgres exited: %v", p.err)
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn.Close(ctx)
		}
		last = err
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000") {
			return fmt.Errorf("the server refused the password (from Options.Password or %s): %w",
				filepath.Join(c.dataDir, passwordFileName), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server not accepting connections: %w (last attempt: %v)", ctx.Err(), last)
		case <-deadline.C:
			if errors.As(last, &pgErr) && pgErr.Code == "57P03" { // cannot_connect_now: starting up
				c.logf("pgcluster: postgres in %s is still recovering after %v; waiting", c.pgDir, readyTimeout)
				continue
			}
			return fmt.Errorf("server not accepting connections after %v: %w", readyTimeout, last)
		case <-p.done:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// openLog opens the server log for appending and returns its current size,
// so errors can quote only what this run wrote.
func (c *Cluster) openLog() (*os.File, int64, error) {
	f, err := os.OpenFile(c.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("open server log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("open server log: %w", err)
	}
	return f, fi.Size(), nil
}

// logTail returns the last lines the server log got after offset.
func (c *Cluster) logTail(offset int64) string {
	f, err := os.Open(c.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 4096
	if fi, err := f.Stat(); err == nil && fi.Size()-offset > max {
		offset = fi.Size() - max
	}
	b, _ := io.ReadAll(io.NewSectionReader(f, offset, max))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return fmt.Sprintf("--- %s ---\n%s", c.logPath, strings.Join(lines, "\n"))
}

// childEnv is our environment minus what would steer initdb or postgres
// away from the arguments we give them, and with messages in English, which
// run matches on.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// pickPort is freePort, replaceable by tests.
var pickPort = freePort

// freePort asks the kernel for a free port on 127.0.0.1. Someone else may
// take it before postgres binds it; Start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// clearStalePostmaster deals with a postmaster.pid left by a run that was
// killed. PostgreSQL itself removes a pid file whose process is gone, so a
// dead pid needs nothing. Two cases it cannot handle:
//   - the postmaster is still running (it outlived its owner): stop it, with
//     first as the opening signal;
//   - the pid has been reused by another process of the same user: postgres
//     then refuses to start, believing another server runs. We hold the data
//     directory's lock and have checked that the process is not a server for
//     this directory, so the file is safe to remove.
func clearStalePostmaster(ctx context.Context, pgDir string, first syscall.Signal, logf func(string, ...any)) error {
	pidFile := filepath.Join(pgDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("read %s: %w", pidFile, err)
	}
	firstLine, _, _ := bytes.Cut(b, []byte("\n"))
	pid, err := strconv.Atoi(strings.TrimSpace(string(firstLine)))
	if err != nil || pid <= 0 || !processAlive(pid) {
		return nil
	}
	ours, err := isPostmasterOf(pid, pgDir)
	if err != nil {
		return nil // cannot tell; leave the decision to postgres
	}
	if ours {
		logf("pgcluster: stopping postgres (pid %d) left running in %s by an earlier run", pid, pgDir)
		if err := waitGone(ctx, pid, first, stopGrace); err != nil {
			return fmt.Errorf("stop earlier postgres in %s: %w", pgDir, err)
		}
		return nil
	}
	if pid == os.Getpid() || pid == os.Getppid() {
		return nil // postgres ignores these itself
	}
	logf("pgcluster: removing stale %s (pid %d is now another program)", pidFile, pid)
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", pidFile, err)
	}
	return nil
}

// DSN returns a connection URL for database dbname as the superuser.
func (c *Cluster) DSN(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	if c.password != "" {
		u.User = url.UserPassword(superuser, c.password)
	} else {
		u.User = url.User(superuser)
	}
	return u.String()
}

// Port returns the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// DataDir returns the absolute data directory (symlinks resolved).
func (c *Cluster) DataDir() string { return c.dataDir }

// Stop shuts the server down (fast shutdown: clients are disconnected,
// then a checkpoint) and releases the data directory. If the server has not
// exited after 30 s, or when ctx ends, it is stopped immediately (SIGQUIT;
// the next start then runs crash recovery). Calling Stop again does nothing.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopMu.Lock()
	defer c.stopMu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	c.stopping.Store(true)
	if c.proc.stop(ctx, syscall.SIGINT, stopGrace) {
		c.logf("pgcluster: postgres in %s did not shut down in time and was stopped immediately", c.pgDir)
	}
	c.lock.release()
	return nil
}

// EnsureDatabase creates database name unless it exists.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("ensure database: empty name")
	}
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("ensure database %s: %w", name, err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("ensure database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// Remove deletes a data directory that no process uses: it stops a server
// still running there (one whose owner was killed without taking it along)
// and removes the directory. It fails with ErrInUse while a Cluster runs in
// it. A missing directory is not an error.
func Remove(ctx context.Context, dataDir string) error {
	if _, err := os.Stat(dataDir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	dataDir, err := filepath.EvalSymlinks(dataDir)
	if err != nil {
		return fmt.Errorf("remove %s: %w", dataDir, err)
	}
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return err
	}
	defer lock.release()
	// The data is about to go: no need for a clean shutdown.
	if err := clearStalePostmaster(ctx, filepath.Join(dataDir, clusterDirName), syscall.SIGQUIT, func(string, ...any) {}); err != nil {
		return err
	}
	if err := os.RemoveAll(dataDir); err != nil {
		return fmt.Errorf("remove %s: %w", dataDir, err)
	}
	return nil
}
