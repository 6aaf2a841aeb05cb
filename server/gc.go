package server

import (
	"fmt"
	"runtime/debug"
)

// The garbage collector's defaults for the server, when the environment sets neither GOGC nor
// GOMEMLIMIT (the Go runtime reads both itself, and an operator's value wins): collect when the
// heap has grown by 400 % over the live heap rather than Go's 100 %, so a request's garbage
// (the nested lists allocate about 5 MB each) is collected a quarter as often; and a soft
// limit of 256 MiB, past which the collector runs as often as it must, so the wider margin
// cannot grow the heap without bound under a burst.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 256 << 20
)

// TuneGC applies the defaults above for what env leaves unset and says what is in force. The
// server calls it at start-up, and the benchmarks (bench/) so that they measure the service as
// it runs.
func TuneGC(env map[string]string) string {
	gc, limit := env["GOGC"], env["GOMEMLIMIT"]
	if gc == "" {
		debug.SetGCPercent(defaultGCPercent)
		gc = fmt.Sprintf("%d (default)", defaultGCPercent)
	}
	if limit == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
		limit = fmt.Sprintf("%dMiB (default)", defaultMemoryLimit>>20)
	}
	return fmt.Sprintf("garbage collector: GOGC=%s GOMEMLIMIT=%s", gc, limit)
}
