package apitime

import (
	"bytes"
	"testing"
	"time"
)

func TestTimes(t *testing.T) {
	write := func(tm time.Time) string {
		var b bytes.Buffer
		MarshalTime(tm).MarshalGQL(&b)
		return b.String()
	}
	utc := time.Date(2027, 1, 31, 15, 59, 59, 0, time.UTC)
	if got := write(utc); got != `"2027-01-31T23:59:59+08:00"` {
		t.Errorf("written as %s, want the plan's zone", got)
	}
	for _, tt := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2027-01-31T23:59:59+08:00", utc, false},
		{"2027-01-31T15:59:59Z", utc, false},
		{"2027-01-31", utc, false}, // the end of that day in Shanghai
		{"2027-02-30", time.Time{}, true},
		{"10000-01-01", time.Time{}, true},
		{"31/01/2027", time.Time{}, true},
	} {
		got, err := UnmarshalTime(tt.in)
		if (err != nil) != tt.err || (!tt.err && !got.Equal(tt.want)) {
			t.Errorf("UnmarshalTime(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
	if _, err := UnmarshalTime(12); err == nil {
		t.Error("a number read as a time")
	}
	if err := SetZone("Europe/Berlin"); err != nil {
		t.Fatal(err)
	}
	defer SetZone(DefaultZone)
	if got := write(utc); got != `"2027-01-31T16:59:59+01:00"` {
		t.Errorf("in Berlin written as %s", got)
	}
	if err := SetZone("Mars/Olympus"); err == nil {
		t.Error("an unknown zone accepted")
	}
}
