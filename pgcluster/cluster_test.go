package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testLog collects Logf output. Logf may run after a test has finished (an
// unexpected server exit), when t.Logf would panic, so it is not used here.
type testLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLog) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// MustStart starts a cluster and stops it when the test ends.
func MustStart(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = (&testLog{}).Logf
	}
	c, err := Start(testContext(t), opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return c
}

func MustConnect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(testContext(t), dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func MustExec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(testContext(t), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (c *Cluster) pid() int { return c.proc.cmd.Process.Pid }

// exitsSoon reports whether c's server has been reaped within a few seconds.
// Start and Remove wait until the process is gone, but reaping it is up to
// c's own goroutine.
func exitsSoon(c *Cluster) bool {
	select {
	case <-c.proc.done:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

func TestFindBinaries(t *testing.T) {
	// fakeInstall makes dir/<version>/bin with the given programs.
	fakeInstall := func(t *testing.T, dir string, programs ...string) string {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, p := range programs {
			if err := os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	all := requiredBinaries

	t.Run("OK", func(t *testing.T) {
		dir, err := FindBinaries()
		if err != nil {
			t.Fatal(err)
		}
		if !hasBinaries(dir) {
			t.Errorf("FindBinaries() = %s, which lacks some of %v", dir, all)
		}
	})
	t.Run("ErrNoBinaries", func(t *testing.T) {
		t.Setenv("PATH", "")
		saved := binaryRoots
		binaryRoots = []string{filepath.Join(t.TempDir(), "bogus")}
		t.Cleanup(func() { binaryRoots = saved })
		_, err := FindBinaries()
		if !errors.Is(err, ErrNoBinaries) {
			t.Fatalf("err = %v, want ErrNoBinaries", err)
		}
		for _, want := range []string{"apt-get install postgresql", "DATABASE_URL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
	t.Run("HighestCompleteVersion", func(t *testing.T) {
		root := t.TempDir()
		fakeInstall(t, filepath.Join(root, "9.6", "bin"), all...)
		want := fakeInstall(t, filepath.Join(root, "10", "bin"), all...)
		fakeInstall(t, filepath.Join(root, "16", "bin"), "initdb", "postgres") // no pg_ctl
		got, err := findBinaries("", []string{root})
		if err != nil || got != want {
			t.Errorf("findBinaries = %q, %v; want %q", got, err, want)
		}
	})
	t.Run("PATHFirst", func(t *testing.T) {
		root := t.TempDir()
		fakeInstall(t, filepath.Join(root, "15", "bin"), all...)
		want := fakeInstall(t, filepath.Join(t.TempDir(), "bin"), all...)
		got, err := findBinaries("relative:"+want, []string{root})
		if err != nil || got != want {
			t.Errorf("findBinaries = %q, %v; want %q", got, err, want)
		}
	})
}

func TestDataPersistsAcrossRestart(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	c := MustStart(t, Options{DataDir: dataDir})

	fi, err := os.Stat(filepath.Join(c.DataDir(), passwordFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode = %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(c.DSN("postgres"), ":"+c.password+"@") {
		t.Errorf("DSN %s lacks the password", c.DSN("postgres"))
	}
	// scram-sha-256, not trust: a wrong password is refused.
	wrong := strings.Replace(c.DSN("postgres"), c.password, "wrong", 1)
	if conn, err := pgx.Connect(testContext(t), wrong); err == nil {
		conn.Close(context.Background())
		t.Error("connected with a wrong password")
	}

	conn := MustConnect(t, c.DSN("postgres"))
	MustExec(t, conn, "CREATE TABLE region (name text)")
	MustExec(t, conn, "INSERT INTO region VALUES ('Haidian')")
	conn.Close(context.Background())

	for range 2 {
		if err := c.EnsureDatabase(testContext(t), "planapi"); err != nil {
			t.Fatal(err)
		}
	}
	MustConnect(t, c.DSN("planapi")).Close(context.Background())

	_, err = Start(testContext(t), Options{DataDir: dataDir})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Start: err = %v, want ErrInUse", err)
	}
	want := fmt.Sprintf("data directory %s is in use by another planapi process (pid %d)", c.DataDir(), os.Getpid())
	if err.Error() != want {
		t.Errorf("second Start: err = %q, want %q", err, want)
	}

	for range 2 { // idempotent
		if err := c.Stop(testContext(t)); err != nil {
			t.Fatalf("stop: %v", err)
		}
	}
	if processAlive(c.pid()) {
		t.Fatal("postgres still running after Stop")
	}

	c2 := MustStart(t, Options{DataDir: dataDir})
	var name string
	if err := MustConnect(t, c2.DSN("postgres")).QueryRow(testContext(t), "SELECT name FROM region").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "Haidian" {
		t.Errorf("name = %q after restart, want Haidian", name)
	}
}

func TestServerRunsUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only meaningful when the tests run as root")
	}
	// Like a checkout under /root: an ancestor only its owner can enter.
	locked := filepath.Join(t.TempDir(), "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	log := &testLog{}
	c := MustStart(t, Options{DataDir: filepath.Join(locked, "data"), Ephemeral: true, Logf: log.Logf})

	fi, err := os.Stat(locked)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o701 {
		t.Errorf("mode of %s = %v, want 0701 (o+x added)", locked, fi.Mode().Perm())
	}
	if !strings.Contains(log.String(), "chmod o+x "+locked+" ") {
		t.Errorf("log does not mention the chmod of %s:\n%s", locked, log)
	}

	uids := map[int]string{c.pid(): procUID(t, c.pid())}
	for pid, uid := range childrenOf(t, c.pid()) {
		uids[pid] = uid
	}
	if len(uids) < 2 {
		t.Fatalf("found no server processes besides the postmaster")
	}
	for pid, uid := range uids {
		if uid == "0" {
			t.Errorf("postgres process %d runs as root", pid)
		}
	}
	MustConnect(t, c.DSN("postgres")).Close(context.Background())
}

// childrenOf returns the children of ppid with their real uids.
func childrenOf(t *testing.T, ppid int) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	children := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue // exited meanwhile
		}
		if strings.Contains(string(b), "\nPPid:\t"+strconv.Itoa(ppid)+"\n") {
			children[pid] = statusUID(string(b))
		}
	}
	return children
}

// procUID returns the real uid of pid.
func procUID(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	return statusUID(string(b))
}

// statusUID returns the real uid from the text of /proc/<pid>/status.
func statusUID(status string) string {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			return strings.Fields(rest)[0]
		}
	}
	return "?"
}

// TestHelperProcess is not a test: TestServerDiesWithOwner runs the test
// binary as a stand-in for a planapi process that starts a cluster and is
// then killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("PGCLUSTER_HELPER_DATADIR")
	if dir == "" {
		t.Skip("helper process for TestServerDiesWithOwner")
	}
	c, err := Start(context.Background(), Options{DataDir: dir, Ephemeral: true})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready", c.pid())
	time.Sleep(time.Minute)
	os.Exit(1)
}

func TestServerDiesWithOwner(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "PGCLUSTER_HELPER_DATADIR="+dataDir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper: %v", err)
	}
	var pid int
	if _, err := fmt.Sscanf(line, "ready %d", &pid); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q", line)
	}

	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("postgres (pid %d) still runs 20s after its owner was killed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}

	c := MustStart(t, Options{DataDir: dataDir, Ephemeral: true})
	MustConnect(t, c.DSN("postgres")).Close(context.Background())
}

// orphan simulates the owner of c dying while its server survives: the
// data directory lock is released, the postmaster keeps running.
func orphan(c *Cluster) {
	c.stopping.Store(true) // its exit is expected; do not log it
	c.lock.release()
}

func TestStartStopsOrphanedServer(t *testing.T) {
	dataDir := t.TempDir()
	c1 := MustStart(t, Options{DataDir: dataDir, Ephemeral: true})
	orphan(c1)

	log := &testLog{}
	c2 := MustStart(t, Options{DataDir: dataDir, Ephemeral: true, Logf: log.Logf})
	if !exitsSoon(c1) {
		t.Fatal("the orphaned postmaster still runs")
	}
	if !strings.Contains(log.String(), fmt.Sprintf("stopping postgres (pid %d)", c1.pid())) {
		t.Errorf("log does not mention stopping the orphan:\n%s", log)
	}
	MustConnect(t, c2.DSN("postgres")).Close(context.Background())
}

func TestStartAfterServerCrash(t *testing.T) {
	dataDir := t.TempDir()
	c1 := MustStart(t, Options{DataDir: dataDir, Ephemeral: true})
	pidFile := filepath.Join(c1.pgDir, "postmaster.pid")
	syscall.Kill(c1.pid(), syscall.SIGKILL)
	<-c1.proc.done
	stale, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("no stale pid file after SIGKILL: %v", err)
	}
	if err := c1.Stop(testContext(t)); err != nil {
		t.Fatal(err)
	}

	t.Run("DeadPid", func(t *testing.T) {
		c := MustStart(t, Options{DataDir: dataDir, Ephemeral: true})
		MustConnect(t, c.DSN("postgres")).Close(context.Background())
	})

	t.Run("PidReusedBySameUser", func(t *testing.T) {
		// A live process of the server's user holds the old pid: postgres
		// alone would refuse to start.
		acct, err := serverAccount()
		if err != nil {
			t.Fatal(err)
		}
		sleeper := exec.Command("sleep", "60")
		sleeper.SysProcAttr = acct.sysProcAttr(syscall.SIGKILL)
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
		_, rest, _ := strings.Cut(string(stale), "\n")
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(sleeper.Process.Pid)+"\n"+rest), 0o600); err != nil {
			t.Fatal(err)
		}
		log := &testLog{}
		c := MustStart(t, Options{DataDir: dataDir, Ephemeral: true, Logf: log.Logf})
		MustConnect(t, c.DSN("postgres")).Close(context.Background())
		if !strings.Contains(log.String(), "removing stale "+pidFile) {
			t.Errorf("log does not mention removing the pid file:\n%s", log)
		}
		if !processAlive(sleeper.Process.Pid) {
			t.Error("the unrelated process was killed")
		}
	})
}

