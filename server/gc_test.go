package server

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestTuneGC: the server's GC defaults apply only where the environment sets nothing.
func TestTuneGC(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}()
	said := TuneGC(map[string]string{})
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GC percent %d, want %d", got, defaultGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("memory limit %d, want %d", got, defaultMemoryLimit)
	}
	if !strings.Contains(said, "GOGC=400 (default)") || !strings.Contains(said, "GOMEMLIMIT=256MiB (default)") {
		t.Errorf("says %q", said)
	}

	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	said = TuneGC(map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"})
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("GOGC=150 set: GC percent %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("GOMEMLIMIT=1GiB set: memory limit %d", got)
	}
	if !strings.Contains(said, "GOGC=150 ") || !strings.Contains(said, "GOMEMLIMIT=1GiB") {
		t.Errorf("says %q", said)
	}
}
