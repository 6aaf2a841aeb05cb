package pgcluster

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrInUse is returned (wrapped) by Start and Remove when another process
// holds the data directory.
var ErrInUse = errors.New("data directory is in use by another planapi process")

type inUseError struct {
	dataDir string
	pid     int
}

func (e *inUseError) Error() string {
	pid := "pid unknown"
	if e.pid > 0 {
		pid = "pid " + strconv.Itoa(e.pid)
	}
	return fmt.Sprintf("data directory %s is in use by another planapi process (%s)", e.dataDir, pid)
}

func (e *inUseError) Unwrap() error { return ErrInUse }

const lockFileName = "planapi.lock"

// dirLock is an flock(2) on DataDir/planapi.lock. The kernel drops it when
// the holder dies, however it dies, so a stale lock never needs cleaning up.
// flock locks belong to the open file description, so a second lock attempt
// from this same process conflicts too.
type dirLock struct {
	f *os.File
}

func lockDataDir(dataDir string) (*dirLock, error) {
	path := filepath.Join(dataDir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := io.ReadAll(io.LimitReader(f, 64))
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &inUseError{dataDir: dataDir, pid: pid}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is only for the error message above; the flock is the lock.
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write lock file %s: %w", path, err)
	}
	return &dirLock{f: f}, nil
}

// release unlocks; it is safe to call more than once. The file stays: removing
// a lock file that another process may have just opened would let two
// processes hold "the" lock on different inodes.
func (l *dirLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = l.f.Close() // closing the last descriptor drops the flock
	l.f = nil
}
