package assess

import (
	"math"
	"testing"
)

func f(v float64) *float64 { return &v }

// years builds yearly points from alternating year and value arguments.
func years(yv ...float64) []Point {
	var ps []Point
	for i := 0; i+1 < len(yv); i += 2 {
		ps = append(ps, Point{Year: int(yv[i]), Value: yv[i+1]})
	}
	return ps
}

func q(label string, year int, v float64) *Point { return &Point{Year: year, Label: label, Value: v} }

// plan fills in the plan's years: base 2021, target 2025, assessed in 2023 as the
// mid-term evaluation was.
func plan(in Input) Input {
	if in.BaseYear == 0 {
		in.BaseYear = 2021
	}
	if in.TargetYear == 0 {
		in.TargetYear = 2025
	}
	if in.AsOf == 0 {
		in.AsOf = 2023
	}
	return in
}

// none marks a pointer result that must be nil.
var none = f(math.NaN())

func TestAssess(t *testing.T) {
	tests := []struct {
		name       string
		in         Input
		want       Status
		projected  *float64 // nil: not checked; none: must be nil
		ratio      *float64 // as above
		metBy      string
		explain    string // "" : not checked
		rawNoDates bool   // do not fill in the plan's years
	}{
		// NO_TARGET and NO_DATA
		{
			name:      "NoTargetRedacted",
			in:        Input{Target: nil, Comparator: GTE, Values: years(2021, 10, 2022, 12), Latest: q("2023Q1", 2023, 4)},
			want:      NoTarget,
			projected: f(18),
			explain:   "The target is not known, so progress cannot be judged; 2022 value 12; projected 18 in 2025; the 2023Q1 value 4 covers part of a year and is not used to judge progress.",
		},
		{
			name:    "NoTargetRedactedNoData",
			in:      Input{Comparator: GTE},
			want:    NoTarget,
			explain: "The target is not known, so progress cannot be judged.",
		},
		{
			name:       "NoTargetWithoutTargetYear",
			in:         Input{Target: f(3), Comparator: GTE, BaseYear: 2021, Values: years(2021, 1, 2022, 2)},
			rawNoDates: true,
			want:       NoTarget,
			projected:  none,
			explain:    "The target has no target year, so progress cannot be judged; 2022 value 2.",
		},
		{
			name:      "NoData",
			in:        Input{Target: f(90), Comparator: GTE},
			want:      NoData,
			projected: none,
			explain:   "No value has been reported against target ≥ 90 by 2025.",
		},
		{
			name:    "NoDataOnlyNaN",
			in:      Input{Target: f(90), Comparator: GTE, Values: years(2021, math.NaN())},
			want:    NoData,
			explain: "No value has been reported against target ≥ 90 by 2025.",
		},

		// ACHIEVED
		{
			// 医疗器械生产企业完成年度检查计划率: 100% in 2021 and 2022, 46% in 2023 Q1.
			name:      "AchievedPartialYearNotJudged",
			in:        Input{Target: f(100), Comparator: GTE, Bounded: true, Values: years(2021, 100, 2022, 100), Latest: q("2023Q1", 2023, 46)},
			want:      Achieved,
			metBy:     "2022",
			projected: f(100),
			explain:   "2022 value 100 meets target ≥ 100 by 2025; the 2023Q1 value 46 covers part of a year and is not used to judge progress.",
		},
		{
			// 创新性惠企政策出台数: 21 policies as of 2023 Q1, a stock with no yearly value.
			name:      "AchievedLatestOnly",
			in:        Input{Target: f(20), Comparator: GTE, Latest: q("2023Q1", 2023, 21)},
			want:      Achieved,
			metBy:     "2023Q1",
			projected: none,
			explain:   "2023Q1 value 21 meets target ≥ 20 by 2025.",
		},
		{
			// 万台特种设备死亡率 0.1: no deaths since 2021.
			name:    "AchievedLowerIsBetterZero",
			in:      Input{Target: f(0.1), Comparator: LTE, Direction: LowerIsBetter, Values: years(2021, 0, 2022, 0)},
			want:    Achieved,
			metBy:   "2022",
			explain: "2022 value 0 meets target ≤ 0.1 by 2025.",
		},
		{
			name:  "AchievedLowerIsBetterAtTarget",
			in:    Input{Target: f(0.1), Comparator: LTE, Values: years(2021, 0.3, 2022, 0.1)},
			want:  Achieved,
			metBy: "2022",
		},
		{
			name:  "AchievedGTEAtEquality",
			in:    Input{Target: f(4), Comparator: GTE, Values: years(2021, 3.5, 2022, 4)},
			want:  Achieved,
			metBy: "2022",
		},
		{
			name:  "AchievedGTAboveTarget",
			in:    Input{Target: f(4), Comparator: GT, Values: years(2021, 3.5, 2022, 4.5)},
			want:  Achieved,
			metBy: "2022",
		},
		{
			// A ratio of sums times 100 can come out a hair below the target.
			name:  "AchievedDespiteFloatNoise",
			in:    Input{Target: f(96.5), Comparator: GTE, Values: years(2021, 95, 2022, 96.49999999999999)},
			want:  Achieved,
			metBy: "2022",
		},
		{
			name:  "AchievedEQ",
			in:    Input{Target: f(5), Comparator: EQ, Values: years(2021, 7, 2022, 5)},
			want:  Achieved,
			metBy: "2022",
		},
		{
			name:  "AchievedEarlierThenLost",
			in:    Input{Target: f(90), Comparator: GTE, Values: years(2021, 91, 2022, 89)},
			want:  Deteriorating,
			metBy: "",
		},

		// ON_TRACK
		{
			name:      "OnTrackExample",
			in:        Input{Target: f(96.5), Comparator: GTE, Bounded: true, Values: years(2021, 95.30, 2022, 95.61)},
			want:      OnTrack,
			projected: f(96.54),
			explain:   "2022 value 95.61 against target ≥ 96.5 by 2025: growth since 2021 is 0.31 a year, 0.3 a year is needed; projected 96.54 in 2025.",
		},
		{
			// 药品不良反应报告数: 1483 and 1585 per million, 466 in 2023 Q1 alone.
			name:      "OnTrackAdverseDrugReports",
			in:        Input{Target: f(1600), Comparator: GTE, Values: years(2021, 1483, 2022, 1585), Latest: q("2023Q1", 2023, 466)},
			want:      OnTrack,
			projected: f(1891),
			ratio:     f(20.4),
			explain:   "2022 value 1585 against target ≥ 1600 by 2025: growth since 2021 is 102 a year, 5 a year is needed; projected 1891 in 2025; the 2023Q1 value 466 covers part of a year and is not used to judge progress.",
		},
		{
			name:      "OnTrackLowerIsBetter",
			in:        Input{Target: f(0.1), Comparator: LTE, Direction: LowerIsBetter, Values: years(2021, 0.3, 2022, 0.2)},
			want:      OnTrack,
			projected: f(0), // 0.2 − 0.1×3 = −0.1, floored
			ratio:     f(3),
			explain:   "2022 value 0.2 against target ≤ 0.1 by 2025: decline since 2021 is 0.1 a year, 0.03 a year is needed; projected 0 in 2025 (floored at 0).",
		},
		{
			name:      "OnTrackBoundedProjectionCapped",
			in:        Input{Target: f(100), Comparator: GTE, Bounded: true, Values: years(2021, 96, 2022, 99)},
			want:      OnTrack,
			projected: f(100),
			explain:   "2022 value 99 against target ≥ 100 by 2025: growth since 2021 is 3 a year, 0.33 a year is needed; projected 100 in 2025 (capped at 100).",
		},
		{
			name:      "OnTrackUnboundedProjectionNotCapped",
			in:        Input{Target: f(100), Comparator: GTE, Values: years(2021, 96, 2022, 99)},
			want:      OnTrack,
			projected: f(108),
		},
		{
			name:      "OnTrackGTAtEquality",
			in:        Input{Target: f(4), Comparator: GT, Values: years(2021, 3.5, 2022, 4)},
			want:      OnTrack,
			ratio:     none,
			projected: f(5.5),
			explain:   "2022 value 4 against target > 4 by 2025: growth since 2021 is 0.5 a year, any rise meets it; projected 5.5 in 2025.",
		},
		{
			name: "OnTrackEQFromAbove",
			in:   Input{Target: f(5), Comparator: EQ, Values: years(2021, 10, 2022, 8)},
			want: OnTrack,
		},
		{
			name:  "OnTrackTwoYearsApart",
			in:    Input{Target: f(103), Comparator: GTE, Values: years(2021, 90, 2023, 97)}, // r_a 3.5, r_n 3
			want:  OnTrack,
			ratio: f(3.5 / 3),
		},
		{
			name:  "OnTrackAtExactly095",
			in:    Input{Target: f(130), Comparator: GTE, Values: years(2021, 90.5, 2022, 100)}, // r_a 9.5, r_n 10
			want:  OnTrack,
			ratio: f(0.95),
		},

		// NEEDS_ACCELERATION
		{
			// 重点工业产品监督抽查合格率: 538 batches 25 failed in 2021, 501 batches 22 failed in 2022.
			name:      "NeedsAccelerationQualityPassRate",
			in:        Input{Target: f(96.5), Comparator: GTE, Bounded: true, Values: years(2021, 100*(538.0-25)/538, 2022, 100*(501.0-22)/501)},
			want:      NeedsAcceleration,
			projected: f(100*(501.0-22)/501 + 3*(100*(501.0-22)/501-100*(538.0-25)/538)),
			explain:   "2022 value 95.61 against target ≥ 96.5 by 2025: growth since 2021 is 0.26 a year, 0.3 a year is needed; projected 96.38 in 2025.",
		},
		{
			name:      "NeedsAccelerationLowerIsBetter",
			in:        Input{Target: f(0.3), Comparator: LTE, Direction: LowerIsBetter, Values: years(2021, 0.5, 2022, 0.46)},
			want:      NeedsAcceleration,
			projected: f(0.34),
		},
		{
			name:  "NeedsAccelerationJustBelow095",
			in:    Input{Target: f(130), Comparator: GTE, Values: years(2021, 90.6, 2022, 100)}, // r_a 9.4, r_n 10
			want:  NeedsAcceleration,
			ratio: f(0.94),
		},
		{
			name:  "NeedsAccelerationAtExactly06",
			in:    Input{Target: f(130), Comparator: GTE, Values: years(2021, 94, 2022, 100)}, // r_a 6, r_n 10
			want:  NeedsAcceleration,
			ratio: f(0.6),
		},
		{
			name:  "AtRiskJustBelow06",
			in:    Input{Target: f(130), Comparator: GTE, Values: years(2021, 94.1, 2022, 100)}, // r_a 5.9, r_n 10
			want:  AtRisk,
			ratio: f(0.59),
		},

		// AT_RISK
		{
			name:  "AtRiskSlow",
			in:    Input{Target: f(95), Comparator: GTE, Values: years(2021, 90, 2022, 90.5)}, // r_a 0.5, r_n 1.5, ρ 1/3
			want:  AtRisk,
			ratio: f(0.5 / 1.5),
		},
		{
			name:    "AtRiskNoChange",
			in:      Input{Target: f(85), Comparator: GTE, Values: years(2021, 84, 2022, 84)},
			want:    AtRisk,
			ratio:   f(0),
			explain: "2022 value 84 against target ≥ 85 by 2025: no change since 2021, growth of 0.33 a year is needed; projected 84 in 2025.",
		},
		{
			name: "AtRiskTinyDrift",
			in:   Input{Target: f(95), Comparator: GTE, Values: years(2021, 90, 2022, 89.99)}, // ρ ≈ −0.006
			want: AtRisk,
		},
		{
			// 公众食品安全满意度: 84.39 in 2021 only.
			name:      "AtRiskOneYear",
			in:        Input{Target: f(85), Comparator: GTE, Values: years(2021, 84.39)},
			want:      AtRisk,
			projected: none,
			ratio:     none,
			explain:   "2021 value 84.39 against target ≥ 85 by 2025: one year of data cannot show a trend.",
		},
		{
			name:      "AtRiskPartialYearOnly",
			in:        Input{Target: f(1600), Comparator: GTE, Latest: q("2023Q1", 2023, 466)},
			want:      AtRisk,
			projected: none,
			explain:   "2023Q1 value 466 against target ≥ 1600 by 2025: there is no full-year value yet, and one value cannot show a trend.",
		},
		{
			name: "AtRiskGTAtEqualityFlat",
			in:   Input{Target: f(4), Comparator: GT, Values: years(2021, 4, 2022, 4)},
			want: AtRisk,
		},

		// DETERIORATING
		{
			name:      "Deteriorating",
			in:        Input{Target: f(96.5), Comparator: GTE, Values: years(2021, 95, 2022, 94)},
			want:      Deteriorating,
			projected: f(91),
			explain:   "2022 value 94 against target ≥ 96.5 by 2025: decline since 2021 is 1 a year, growth of 0.83 a year is needed; projected 91 in 2025.",
		},
		{
			name:    "DeterioratingLowerIsBetter",
			in:      Input{Target: f(0.1), Comparator: LTE, Direction: LowerIsBetter, Values: years(2021, 0.2, 2022, 0.3)},
			want:    Deteriorating,
			explain: "2022 value 0.3 against target ≤ 0.1 by 2025: growth since 2021 is 0.1 a year, a decline of 0.07 a year is needed; projected 0.6 in 2025.",
		},
		{
			name: "DeterioratingGTAtEquality",
			in:   Input{Target: f(4), Comparator: GT, Values: years(2021, 4.5, 2022, 4)},
			want: Deteriorating,
		},

		// The target year has passed.
		{
			name:      "TargetYearPassedNotMet",
			in:        Input{Target: f(96.5), Comparator: GTE, AsOf: 2026, Values: years(2021, 95, 2025, 96)},
			want:      AtRisk,
			projected: f(96),
			ratio:     none,
			explain:   "2025 value 96 against target ≥ 96.5 by 2025: the target year has passed and the latest yearly value does not meet the target; growth since 2021 is 0.25 a year; projected 96 in 2025.",
		},
		{
			name:      "TargetYearPassedMovingAway",
			in:        Input{Target: f(96.5), Comparator: GTE, AsOf: 2026, Values: years(2021, 96, 2025, 95)},
			want:      Deteriorating,
			projected: f(95),
		},
		{
			name:      "TargetYearPassedDataLag",
			in:        Input{Target: f(96.5), Comparator: GTE, AsOf: 2026, Values: years(2021, 90, 2024, 96)},
			want:      AtRisk,
			projected: f(98),
		},
		{
			name:      "TargetYearPassedDataBeyond",
			in:        Input{Target: f(96.5), Comparator: GTE, AsOf: 2027, Values: years(2021, 90, 2026, 96)},
			want:      AtRisk,
			projected: none,
		},
		{
			name:  "TargetYearPassedAchieved",
			in:    Input{Target: f(96.5), Comparator: GTE, AsOf: 2026, Values: years(2021, 95, 2025, 97)},
			want:  Achieved,
			metBy: "2025",
		},

		// Input handling.
		{
			name:      "UnorderedValues",
			in:        Input{Target: f(1600), Comparator: GTE, Values: years(2022, 1585, 2021, 1483)},
			want:      OnTrack,
			projected: f(1891),
		},
		{
			name:      "UnorderedValuesThreeYears",
			in:        Input{Target: f(100), Comparator: GTE, Values: years(2023, 94, 2021, 90, 2022, 99)},
			want:      NeedsAcceleration, // r_a (94−90)/2 = 2, r_n 6/2 = 3, ρ 0.67
			projected: f(98),
			ratio:     f(2.0 / 3),
		},
		{
			name:      "ValueBeforeBaseYearIgnored",
			in:        Input{Target: f(100), Comparator: GTE, Values: years(2020, 0, 2021, 90, 2022, 93)},
			want:      OnTrack,
			projected: f(102),
		},
		{
			name:      "DuplicateYearLaterWins",
			in:        Input{Target: f(100), Comparator: GTE, Values: years(2021, 90, 2022, 80, 2022, 93)},
			want:      OnTrack,
			projected: f(102),
		},
		{
			name:      "WholeYearLatestUsedAsYearly",
			in:        Input{Target: f(100), Comparator: GTE, Values: years(2021, 90), Latest: &Point{Year: 2022, Label: "2022", Value: 93}},
			want:      OnTrack,
			projected: f(102),
		},
		{
			name:      "DirectionWithoutComparator",
			in:        Input{Target: f(0.1), Direction: LowerIsBetter, Values: years(2021, 0.3, 2022, 0.2)},
			want:      OnTrack,
			projected: f(0),
		},
		{
			name:  "ComparatorWinsOverDirection",
			in:    Input{Target: f(90), Comparator: GTE, Direction: LowerIsBetter, Values: years(2021, 95)},
			want:  Achieved,
			metBy: "2021",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if !tt.rawNoDates {
				in = plan(in)
			}
			got := Assess(in)
			if got.Status != tt.want {
				t.Errorf("Status = %s, want %s (%s)", got.Status, tt.want, got.Explanation)
			}
			checkPtr(t, "Projected", got.Projected, tt.projected)
			checkPtr(t, "Ratio", got.Ratio, tt.ratio)
			if got.MetBy != tt.metBy {
				t.Errorf("MetBy = %q, want %q", got.MetBy, tt.metBy)
			}
			if tt.explain != "" && got.ExplanationEN != tt.explain {
				t.Errorf("ExplanationEN =\n\t%s\nwant\n\t%s", got.ExplanationEN, tt.explain)
			}
			if got.Explanation == "" {
				t.Error("Explanation is empty")
			}
		})
	}
}

