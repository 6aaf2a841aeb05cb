package period

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"planapi/msg"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Period
		wantErr string
	}{
		{name: "Year", in: "2021", want: Period{Year: 2021}},
		{name: "Quarter1", in: "2023Q1", want: Period{Year: 2023, Quarter: 1}},
		{name: "Quarter4", in: "2023Q4", want: Period{Year: 2023, Quarter: 4}},
		{name: "FirstYear", in: "1900", want: Period{Year: 1900}},
		{name: "LastYear", in: "2999", want: Period{Year: 2999}},
		{name: "ErrQuarter5", in: "2023Q5", wantErr: `期间 "2023Q5" 无效:季度应为1至4 (period "2023Q5": quarter must be 1 to 4)`},
		{name: "ErrQuarter0", in: "2023Q0", wantErr: `期间 "2023Q0" 无效:季度应为1至4 (period "2023Q0": quarter must be 1 to 4)`},
		{name: "ErrQuarterTwoDigits", in: "2023Q10", wantErr: `期间 "2023Q10" 无效:季度应为1至4 (period "2023Q10": quarter must be 1 to 4)`},
		{name: "ErrQuarterLeadingZero", in: "2023Q01", wantErr: `期间 "2023Q01" 无效:季度应为1至4 (period "2023Q01": quarter must be 1 to 4)`},
		{name: "ErrShortYear", in: "23", wantErr: `期间 "23" 无效:应为年份(如2021)或季度(如2023Q1) (period "23": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrEmpty", in: "", wantErr: `期间 "" 无效:应为年份(如2021)或季度(如2023Q1) (period "": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrQuarterNoNumber", in: "2023Q", wantErr: `期间 "2023Q" 无效:应为年份(如2021)或季度(如2023Q1) (period "2023Q": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrLowerCaseQ", in: "2023q1", wantErr: `期间 "2023q1" 无效:应为年份(如2021)或季度(如2023Q1) (period "2023q1": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrSpace", in: " 2021", wantErr: `期间 " 2021" 无效:应为年份(如2021)或季度(如2023Q1) (period " 2021": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrTrailingSpace", in: "2021 ", wantErr: `期间 "2021 " 无效:应为年份(如2021)或季度(如2023Q1) (period "2021 ": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrMonth", in: "202301", wantErr: `期间 "202301" 无效:应为年份(如2021)或季度(如2023Q1) (period "202301": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrChineseYear", in: "2021年", wantErr: `期间 "2021年" 无效:应为年份(如2021)或季度(如2023Q1) (period "2021年": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrRange", in: "2021-2022", wantErr: `期间 "2021-2022" 无效:应为年份(如2021)或季度(如2023Q1) (period "2021-2022": expected a year like 2021 or a quarter like 2023Q1)`},
		{name: "ErrYearTooEarly", in: "1021", wantErr: `期间 "1021" 无效:年份应在1900至2999之间 (period "1021": year must be 1900 to 2999)`},
		{name: "ErrYearTooLate", in: "3021Q2", wantErr: `期间 "3021Q2" 无效:年份应在1900至2999之间 (period "3021Q2": year must be 1900 to 2999)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want error %q", tt.in, got, tt.wantErr)
				}
				// wantErr is "Chinese (English)": the error is the Chinese, its Text either.
				zh, en, _ := strings.Cut(strings.TrimSuffix(tt.wantErr, ")"), " (")
				if err.Error() != zh {
					t.Errorf("Parse(%q) error = %q, want %q", tt.in, err, zh)
				}
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Value != tt.in {
					t.Fatalf("Parse(%q) error %T does not carry the value", tt.in, err)
				}
				if got := pe.Text().In(msg.En); got != en {
					t.Errorf("Parse(%q) error in English = %q, want %q", tt.in, got, en)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("Parse(%q).String() = %q, want it back", tt.in, got.String())
			}
			if !got.Valid() {
				t.Errorf("Parse(%q) is not Valid", tt.in)
			}
		})
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"2023Q5\") did not panic")
		}
	}()
	MustParse("2023Q5")
}

func TestPeriod(t *testing.T) {
	utc := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		p        Period
		typ      Type
		start    time.Time
		end      time.Time
		quarters []string
	}{
		{
			name: "Year", p: MustParse("2022"), typ: Yearly,
			start: utc(2022, time.January, 1), end: utc(2023, time.January, 1),
			quarters: []string{"2022Q1", "2022Q2", "2022Q3", "2022Q4"},
		},
		{
			name: "Q1", p: MustParse("2023Q1"), typ: Quarterly,
			start: utc(2023, time.January, 1), end: utc(2023, time.April, 1),
			quarters: []string{"2023Q1"},
		},
		{
			name: "Q3", p: MustParse("2023Q3"), typ: Quarterly,
			start: utc(2023, time.July, 1), end: utc(2023, time.October, 1),
			quarters: []string{"2023Q3"},
		},
		{
			name: "Q4EndsNextYear", p: MustParse("2023Q4"), typ: Quarterly,
			start: utc(2023, time.October, 1), end: utc(2024, time.January, 1),
			quarters: []string{"2023Q4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Type(); got != tt.typ {
				t.Errorf("Type() = %q, want %q", got, tt.typ)
			}
			if got := tt.p.Start(); !got.Equal(tt.start) || got.Location() != time.UTC {
				t.Errorf("Start() = %v, want %v", got, tt.start)
			}
			if got := tt.p.End(); !got.Equal(tt.end) || got.Location() != time.UTC {
				t.Errorf("End() = %v, want %v", got, tt.end)
			}
			var qs []string
			for _, q := range tt.p.Quarters() {
				qs = append(qs, q.String())
				if !tt.p.Contains(q) {
					t.Errorf("%v does not contain its quarter %v", tt.p, q)
				}
			}
			if !slices.Equal(qs, tt.quarters) {
				t.Errorf("Quarters() = %v, want %v", qs, tt.quarters)
			}
			if got := tt.p.YearOf(); got != Year(tt.p.Year) {
				t.Errorf("YearOf() = %v, want %v", got, Year(tt.p.Year))
			}
		})
	}
}

func TestQuartersTileTheYear(t *testing.T) {
	y := Year(2024) // a leap year
	qs := y.Quarters()
	if !qs[0].Start().Equal(y.Start()) || !qs[3].End().Equal(y.End()) {
		t.Fatalf("quarters of %v do not start and end with it", y)
	}
	for i := 1; i < len(qs); i++ {
		if !qs[i-1].End().Equal(qs[i].Start()) {
			t.Errorf("%v ends %v but %v starts %v", qs[i-1], qs[i-1].End(), qs[i], qs[i].Start())
		}
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		name string
		p, q string
		want bool
	}{
		{name: "YearContainsItself", p: "2023", q: "2023", want: true},
		{name: "YearContainsItsQuarter", p: "2023", q: "2023Q2", want: true},
		{name: "YearNotOtherYearsQuarter", p: "2023", q: "2022Q4", want: false},
		{name: "YearNotOtherYear", p: "2023", q: "2024", want: false},
		{name: "QuarterContainsItself", p: "2023Q1", q: "2023Q1", want: true},
		{name: "QuarterNotItsYear", p: "2023Q1", q: "2023", want: false},
		{name: "QuarterNotOtherQuarter", p: "2023Q1", q: "2023Q2", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MustParse(tt.p).Contains(MustParse(tt.q)); got != tt.want {
				t.Errorf("%s.Contains(%s) = %v, want %v", tt.p, tt.q, got, tt.want)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	in := []Period{MustParse("2024"), MustParse("2023Q4"), MustParse("2023"), MustParse("2022"), MustParse("2023Q1")}
	slices.SortFunc(in, Period.Compare)
	var got []string
	for _, p := range in {
		got = append(got, p.String())
	}
	want := []string{"2022", "2023", "2023Q1", "2023Q4", "2024"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted = %v, want %v", got, want)
	}

	tests := []struct {
		name string
		p, q string
		want bool
	}{
		{name: "EarlierYear", p: "2021", q: "2022", want: true},
		{name: "LaterYear", p: "2022", q: "2021", want: false},
		{name: "Same", p: "2022", q: "2022", want: false},
		{name: "YearBeforeItsQuarter", p: "2023", q: "2023Q1", want: true},
		{name: "QuarterBeforeNextYear", p: "2022Q4", q: "2023", want: true},
		{name: "QuarterOrder", p: "2023Q1", q: "2023Q2", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MustParse(tt.p).Less(MustParse(tt.q)); got != tt.want {
				t.Errorf("%s.Less(%s) = %v, want %v", tt.p, tt.q, got, tt.want)
			}
		})
	}
}

func TestYears(t *testing.T) {
	tests := []struct {
		name     string
		from, to int
		want     []Period
	}{
		{name: "Plan", from: 2021, to: 2025, want: []Period{Year(2021), Year(2022), Year(2023), Year(2024), Year(2025)}},
		{name: "One", from: 2021, to: 2021, want: []Period{Year(2021)}},
		{name: "Backwards", from: 2025, to: 2021, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Years(tt.from, tt.to); !slices.Equal(got, tt.want) {
				t.Errorf("Years(%d, %d) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	type row struct {
		Period Period `json:"period"`
	}
	b, err := json.Marshal(row{Period: Quarter(2023, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"period":"2023Q1"}` {
		t.Errorf("json = %s", b)
	}
	var r row
	if err := json.Unmarshal([]byte(`{"period":"2022"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Period != Year(2022) {
		t.Errorf("unmarshal = %v, want 2022", r.Period)
	}
	err = json.Unmarshal([]byte(`{"period":"2023Q5"}`), &r)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Errorf("unmarshal 2023Q5: error %v, want a *ParseError", err)
	}
	if _, err := json.Marshal(row{}); err == nil {
		t.Error("marshal of the zero Period succeeded")
	}
}
