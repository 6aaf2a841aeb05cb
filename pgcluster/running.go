package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotRunning is returned (wrapped) by RunningDSN when no planapi process holds the data
// directory, so no cluster of it is there to connect to.
var ErrNotRunning = errors.New("no planapi server is running on this data directory")

// RunningDSN returns a superuser connection URL for database dbname of the cluster another
// process (a running server) holds in dataDir, for a command that only reads (the token
// command checking that a region exists). It never starts, stops or locks the cluster: with no
// process holding dataDir it answers ErrNotRunning. The port is the running server's, read
// from its postmaster.pid; the password from DataDir/pg-password.
func RunningDSN(dataDir, dbname string) (string, error) {
	f, err := os.Open(filepath.Join(dataDir, lockFileName))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", dataDir, ErrNotRunning)
		}
		return "", fmt.Errorf("open lock file: %w", err)
	}
	defer f.Close()
	// A shared lock is granted only when no server holds its exclusive one; a shared lock,
	// unlike lockDataDir, writes nothing, so this probe leaves the directory as it was.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return "", fmt.Errorf("%s: %w", dataDir, ErrNotRunning)
	} else if !errors.Is(err, syscall.EWOULDBLOCK) {
		return "", fmt.Errorf("probe lock file: %w", err)
	}
	pid, err := os.ReadFile(filepath.Join(dataDir, clusterDirName, "postmaster.pid"))
	if err != nil {
		return "", fmt.Errorf("read the running cluster's port: %w", err)
	}
	// postmaster.pid: pid, data directory, start time, port, …
	lines := strings.Split(string(pid), "\n")
	if len(lines) < 4 {
		return "", errors.New("postmaster.pid has no port line yet")
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil || port <= 0 || port > 65535 {
		return "", fmt.Errorf("postmaster.pid: bad port %q", lines[3])
	}
	b, err := os.ReadFile(filepath.Join(dataDir, passwordFileName))
	if err != nil {
		return "", fmt.Errorf("read the cluster's password: %w", err)
	}
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Path: "/" + dbname, RawQuery: "sslmode=disable"}
	if pw := strings.TrimSpace(string(b)); pw != "" {
		u.User = url.UserPassword(superuser, pw)
	} else {
		u.User = url.User(superuser)
	}
	return u.String(), nil
}