func checkPtr(t *testing.T, name string, got, want *float64) {
	t.Helper()
	switch {
	case want == nil:
	case math.IsNaN(*want):
		if got != nil {
			t.Errorf("%s = %v, want nil", name, *got)
		}
	case got == nil:
		t.Errorf("%s = nil, want %v", name, *want)
	case math.Abs(*got-*want) > 1e-9:
		t.Errorf("%s = %v, want %v", name, *got, *want)
	}
}

// TestAssessRates checks the signed changes a year the verdict rests on.
func TestAssessRates(t *testing.T) {
	tests := []struct {
		name           string
		in             Input
		actual, needed *float64
	}{
		{
			name:   "HigherIsBetter",
			in:     Input{Target: f(1600), Comparator: GTE, Values: years(2021, 1483, 2022, 1585)},
			actual: f(102), needed: f(5),
		},
		{
			name:   "LowerIsBetter",
			in:     Input{Target: f(0.1), Comparator: LTE, Values: years(2021, 0.3, 2022, 0.2)},
			actual: f(-0.1), needed: f(-0.1 / 3),
		},
		{
			name:   "Achieved",
			in:     Input{Target: f(0.1), Comparator: LTE, Values: years(2021, 0, 2022, 0)},
			actual: f(0), needed: none,
		},
		{
			name:   "OneYear",
			in:     Input{Target: f(85), Comparator: GTE, Values: years(2021, 84.39)},
			actual: none, needed: none,
		},
		{
			name:   "TargetYearPassed",
			in:     Input{Target: f(96.5), Comparator: GTE, Values: years(2021, 95, 2025, 96)},
			actual: f(0.25), needed: none,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Assess(plan(tt.in))
			checkPtr(t, "ActualPerYear", got.ActualPerYear, tt.actual)
			checkPtr(t, "NeededPerYear", got.NeededPerYear, tt.needed)
		})
	}
}

// TestAssessDoesNotReorderInput guards the caller's slice: Values may be shared.
func TestAssessDoesNotReorderInput(t *testing.T) {
	vs := years(2022, 1585, 2021, 1483)
	Assess(plan(Input{Target: f(1600), Comparator: GTE, Values: vs}))
	if vs[0].Year != 2022 || vs[1].Year != 2021 {
		t.Errorf("Values reordered to %v", vs)
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{name: "Integer", in: 1600, want: "1600"},
		{name: "TwoDecimals", in: 95.6088, want: "95.61"},
		{name: "TrailingZero", in: 96.50, want: "96.5"},
		{name: "RoundsToInteger", in: 99.999, want: "100"},
		{name: "Zero", in: 0, want: "0"},
		{name: "NegativeZero", in: math.Copysign(0, -1), want: "0"},
		{name: "Negative", in: -0.1, want: "-0.1"},
		{name: "SmallKeepsTwoSignificant", in: 0.0033333, want: "0.0033"},
		{name: "SmallNegative", in: -0.004, want: "-0.004"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := num(tt.in); got != tt.want {
				t.Errorf("num(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
