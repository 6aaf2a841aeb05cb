package period

import (
	"strings"
	"time"

	"planapi/msg"
)

// Range is the periods from From to To, both included, written "2021..2023Q1": the years
// 2021 and 2022 and the first quarter of 2023. A single period is the range from itself to
// itself and is written as the period alone. The report's "2021年以来" figures are ranges from
// the plan's first year to the as-of period.
type Range struct {
	From, To Period
}

// Single returns p as a range.
func Single(p Period) Range { return Range{From: p, To: p} }

// Valid reports whether both ends are valid periods and the range ends after it starts.
func (r Range) Valid() bool {
	return r.From.Valid() && r.To.Valid() && r.To.End().After(r.From.Start())
}

// IsSingle reports whether the range is one period.
func (r Range) IsSingle() bool { return r.From == r.To }

// String writes the range as ParseRange reads it.
func (r Range) String() string {
	if r.IsSingle() {
		return r.From.String()
	}
	return r.From.String() + ".." + r.To.String()
}

// Start is the first instant of the range; End the first instant after it.
func (r Range) Start() time.Time { return r.From.Start() }

// End is the first instant after the range.
func (r Range) End() time.Time { return r.To.End() }

// Parts splits the range into the fewest whole periods that tile it, in order: whole years
// where a year lies wholly inside, quarters at its ends. "2021..2023Q1" is 2021, 2022, 2023Q1;
// "2022Q3..2023" is 2022Q3, 2022Q4, 2023; a single period is itself.
func (r Range) Parts() []Period {
	end := r.To.End()
	var out []Period
	for t := r.From.Start(); t.Before(end); {
		p := Quarter(t.Year(), int(t.Month()-1)/3+1)
		if y := Year(t.Year()); t.Equal(y.Start()) && !end.Before(y.End()) {
			p = y // a whole year fits from here
		}
		out = append(out, p)
		t = p.End()
	}
	return out
}

// Contains reports whether p lies wholly inside the range.
func (r Range) Contains(p Period) bool {
	return !p.Start().Before(r.From.Start()) && !r.To.End().Before(p.End())
}

// MaxRangeYears bounds a range, so that one request cannot ask for centuries.
const MaxRangeYears = 30

// ParseRange reads "FROM..TO" (both periods included) or a single period.
func ParseRange(s string) (Range, error) {
	from, to, ok := strings.Cut(s, "..")
	if !ok {
		p, err := Parse(s)
		return Single(p), err
	}
	a, err := Parse(from)
	if err != nil {
		return Range{}, &ParseError{Value: s, Reason: msg.T(msg.RangeStart, "start", from, "reason", reasonShape)}
	}
	b, err := Parse(to)
	if err != nil {
		return Range{}, &ParseError{Value: s, Reason: msg.T(msg.RangeEnd, "end", to, "reason", reasonShape)}
	}
	// A year as the start means its first quarter; as the end, its last.
	r := Range{From: a, To: b}
	if a.Quarter == 0 {
		r.From = Quarter(a.Year, 1)
	}
	if b.Quarter == 0 {
		r.To = Quarter(b.Year, 4)
	}
	if r.To.End().Before(r.From.End()) {
		return Range{}, &ParseError{Value: s, Reason: msg.T(msg.RangeBackwards)}
	}
	if b.Year-a.Year >= MaxRangeYears {
		return Range{}, &ParseError{Value: s, Reason: msg.T(msg.RangeTooLong, "max", MaxRangeYears)}
	}
	r.From, r.To = a, b
	return r, nil
}

// ParseRangeArg parses a range named by a request's field, refusing a bad one as invalid input
// that names the field and the value.
func ParseRangeArg(field, v string) (Range, error) {
	r, err := ParseRange(v)
	if err != nil {
		return r, invalid(field, v, err)
	}
	return r, nil
}
