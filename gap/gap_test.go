package gap

import (
	"math"
	"strings"
	"testing"

	"planapi/msg"
)

func f(x float64) *float64 { return &x }

func near(a *float64, b float64) bool { return a != nil && math.Abs(*a-b) < 1e-9 }

func child(code string, n, d float64, factor float64) ChildFigures {
	c := ChildFigures{Code: code, Name: code, Figures: Figures{Numerator: f(n), Denominator: f(d)}}
	if d != 0 {
		c.Value = f(n / d * factor)
	}
	return c
}

func TestDecompose(t *testing.T) {
	rate := Formula{Factor: 100, HasDenominator: true, Integer: true, Bounded: true}
	perMillion := Formula{Factor: 1e6, HasDenominator: true, Integer: true}
	perTenThousand := Formula{Factor: 1e4, HasDenominator: true, Integer: true}
	sum := Formula{Factor: 1, Integer: true}
	type want struct {
		status             Status
		shortfall          float64
		required, change   float64
		order              []string
		contributions      []float64 // in order; NaN: nil
		alone              []bool    // feasibility, in order
		sharesBelowAtLeast float64   // the shares' sum over children with a contribution > 0
	}
	cases := []struct {
		name     string
		formula  Formula
		target   *Target
		region   Figures
		children []ChildFigures
		want     want
	}{
		{
			// 2.10 in 2022 on the demo: 479 of 501 passing, every county below 96.5 %.
			name: "RateOK", formula: rate, target: &Target{Value: 96.5, Comparator: "GTE"},
			region: Figures{Value: f(479.0 / 501 * 100), Numerator: f(479), Denominator: f(501)},
			children: []ChildFigures{child("A", 182, 190, 100), child("B", 125, 130, 100), child("C", 59, 63, 100),
				child("D", 58, 61, 100), child("E", 55, 57, 100)},
			want: want{status: Shortfall, shortfall: 96.5 - 479.0/501*100, required: 484, change: 5,
				order:         []string{"C", "A", "D", "B", "E"},
				contributions: []float64{1.795 * 100 / 501, 1.35 * 100 / 501, 0.865 * 100 / 501, 0.45 * 100 / 501, 0.005 * 100 / 501},
				// 南山县 passing 64 of its 63 is impossible; 东城区 and 西城区 have the room.
				alone: []bool{false, true, false, true, false}, sharesBelowAtLeast: 1},
		},
		{
			// Two of three above target: the shares of the one below sum to more than 100 %.
			name: "PerCapitaSomeAbove", formula: perMillion, target: &Target{Value: 1600, Comparator: "GTE"},
			region:   Figures{Value: f(2900.0 / 2e6 * 1e6), Numerator: f(2900), Denominator: f(2e6)},
			children: []ChildFigures{child("A", 2000, 1e6, 1e6), child("B", 900, 1e6, 1e6)},
			want: want{status: Shortfall, shortfall: 150, required: 3200, change: 300, order: []string{"B", "A"},
				contributions: []float64{700.0 / 2, 0}, alone: []bool{true, true}, sharesBelowAtLeast: 350.0 / 150},
		},
		{
			// 2.17-like: 3 deaths over 100,000 units is 0.3 per 10,000 against at most 0.1: cut 2.
			name: "LowerIsBetter", formula: perTenThousand, target: &Target{Value: 0.1, Comparator: "LTE", LowerIsBetter: true},
			region:   Figures{Value: f(0.3), Numerator: f(3), Denominator: f(100000)},
			children: []ChildFigures{child("A", 3, 50000, 1e4), child("B", 0, 50000, 1e4)},
			want: want{status: Shortfall, shortfall: 0.2, required: 1, change: -2, order: []string{"A", "B"},
				contributions: []float64{0.25, 0}, alone: []bool{true, false}, sharesBelowAtLeast: 1.25},
		},
		{
			// A child with a zero denominator has no value and no contribution, and no NaN.
			name: "ZeroDenominatorChild", formula: rate, target: &Target{Value: 100, Comparator: "GTE"},
			region:   Figures{Value: f(90), Numerator: f(9), Denominator: f(10)},
			children: []ChildFigures{child("A", 0, 0, 100), child("B", 9, 10, 100)},
			want: want{status: Shortfall, shortfall: 10, required: 10, change: 1, order: []string{"B", "A"},
				contributions: []float64{10, math.NaN()}, alone: []bool{true, false}, sharesBelowAtLeast: 1},
		},
		{
			// A percentage child cannot pass more batches than it inspected.
			name: "AloneInfeasible", formula: rate, target: &Target{Value: 95, Comparator: "GTE"},
			region:   Figures{Value: f(80), Numerator: f(80), Denominator: f(100)},
			children: []ChildFigures{child("A", 78, 90, 100), child("B", 2, 10, 100)},
			want: want{status: Shortfall, shortfall: 15, required: 95, change: 15, order: []string{"A", "B"},
				contributions: []float64{(85.5 - 78), (9.5 - 2)}, alone: []bool{false, false}, sharesBelowAtLeast: 1},
		},
		{
			// More than 4 per 1,000: 4.0 exactly is not enough, 5 batches more than 4,000.
			name: "StrictlyGreater", formula: Formula{Factor: 1000, HasDenominator: true, Integer: true},
			target: &Target{Value: 4, Comparator: "GT"},
			region: Figures{Value: f(4), Numerator: f(4000), Denominator: f(1e6)},
			want:   want{status: Shortfall, shortfall: 0, required: 4001, change: 1},
		},
		{
			// A plain sum: no per-child target; children in code order with no contribution.
			name: "PlainSum", formula: sum, target: &Target{Value: 3, Comparator: "GTE"},
			region: Figures{Value: f(2), Numerator: f(2)},
			children: []ChildFigures{{Code: "B", Figures: Figures{Value: f(2), Numerator: f(2)}},
				{Code: "A", Figures: Figures{Value: f(0), Numerator: f(0)}}},
			want: want{status: Shortfall, shortfall: 1, required: 3, change: 1, order: []string{"A", "B"},
				contributions: []float64{math.NaN(), math.NaN()}, alone: []bool{true, true}},
		},
		{
			name: "NonInteger", formula: Formula{Factor: 1}, target: &Target{Value: 85, Comparator: "GTE"},
			region: Figures{Value: f(84.39), Numerator: f(84.39)},
			want:   want{status: Shortfall, shortfall: 85 - 84.39, required: 85, change: 85 - 84.39},
		},
		{name: "Achieved", formula: rate, target: &Target{Value: 100, Comparator: "GTE"},
			region: Figures{Value: f(100.00000000001), Numerator: f(10), Denominator: f(10)}, want: want{status: Achieved}},
		{name: "NoTarget", formula: sum, region: Figures{Value: f(1), Numerator: f(1)}, want: want{status: NoTarget}},
		{name: "NoValue", formula: rate, target: &Target{Value: 96.5, Comparator: "GTE"}, want: want{status: NoData}},
		{name: "ZeroDenominator", formula: rate, target: &Target{Value: 96.5, Comparator: "GTE"},
			region: Figures{Value: f(0), Numerator: f(0), Denominator: f(0)}, want: want{status: NoData}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Decompose(c.formula, c.target, c.region, c.children)
			if got.Status != c.want.status {
				t.Fatalf("status %s, want %s", got.Status, c.want.status)
			}
			if got.Status != Shortfall {
				if got.Shortfall != nil || len(got.Children) != 0 {
					t.Errorf("a %s answer carries a decomposition: %+v", got.Status, got)
				}
				return
			}
			if c.name != "StrictlyGreater" && !near(got.Shortfall, c.want.shortfall) {
				t.Errorf("shortfall %v, want %v", *got.Shortfall, c.want.shortfall)
			}
			if !near(got.RequiredNumerator, c.want.required) || !near(got.NumeratorChange, c.want.change) {
				t.Errorf("required %v change %v, want %v %v", *got.RequiredNumerator, *got.NumeratorChange, c.want.required, c.want.change)
			}
			if len(got.Children) != len(c.want.order) {
				t.Fatalf("%d children, want %d", len(got.Children), len(c.want.order))
			}
			var shares float64
			for i, ch := range got.Children {
				if ch.Code != c.want.order[i] {
					t.Errorf("child %d is %s, want %s", i, ch.Code, c.want.order[i])
				}
				for _, p := range []*float64{ch.Value, ch.Contribution, ch.Share, ch.Own, ch.Alone} {
					if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
						t.Errorf("%s carries %v", ch.Code, *p)
					}
				}
				if w := c.want.contributions[i]; math.IsNaN(w) {
					if ch.Contribution != nil || ch.Share != nil {
						t.Errorf("%s: contribution %v, want none", ch.Code, *ch.Contribution)
					}
				} else if !near(ch.Contribution, w) {
					t.Errorf("%s: contribution %v, want %v", ch.Code, ch.Contribution, w)
				}
				if ch.Share != nil {
					if *ch.Contribution == 0 && *ch.Share != 0 {
						t.Errorf("%s: at or beyond the target with a share %v", ch.Code, *ch.Share)
					}
					shares += *ch.Share
				}
				if ch.AloneFeasible != c.want.alone[i] {
					t.Errorf("%s: alone feasible %v, want %v", ch.Code, ch.AloneFeasible, c.want.alone[i])
				}
			}
			if c.want.sharesBelowAtLeast > 0 && (shares < 1-1e-9 || math.Abs(shares-c.want.sharesBelowAtLeast) > 1e-9) {
				t.Errorf("shares sum to %v, want %v (≥ 1)", shares, c.want.sharesBelowAtLeast)
			}
		})
	}
}

