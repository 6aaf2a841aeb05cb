package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned (wrapped) by FindBinaries and Start when the
// PostgreSQL server programs are not installed. Its text is meant to be shown
// to whoever runs the program, as is.
var ErrNoBinaries = errors.New(`PostgreSQL server programs not found: install them with "apt-get install postgresql" (Debian/Ubuntu), or set DATABASE_URL to use an existing PostgreSQL server`)

// binaryRoots are the directories whose <version>/bin subdirectories hold
// PostgreSQL installations (the Debian/Ubuntu layout). A variable so tests can
// point it elsewhere.
var binaryRoots = []string{"/usr/lib/postgresql"}

var requiredBinaries = []string{"initdb", "postgres", "pg_ctl"}

// FindBinaries returns the directory holding initdb, postgres and pg_ctl:
// the first PATH entry that has all three, else the highest-versioned
// /usr/lib/postgresql/<version>/bin.
func FindBinaries() (dir string, err error) {
	return findBinaries(os.Getenv("PATH"), binaryRoots)
}

func findBinaries(pathEnv string, roots []string) (string, error) {
	for _, d := range filepath.SplitList(pathEnv) {
		if d == "" || !filepath.IsAbs(d) {
			continue // an empty or relative PATH entry means the working directory; never run a server from there
		}
		if !hasBinaries(d) {
			continue
		}
		// /usr/local/bin/initdb is often a symlink into the real bin
		// directory; prefer that directory when it is complete, so the
		// returned dir is the installation rather than a link farm.
		if real, err := filepath.EvalSymlinks(filepath.Join(d, "initdb")); err == nil {
			if rd := filepath.Dir(real); hasBinaries(rd) {
				return rd, nil
			}
		}
		return d, nil
	}
	var globs []string
	for _, root := range roots {
		pattern := filepath.Join(root, "*", "bin")
		globs = append(globs, pattern)
		matches, _ := filepath.Glob(pattern)
		sort.Slice(matches, func(i, j int) bool {
			return versionLess(versionOf(matches[j]), versionOf(matches[i])) // highest first
		})
		for _, d := range matches {
			if hasBinaries(d) {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("%w (looked for %s on PATH and in %s)",
		ErrNoBinaries, strings.Join(requiredBinaries, ", "), strings.Join(globs, ", "))
}

func hasBinaries(dir string) bool {
	for _, name := range requiredBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionOf parses the <version> in .../<version>/bin ("15", "9.6") into its
// numeric parts; a name that is not a version sorts lowest.
func versionOf(binDir string) []int {
	name := filepath.Base(filepath.Dir(binDir))
	var v []int
	for _, part := range strings.Split(name, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
