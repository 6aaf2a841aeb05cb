package assess

import (
	"slices"
	"strings"
	"testing"

	"planapi/period"
)

func TestFromObservations(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	years := period.Years(2021, 2025)
	rg := func(s string) period.Range {
		r, err := period.ParseRange(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	whole := func(v float64) Observation { return Observation{Value: f(v), Expected: 5, Approved: 5} }
	demo := map[period.Range]Observation{
		rg("2021"): whole(90), rg("2022"): whole(95), rg("2023Q1"): whole(40),
		rg("2023"): {Value: f(40), Partial: true, Expected: 5, Approved: 5},
	}
	with := func(base map[period.Range]Observation, kv ...any) map[period.Range]Observation {
		out := map[period.Range]Observation{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[rg(kv[i].(string))] = kv[i+1].(Observation)
		}
		return out
	}
	asOf := func(s string) *period.Period { p := period.MustParse(s); return &p }
	tests := []struct {
		name           string
		cumulative     bool
		asOf           *period.Period
		obs            map[period.Range]Observation
		wantValues     []Point
		wantLatest     *Point
		wantJudged     []string
		wantIncomplete []int
		wantAsOf       string
	}{
		{"OK", false, nil, demo, []Point{{2021, "2021", 90}, {2022, "2022", 95}}, &Point{2023, "2023Q1", 40},
			[]string{"2021", "2022"}, nil, "2023Q1"},
		{"YearToDate", false, nil, with(demo, "2023Q2", whole(50), "2023Q1..2023Q2", whole(45)),
			[]Point{{2021, "2021", 90}, {2022, "2022", 95}}, &Point{2023, "2023Q1..2023Q2", 45}, []string{"2021", "2022"}, nil, "2023Q2"},
		{"PartialYearIsNotJudged", false, nil, with(demo, "2022", Observation{Value: f(30), Partial: true, Expected: 5, Approved: 5}),
			[]Point{{2021, "2021", 90}}, &Point{2023, "2023Q1", 40}, []string{"2021"}, nil, "2023Q1"},
		{"IncompleteYearIsNamedNotJudged", false, nil, with(demo, "2024", Observation{Value: f(99), Expected: 5, Approved: 2}),
			[]Point{{2021, "2021", 90}, {2022, "2022", 95}}, &Point{2022, "2022", 95}, []string{"2021", "2022"}, []int{2024}, "2024"},
		{"AsOfLeavesLaterDataOut", false, asOf("2023Q1"), with(demo, "2024", whole(99), "2024Q1", whole(20)),
			[]Point{{2021, "2021", 90}, {2022, "2022", 95}}, &Point{2023, "2023Q1", 40}, []string{"2021", "2022"}, nil, "2023Q1"},
		{"CumulativeRunningTotal", true, nil, with(demo, "2021..2022", whole(185), "2021..2023Q1", whole(225)),
			[]Point{{2021, "2021", 90}, {2022, "2022", 185}}, &Point{2023, "2021..2023Q1", 225}, []string{"2021", "2022"}, nil, "2023Q1"},
		{"CumulativeAsOfPastThePlan", true, asOf("2026"), with(demo, "2021..2022", whole(185), "2021..2026", whole(300)),
			[]Point{{2021, "2021", 90}, {2022, "2022", 185}}, &Point{2026, "2021..2026", 300}, []string{"2021", "2022"}, nil, "2026"},
		{"NoFigures", false, nil, map[period.Range]Observation{rg("2021"): {}}, nil, nil, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ind := Indicator{Target: f(100), Comparator: GTE, TargetYear: 2025, BaseYear: 2021, Cumulative: tt.cumulative}
			in, basis := FromObservations(ind, years, tt.asOf, tt.obs)
			if !slices.Equal(in.Values, tt.wantValues) {
				t.Errorf("Values = %v, want %v", in.Values, tt.wantValues)
			}
			if (in.Latest == nil) != (tt.wantLatest == nil) || (in.Latest != nil && *in.Latest != *tt.wantLatest) {
				t.Errorf("Latest = %v, want %v", in.Latest, tt.wantLatest)
			}
			var judged []string
			for _, y := range basis.Judged {
				judged = append(judged, y.String())
			}
			if !slices.Equal(judged, tt.wantJudged) {
				t.Errorf("judged = %v, want %v", judged, tt.wantJudged)
			}
			var incomplete []int
			for _, y := range in.Incomplete {
				incomplete = append(incomplete, y.Year)
			}
			if !slices.Equal(incomplete, tt.wantIncomplete) {
				t.Errorf("incomplete years = %v, want %v", incomplete, tt.wantIncomplete)
			}
			if got := ""; basis.AsOf != nil {
				if got = basis.AsOf.String(); got != tt.wantAsOf {
					t.Errorf("as of %s, want %s", got, tt.wantAsOf)
				}
			} else if tt.wantAsOf != "" {
				t.Errorf("no as-of period, want %s", tt.wantAsOf)
			}
			// Every key FromObservations reads is among Keys.
			keys := Keys(ind, years, tt.asOf)
			for r := range tt.obs {
				if (tt.asOf == nil || !tt.asOf.End().Before(r.End())) && !slices.Contains(keys, r) {
					t.Errorf("Keys lacks %v", r)
				}
			}
		})
	}
}

func TestExplanationInChinese(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	pts := func(kv ...float64) []Point {
		var out []Point
		for i := 0; i < len(kv); i += 2 {
			out = append(out, Point{Year: int(kv[i]), Value: kv[i+1]})
		}
		return out
	}
	base := Input{Comparator: GTE, TargetYear: 2025, BaseYear: 2021}
	tests := []struct {
		name  string
		in    Input
		wants []string
	}{
		{"Achieved", Input{Target: f(100), Values: pts(2021, 100, 2022, 100), Latest: &Point{2023, "2023Q1", 46}},
			[]string{"已完成既定目标", "2022年为100", "2025年目标 ≥ 100", "2023年第一季度为46", "未用于评估"}},
		{"OnTrack", Input{Target: f(1600), Values: pts(2021, 1483, 2022, 1585)}, []string{"预计到2025年可完成", "年均增长102"}},
		{"NeedsAcceleration", Input{Target: f(96.5), Values: pts(2021, 95.35, 2022, 95.61)}, []string{"需加快进度", "尚需年均增长0.3"}},
		{"AtRisk", Input{Target: f(96.5), Values: pts(2021, 95, 2022, 95.1)}, []string{"存在较大差距"}},
		{"NoTarget", Input{Values: pts(2021, 9)}, []string{"目标值未公开", "无法评估"}},
		{"NoData", Input{Target: f(90)}, []string{"暂无数据,无法评估"}},
		{"OneYear", Input{Target: f(85), Values: pts(2021, 84.39)}, []string{"无法预期", "84.39"}},
		{"AsOfAndIncompleteYear", Input{Target: f(96.5), Values: pts(2021, 95.35, 2022, 95.61), AsOfLabel: "2024",
			Incomplete: []IncompleteYear{{Year: 2024, Expected: 5, Approved: 2, Value: f(97)}}},
			[]string{"截至2024年:", "2024年数据不完整(97):应报5个单位,已计入2个"}},
		{"CumulativeSinceTheStart", Input{Cumulative: true, Values: pts(2021, 9, 2022, 17), Latest: &Point{2023, "2021..2023Q1", 21}},
			[]string{"2021年以来累计21(截至2023年第一季度)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Comparator, in.TargetYear, in.BaseYear = base.Comparator, base.TargetYear, base.BaseYear
			got := Assess(in)
			for _, w := range tt.wants {
				if !strings.Contains(got.Explanation, w) {
					t.Errorf("Explanation %q lacks %q", got.Explanation, w)
				}
			}
			if got.ExplanationEN == "" || got.ExplanationEN == got.Explanation {
				t.Errorf("ExplanationEN = %q", got.ExplanationEN)
			}
		})
	}
}