func TestOwn(t *testing.T) {
	// 南山县 in 2022: 59 of 63 passing; 96.5 % of 63 is 60.795, so 61 passing: 2 more.
	got := Decompose(Formula{Factor: 100, HasDenominator: true, Integer: true, Bounded: true}, &Target{Value: 96.5, Comparator: "GTE"},
		Figures{Value: f(59.0 / 63 * 100), Numerator: f(59), Denominator: f(63)}, []ChildFigures{child("C", 59, 63, 100)})
	if !near(got.Children[0].Own, 2) || !near(got.Children[0].Alone, 2) {
		t.Errorf("own %v alone %v, want 2 and 2", *got.Children[0].Own, *got.Children[0].Alone)
	}
}

func TestParagraph(t *testing.T) {
	r := Decompose(Formula{Factor: 100, HasDenominator: true, Integer: true, Bounded: true}, &Target{Value: 96.5, Comparator: "GTE"},
		Figures{Value: f(479.0 / 501 * 100), Numerator: f(479), Denominator: f(501)},
		[]ChildFigures{
			{Code: "419902", Name: "东城区", Figures: child("", 182, 190, 100).Figures},
			{Code: "419903", Name: "西城区", Figures: child("", 125, 130, 100).Figures},
			{Code: "419921", Name: "南山县", Figures: child("", 59, 63, 100).Figures},
			{Code: "419922", Name: "北河县", Figures: child("", 58, 61, 100).Figures},
			{Code: "419923", Name: "中原县", Figures: child("", 55, 57, 100).Figures},
		})
	g := &Gap{IndicatorCode: "2.10", IndicatorName: "重点工业产品监督抽查合格率", Unit: "%", RegionCode: "419900", RegionName: "XX市",
		Period: "2022", TargetYear: 2025, Target: f(96.5), Comparator: "GTE",
		Figures:    Figures{Value: f(479.0 / 501 * 100), Numerator: f(479), Denominator: f(501)},
		ChangeName: "重点工业产品监督抽查不合格批次", ChangeUnit: "批次", ChangeIsPart: true, Result: r}
	want := "2022年重点工业产品监督抽查合格率为95.6%,距2025年目标96.5%尚差0.9个百分点," +
		"需减少重点工业产品监督抽查不合格批次5批次(达标需484/501);" +
		"其中南山县(93.7%,拉低0.4个百分点)最多,其次为东城区(95.8%,拉低0.3个百分点)、北河县(95.1%,拉低0.2个百分点)。"
	if got := Paragraph(g); got != want {
		t.Errorf("Paragraph:\n got %s\nwant %s", got, want)
	}
	if en := ParagraphIn(g, msg.En); !strings.Contains(en, "5批次 fewer") && !strings.Contains(en, "0.9 percentage points short") {
		t.Errorf("English paragraph: %s", en)
	}

	// Lower is better, a per-capita figure, children withheld.
	g2 := &Gap{IndicatorName: "万台特种设备死亡率", Unit: "人/万台", Period: "2024", TargetYear: 2025, Target: f(0.1), Comparator: "LTE",
		Figures: Figures{Value: f(0.3), Numerator: f(3), Denominator: f(100000)}, ChangeName: "特种设备事故死亡人数", ChangeUnit: "人",
		ChildrenWithheld: true,
		Result:           Result{Status: Shortfall, Shortfall: f(0.2), RequiredNumerator: f(1), NumeratorChange: f(-2)}}
	want2 := "2024年万台特种设备死亡率为0.3人/万台,超出2025年目标上限0.1人/万台达0.2人/万台,需减少特种设备事故死亡人数2人;各下级区划的明细不予公开。"
	if got := Paragraph(g2); got != want2 {
		t.Errorf("Paragraph:\n got %s\nwant %s", got, want2)
	}

	// Achieved: the note as a sentence.
	g3 := &Gap{IndicatorName: "食品经营者监督检查覆盖率", Unit: "%", Period: "2022", TargetYear: 2025, Target: f(100),
		Figures: Figures{Value: f(100)}, Result: Result{Status: Achieved}}
	if got := Paragraph(g3); got != "2022年食品经营者监督检查覆盖率为100%,已达到2025年目标100%,无差距。" {
		t.Errorf("Paragraph: %s", got)
	}
}