func TestRemove(t *testing.T) {
	t.Run("OrphanedServer", func(t *testing.T) {
		dataDir := filepath.Join(t.TempDir(), "data")
		c := MustStart(t, Options{DataDir: dataDir, Ephemeral: true})
		orphan(c)
		if err := Remove(testContext(t), dataDir); err != nil {
			t.Fatal(err)
		}
		if !exitsSoon(c) {
			t.Error("server still runs after Remove")
		}
		if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists: %v", dataDir, err)
		}
	})
	t.Run("ErrInUse", func(t *testing.T) {
		c := MustStart(t, Options{DataDir: t.TempDir(), Ephemeral: true})
		if err := Remove(testContext(t), c.DataDir()); !errors.Is(err, ErrInUse) {
			t.Fatalf("err = %v, want ErrInUse", err)
		}
		MustConnect(t, c.DSN("postgres")).Close(context.Background())
	})
	t.Run("Missing", func(t *testing.T) {
		if err := Remove(testContext(t), filepath.Join(t.TempDir(), "nothing")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	dataDir := t.TempDir()

	t.Run("FixedPort", func(t *testing.T) {
		_, err := Start(testContext(t), Options{DataDir: dataDir, Port: taken, Ephemeral: true})
		if err == nil || !strings.Contains(err.Error(), "could not create any TCP/IP sockets") {
			t.Fatalf("err = %v, want one quoting the server log about the port", err)
		}
		if testing.Verbose() {
			t.Log(err)
		}
	})
	t.Run("PickedPortTakenMeanwhile", func(t *testing.T) {
		// The first pick loses the race for the port; Start picks again.
		picks := 0
		pickPort = func() (int, error) {
			picks++
			if picks == 1 {
				return taken, nil
			}
			return freePort()
		}
		t.Cleanup(func() { pickPort = freePort })
		c := MustStart(t, Options{DataDir: dataDir, Ephemeral: true})
		if c.Port() == taken || picks != 2 {
			t.Errorf("port %d after %d picks; want a port other than %d after 2", c.Port(), picks, taken)
		}
		MustConnect(t, c.DSN("postgres")).Close(context.Background())
	})
}
