// Package period reads and writes reporting periods the way DHIS2 writes them: "2021" for a
// calendar year and "2023Q1" for a quarter. Counties submit figures per period and the city
// rolls quarters up into years, so the package also answers which period contains which.
//
// Only years and quarters exist here because those are the only periods the plan reports on
// (the evaluation gives figures for 2021, 2022 and "截至2023年第一季度", as of 2023 Q1).
// It knows nothing of storage or transport.
package period

import (
	"cmp"
	"fmt"
	"strconv"
	"time"

	"planapi/apperr"
	"planapi/msg"
)

// Type is the kind of a period, named as DHIS2 names period types.
type Type string

const (
	Yearly    Type = "YEARLY"
	Quarterly Type = "QUARTERLY"
)

// The range of years Parse accepts. A four-digit year outside it is almost certainly a typing
// slip (1021 for 2021), so it is refused rather than stored.
const (
	MinYear = 1900
	MaxYear = 2999
)

// Period is a calendar year (Quarter 0) or one quarter of a year (Quarter 1 to 4).
// The zero Period is not a valid period; use Parse, Year or Quarter to make one.
type Period struct {
	Year    int
	Quarter int // 0 for the whole year
}

// Year returns the calendar year y as a period.
func Year(y int) Period { return Period{Year: y} }

// Quarter returns quarter q (1 to 4) of year y.
func Quarter(y, q int) Period { return Period{Year: y, Quarter: q} }

// Years returns the yearly periods from one year to another, both included, in order:
// Years(2021, 2025) is the plan's five years.
func Years(from, to int) []Period {
	if to < from {
		return nil
	}
	ps := make([]Period, 0, to-from+1)
	for y := from; y <= to; y++ {
		ps = append(ps, Year(y))
	}
	return ps
}

// ParseError reports a period string that is not a year like 2021 or a quarter like 2023Q1.
// Its message names the refused value so that a clerk can find and fix it.
type ParseError struct {
	Value  string   // the string that was refused
	Reason msg.Text // what is wrong with it, in plain words
}

// Error is the Chinese message; Text renders in either language.
func (e *ParseError) Error() string { return e.Text().String() }

// Text says which value was refused and why.
func (e *ParseError) Text() msg.Text {
	return msg.T(msg.PeriodInvalid, "value", e.Value, "reason", e.Reason)
}

// Message is the refusal of the value given as a request's field.
func (e *ParseError) Message(field string) msg.Text {
	return msg.T(msg.BadPeriod, "field", field, "period", e.Text())
}

var reasonShape = msg.T(msg.PeriodShape)

// ParseArg parses a period named by a request's field (an argument or an input field) and
// refuses a bad one as invalid input naming the field and the value, as every API error does.
func ParseArg(field, v string) (Period, error) {
	p, err := Parse(v)
	if err != nil {
		return p, invalid(field, v, err)
	}
	return p, nil
}

// Parse reads a DHIS2 period: "2021" (a year) or "2023Q1" to "2023Q4" (a quarter), for years
// 1900 to 2999. Nothing else is accepted: no spaces, no lower-case q, no other period types.
// The error is a *ParseError.
func Parse(s string) (Period, error) {
	fail := func(reason msg.Text) (Period, error) {
		return Period{}, &ParseError{Value: s, Reason: reason}
	}
	if len(s) < 4 || !allDigits(s[:4]) {
		return fail(reasonShape)
	}
	year, _ := strconv.Atoi(s[:4]) // four ASCII digits always convert
	quarter := 0
	switch {
	case len(s) == 4:
	case s[4] == 'Q' && len(s) > 5 && allDigits(s[5:]):
		// One digit only: "2023Q01" and "2023Q10" are refused like "2023Q5".
		if len(s) != 6 || s[5] < '1' || s[5] > '4' {
			return fail(msg.T(msg.PeriodQuarter))
		}
		quarter = int(s[5] - '0')
	default:
		return fail(reasonShape)
	}
	if year < MinYear || year > MaxYear {
		return fail(msg.T(msg.PeriodYearRange, "min", MinYear, "max", MaxYear))
	}
	return Period{Year: year, Quarter: quarter}, nil
}

// invalid refuses v, given as field, as invalid input naming the field and the value.
func invalid(field, v string, err error) error {
	e := &apperr.Error{Code: apperr.Invalid, Message: msg.T(msg.BadPeriod, "field", field, "period", err.Error())}
	if pe, ok := err.(*ParseError); ok {
		e.Message = pe.Message(field)
	}
	return e.With("field", field).With("value", v)
}

// MustParse is Parse for periods written into code and tests; it panics on a bad value.
func MustParse(s string) Period {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Valid reports whether p is a period Parse could have returned.
func (p Period) Valid() bool {
	return p.Year >= MinYear && p.Year <= MaxYear && p.Quarter >= 0 && p.Quarter <= 4
}

// String returns the DHIS2 form: "2021" or "2023Q1".
func (p Period) String() string {
	if p.Quarter == 0 {
		return strconv.Itoa(p.Year)
	}
	return fmt.Sprintf("%dQ%d", p.Year, p.Quarter)
}

// Type returns Yearly or Quarterly.
func (p Period) Type() Type {
	if p.Quarter == 0 {
		return Yearly
	}
	return Quarterly
}

// Start returns the first instant of the period, midnight UTC on its first day.
func (p Period) Start() time.Time {
	month := time.January
	if p.Quarter > 0 {
		month = time.Month(3*(p.Quarter-1) + 1)
	}
	return time.Date(p.Year, month, 1, 0, 0, 0, 0, time.UTC)
}

// End returns the first instant after the period (exclusive), so that a period is the
// half-open interval [Start, End) and consecutive periods meet without overlap.
func (p Period) End() time.Time {
	if p.Quarter == 0 {
		return p.Start().AddDate(1, 0, 0)
	}
	return p.Start().AddDate(0, 3, 0)
}

// Contains reports whether q lies within p: a year contains itself and its four quarters;
// a quarter contains only itself.
func (p Period) Contains(q Period) bool {
	if p.Quarter == 0 {
		return q.Year == p.Year
	}
	return q == p
}

// Quarters returns the quarters that make up p, in order: Q1 to Q4 for a year, and the
// quarter itself for a quarter. Flows are summed and stocks take the latest over this list.
func (p Period) Quarters() []Period {
	if p.Quarter != 0 {
		return []Period{p}
	}
	return []Period{Quarter(p.Year, 1), Quarter(p.Year, 2), Quarter(p.Year, 3), Quarter(p.Year, 4)}
}

// YearOf returns the year p falls in, as a yearly period.
func (p Period) YearOf() Period { return Year(p.Year) }

// Compare orders periods by year, then quarter, with a year before its own quarters
// (2022 < 2023 < 2023Q1 < 2023Q4 < 2024). It returns -1, 0 or +1, for slices.SortFunc.
func (p Period) Compare(q Period) int {
	if c := cmp.Compare(p.Year, q.Year); c != 0 {
		return c
	}
	return cmp.Compare(p.Quarter, q.Quarter)
}

// Less reports whether p sorts before q in the order of Compare.
func (p Period) Less(q Period) bool { return p.Compare(q) < 0 }

// MarshalText writes the DHIS2 form, so a Period is a plain string in JSON.
func (p Period) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("period %d quarter %d: not a valid period", p.Year, p.Quarter)
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads the DHIS2 form with Parse.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := Parse(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