func TestNumber(t *testing.T) {
	cases := []struct {
		in   float64
		unit string
		want string
	}{{95.608, "%", "95.6"}, {0.892, "%", "0.9"}, {0.04, "%", "0.04"}, {1584.81, "份/百万人口", "1585"}, {15.19, "份/百万人口", "15.19"},
		{0.05, "人/万台", "0.05"}, {0.0004, "人/万台", "0.0004"}, {100, "%", "100"}, {0, "", "0"}, {-2, "", "-2"}, {484, "", "484"}}
	for _, c := range cases {
		if got := number(c.in, c.unit); got != c.want {
			t.Errorf("number(%v, %s) = %s, want %s", c.in, c.unit, got, c.want)
		}
	}
}

// TestDecomposeEQOvershoot: an EQ target missed from above is an excess to cut, as for ≤: the
// shortfall is positive, the change a cut, and the children above the target pull.
func TestDecomposeEQOvershoot(t *testing.T) {
	sum := Formula{Factor: 1, Integer: true}
	r := Decompose(sum, &Target{Value: 10, Comparator: "EQ"}, Figures{Value: f(12), Numerator: f(12)}, nil)
	if r.Status != Shortfall || !near(r.Shortfall, 2) || !near(r.RequiredNumerator, 10) || !near(r.NumeratorChange, -2) {
		t.Errorf("EQ 10 at 12: %s shortfall %v required %v change %v, want 2, 10, −2", r.Status, deref(r.Shortfall), deref(r.RequiredNumerator), deref(r.NumeratorChange))
	}
	rate := Formula{Factor: 100, HasDenominator: true, Integer: true, Bounded: true}
	r = Decompose(rate, &Target{Value: 50, Comparator: "EQ"}, Figures{Value: f(60), Numerator: f(60), Denominator: f(100)},
		[]ChildFigures{child("A", 40, 50, 100), child("B", 20, 50, 100)})
	if r.Status != Shortfall || !near(r.Shortfall, 10) || !near(r.NumeratorChange, -10) || len(r.Children) != 2 ||
		r.Children[0].Code != "A" || !near(r.Children[0].Contribution, 15) || !near(r.Children[0].Share, 1.5) || !near(r.Children[1].Contribution, 0) {
		t.Errorf("EQ 50%% at 60%%: %+v", r)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
