package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// account is the unprivileged user PostgreSQL runs as when this process is
// root (PostgreSQL refuses to run as root).
type account struct {
	name     string
	uid, gid uint32
}

// serverAccount returns nil when this process is not root: the server then
// runs as the current user.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, but there is neither a postgres nor a nobody user to run PostgreSQL as (PostgreSQL refuses to run as root); create a postgres user or run as an ordinary user")
}

func (a *account) sysProcAttr(deathSig syscall.Signal) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{
		Pdeathsig: deathSig,
		// Own process group: a Ctrl-C in the terminal reaches only us, and we
		// decide when the server stops (a graceful shutdown may still need it).
		Setpgid: true,
	}
	if a != nil {
		// Empty Groups: setgroups(0) drops root's supplementary groups.
		attr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}
	}
	return attr
}

// grantSearch makes every ancestor of dir searchable by acct.
//
// Why: the server runs as an unprivileged user but its data directory may sit
// under a directory only root can enter — a checkout under /root (mode 0700),
// or os.MkdirTemp's 0700 directories. The kernel checks search (x) permission
// on every path component, so without this the server cannot even reach its
// data directory. Search permission lets others pass through a directory by
// name but not list it, so this exposes no file names; it is still a change
// to someone else's directory, which is why each one is logged.
func grantSearch(dir string, acct *account, logf func(string, ...any)) error {
	var chain []string
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		chain = append(chain, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- { // from / down
		d := chain[i]
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("check permissions of %s: %w", d, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		bit, class := fs.FileMode(0o001), "o+x"
		switch {
		case st.Uid == acct.uid:
			bit, class = 0o100, "u+x"
		case st.Gid == acct.gid:
			bit, class = 0o010, "g+x"
		}
		if fi.Mode()&bit != 0 {
			continue
		}
		if err := os.Chmod(d, fi.Mode()|bit); err != nil {
			return fmt.Errorf("give user %s search permission on %s: %w", acct.name, d, err)
		}
		logf("pgcluster: chmod %s %s so PostgreSQL, running as user %s, can reach its data directory", class, d, acct.name)
	}
	return nil
}

// chownTree gives dir and everything below it to acct, unless dir already
// belongs to it (a data directory first created by a non-root run).
func chownTree(dir string, acct *account, logf func(string, ...any)) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == acct.uid {
		return nil
	}
	logf("pgcluster: giving %s to user %s", dir, acct.name)
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(acct.uid), int(acct.gid))
	})
}

// child is a started process whose exit is observed by one goroutine.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // cmd.Wait's result, valid after done is closed
}

// startChild starts cmd from a goroutine locked to its OS thread until the
// process exits.
//
// Why: Pdeathsig is delivered when the *thread* that forked the child exits,
// not the process (see go.dev/issue/27505). The Go runtime destroys a thread
// when a goroutine locked to it exits, so a Start called from a locked
// goroutine could kill the server long before this process ends. The thread
// here stays alive, parked in wait4, exactly as long as the child does.
func startChild(cmd *exec.Cmd) (*child, error) {
	c := &child{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// signal sends sig unless the process has already exited.
func (c *child) signal(sig syscall.Signal) {
	if !c.exited() {
		_ = c.cmd.Process.Signal(sig)
	}
}

// stop signals first, and escalates to SIGQUIT (immediate shutdown) and then
// SIGKILL when the process does not exit within grace, or when ctx ends.
// It reports whether it had to escalate.
func (c *child) stop(ctx context.Context, first syscall.Signal, grace time.Duration) (escalated bool) {
	c.signal(first)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
		return false
	case <-t.C:
	case <-ctx.Done():
	}
	c.signal(syscall.SIGQUIT)
	select {
	case <-c.done:
		return true
	case <-time.After(10 * time.Second):
	}
	c.signal(syscall.SIGKILL)
	<-c.done
	return true
}

// processAlive reports whether pid names a live (not zombie) process.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	state, _, err := procStat(pid)
	return err == nil && state != 'Z' && state != 'X'
}

// procStat returns the state and start time (in clock ticks since boot) of
// pid from /proc/<pid>/stat. Pid plus start time names a process uniquely,
// where a bare pid may have been reused.
func procStat(pid int) (state byte, startTime uint64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) is in parentheses and may contain spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	// fields[0] is field 3 (state); start time is field 22.
	startTime, err = strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return fields[0][0], startTime, nil
}

// isPostmasterOf reports whether pid is a postgres server whose working
// directory is pgDir. The postmaster chdirs into its data directory at start,
// so this identifies "a postgres for this data dir" without trusting the pid
// file. ok is false with err set when /proc does not let us look.
func isPostmasterOf(pid int, pgDir string) (bool, error) {
	proc := "/proc/" + strconv.Itoa(pid)
	cwd, err := os.Readlink(proc + "/cwd")
	if err != nil {
		return false, err
	}
	exe, err := os.Readlink(proc + "/exe")
	if err != nil {
		return false, err
	}
	exe = strings.TrimSuffix(exe, " (deleted)") // binary replaced by a package upgrade
	return cwd == pgDir && filepath.Base(exe) == "postgres", nil
}

// waitGone waits until pid is no longer alive, sending first, then SIGQUIT
// after grace, then SIGKILL. pid is not our child, so we can only poll.
func waitGone(ctx context.Context, pid int, first syscall.Signal, grace time.Duration) error {
	signals := []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{first, grace}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}}
	for _, s := range signals {
		if err := syscall.Kill(pid, s.sig); err != nil {
			if errors.Is(err, syscall.ESRCH) {
				return nil
			}
			return fmt.Errorf("signal pid %d: %w", pid, err)
		}
		deadline := time.Now().Add(s.grace)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			if !processAlive(pid) {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if processAlive(pid) {
		return fmt.Errorf("pid %d is still running after SIGKILL", pid)
	}
	return nil
}
