// Package apitime is the API's Time scalar: instants are written in the plan's time zone
// (Asia/Shanghai, +08:00, unless configured otherwise), so that a deadline set as
// 2027-01-31T23:59:59+08:00 reads back as that and not as 15:59:59Z, which a clerk would read
// as 3 pm; and a date alone ("2027-01-31") is read as the end of that day there. It knows
// nothing of storage or transport beyond gqlgen's marshalling.
package apitime

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the zone database, for machines without /usr/share/zoneinfo

	"github.com/99designs/gqlgen/graphql"
)

// DefaultZone is the plan's time zone unless configured otherwise.
const DefaultZone = "Asia/Shanghai"

var zone atomic.Pointer[time.Location]

func init() {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		panic(err) // embedded by time/tzdata: cannot fail
	}
	zone.Store(loc)
}

// SetZone sets the zone times are written in (TIME_ZONE).
func SetZone(name string) error {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return fmt.Errorf("time zone %q: %w", name, err)
	}
	zone.Store(loc)
	return nil
}

// Zone is the zone times are written in.
func Zone() *time.Location { return zone.Load() }

// MarshalTime writes an instant in the plan's zone, RFC 3339 with its offset.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.In(Zone()).Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 instant (its own offset wins), or a date alone
// (2027-01-31), which is the end of that day in the plan's zone (23:59:59).
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errors.New("时间应为字符串,如 2027-01-31T23:59:59+08:00 或 2027-01-31 (a time is a string like 2027-01-31T23:59:59+08:00 or 2027-01-31)")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, Zone()); err == nil {
		return d.Add(24*time.Hour - time.Second), nil
	}
	return time.Time{}, fmt.Errorf("时间 %q 无法识别:应为 2027-01-31T23:59:59+08:00 或 2027-01-31 (time %q: want RFC 3339 with an offset, or a date)", s, s)
}
