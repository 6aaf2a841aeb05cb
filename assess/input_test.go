package assess

import (
	"slices"
	"testing"

	"planapi/period"
)

func TestFromObservations(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	years := period.Years(2021, 2025)
	q := func(y, n int) period.Period { return period.Quarter(y, n) }
	tests := []struct {
		name       string
		cumulative bool
		obs        map[period.Period]Observation
		wantValues []Point
		wantLatest *Point
		wantJudged []period.Period
	}{
		{"OK", false, map[period.Period]Observation{
			period.Year(2021): {Value: f(90)}, period.Year(2022): {Value: f(95)}, q(2023, 1): {Value: f(40)},
		}, []Point{{2021, "2021", 90}, {2022, "2022", 95}}, &Point{2023, "2023Q1", 40},
			[]period.Period{period.Year(2021), period.Year(2022)}},
		{"PartialYearIsNotJudged", false, map[period.Period]Observation{
			period.Year(2021): {Value: f(90)}, period.Year(2022): {Value: f(30), Partial: true}, q(2022, 2): {Value: f(31)},
		}, []Point{{2021, "2021", 90}}, &Point{2022, "2022Q2", 31}, []period.Period{period.Year(2021)}},
		{"CumulativeRunsOnAndKeepsThePartialYear", true, map[period.Period]Observation{
			period.Year(2021): {Value: f(9)}, period.Year(2022): {Value: f(8)}, q(2023, 1): {Value: f(4)},
		}, []Point{{2021, "2021", 9}, {2022, "2022", 17}}, &Point{2023, "2023Q1", 21},
			[]period.Period{period.Year(2021), period.Year(2022)}},
		{"NoFigures", false, map[period.Period]Observation{period.Year(2021): {}}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, judged := FromObservations(Indicator{Target: f(100), Comparator: GTE, TargetYear: 2025, BaseYear: 2021,
				Cumulative: tt.cumulative}, years, tt.obs)
			if !slices.Equal(in.Values, tt.wantValues) {
				t.Errorf("Values = %v, want %v", in.Values, tt.wantValues)
			}
			if (in.Latest == nil) != (tt.wantLatest == nil) || (in.Latest != nil && *in.Latest != *tt.wantLatest) {
				t.Errorf("Latest = %v, want %v", in.Latest, tt.wantLatest)
			}
			if tt.wantLatest != nil && in.AsOf != tt.wantLatest.Year {
				t.Errorf("AsOf = %d, want %d", in.AsOf, tt.wantLatest.Year)
			}
			if !slices.Equal(judged, tt.wantJudged) {
				t.Errorf("judged = %v, want %v", judged, tt.wantJudged)
			}
		})
	}
}
