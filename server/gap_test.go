package server_test

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/gap"
	"planapi/store"
	"planapi/testenv"
)

type gapJSON struct {
	Period            *string  `json:"period"`
	Status            string   `json:"status"`
	Target            *float64 `json:"target"`
	Value             *float64 `json:"value"`
	Numerator         *float64 `json:"numerator"`
	Denominator       *float64 `json:"denominator"`
	Shortfall         *float64 `json:"shortfall"`
	RequiredNumerator *float64 `json:"requiredNumerator"`
	NumeratorChange   *float64 `json:"numeratorChange"`
	ChildrenWithheld  bool     `json:"childrenWithheld"`
	Note              *string  `json:"note"`
	Paragraph         string   `json:"paragraph"`
	Children          []struct {
		Region        struct{ Code, Name string }
		Value         *float64 `json:"value"`
		Numerator     *float64 `json:"numerator"`
		Denominator   *float64 `json:"denominator"`
		Contribution  *float64 `json:"contribution"`
		Share         *float64 `json:"share"`
		Own           *float64 `json:"own"`
		Alone         *float64 `json:"alone"`
		AloneFeasible bool     `json:"aloneFeasible"`
	} `json:"children"`
}

const gapQuery = `query($c: String!, $r: String!, $a: String) { indicator(code: $c) { gap(regionCode: $r, asOf: $a) {
	period status target value numerator denominator shortfall requiredNumerator numeratorChange childrenWithheld note paragraph
	children { region { code name } value numerator denominator contribution share own alone aloneFeasible } } } }`

func queryGap(tb testing.TB, e *testenv.Env, token, code, region, asOf string) *gapJSON {
	tb.Helper()
	var out struct {
		Indicator struct {
			Gap *gapJSON `json:"gap"`
		} `json:"indicator"`
	}
	vars := map[string]any{"c": code, "r": region, "a": asOf}
	if asOf == "" {
		vars["a"] = nil
	}
	e.MustOK(tb, token, gapQuery, vars, &out)
	return out.Indicator.Gap
}

// countyFigures are a county's numerator and denominator, hand-copied from the demo's 2022
// figures (demo/demo.go, countyValues["2022"] and populations).
type countyFigures struct {
	code, name string
	n, d       float64
}

func approx(a *float64, b float64) bool {
	return a != nil && math.Abs(*a-b) < 1e-6*math.Max(1, math.Abs(b))
}

// TestGapDecomposition: the gaps of 2.10 and 2.11 in 2022 at XX市 on the demo, hand-computed
// from the counties' figures; an achieved indicator; and who may see what.
func TestGapDecomposition(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	analyst := e.Token(t, city, auth.RoleAnalyst)

	// check holds the answer to the figures: target T (in the unit), factor F, and each county's
	// numerator and denominator.
	check := func(t *testing.T, g *gapJSON, target, factor float64, counties []countyFigures, wantRequired, wantChange float64) {
		t.Helper()
		if g == nil || g.Status != "SHORTFALL" || g.Period == nil || *g.Period != "2022" {
			t.Fatalf("gap = %+v, want a 2022 SHORTFALL", g)
		}
		var n, d float64
		for _, c := range counties {
			n += c.n
			d += c.d
		}
		v := n / d * factor
		if !approx(g.Value, v) || !approx(g.Numerator, n) || !approx(g.Denominator, d) || !approx(g.Target, target) {
			t.Errorf("value %v = %v/%v, want %v = %v/%v", *g.Value, *g.Numerator, *g.Denominator, v, n, d)
		}
		if !approx(g.Shortfall, target-v) {
			t.Errorf("shortfall %v, want %v", *g.Shortfall, target-v)
		}
		if !approx(g.RequiredNumerator, wantRequired) || !approx(g.NumeratorChange, wantChange) {
			t.Errorf("required %v (change %v), want %v (%v)", *g.RequiredNumerator, *g.NumeratorChange, wantRequired, wantChange)
		}
		// Each county: (T/F·dᵢ − nᵢ)⁺ × F / D; ordered largest first.
		type exp struct {
			code         string
			contribution float64
			own          float64
			feasible     bool
		}
		var want []exp
		for _, c := range counties {
			delta := math.Max(target/factor*c.d-c.n, 0)
			own := 0.0
			if c.n/c.d*factor < target {
				own = math.Ceil(target/factor*c.d) - c.n
			}
			want = append(want, exp{c.code, delta * factor / d, own, factor != 100 || c.n+wantChange <= c.d})
		}
		sort.SliceStable(want, func(i, j int) bool { return want[i].contribution > want[j].contribution })
		if len(g.Children) != len(want) {
			t.Fatalf("%d children, want %d", len(g.Children), len(want))
		}
		var shares float64
		for i, ch := range g.Children {
			w := want[i]
			if ch.Region.Code != w.code {
				t.Errorf("child %d is %s, want %s (largest contribution first)", i, ch.Region.Code, w.code)
				continue
			}
			if !approx(ch.Contribution, w.contribution) || !approx(ch.Share, w.contribution/(target-v)) {
				t.Errorf("%s: contribution %v share %v, want %v %v", w.code, *ch.Contribution, *ch.Share, w.contribution, w.contribution/(target-v))
			}
			if w.contribution == 0 && *ch.Share != 0 {
				t.Errorf("%s is at or above the target with a share %v", w.code, *ch.Share)
			}
			if !approx(ch.Own, w.own) || !approx(ch.Alone, wantChange) || ch.AloneFeasible != w.feasible {
				t.Errorf("%s: own %v alone %v (%v), want %v %v (%v)", w.code, *ch.Own, *ch.Alone, ch.AloneFeasible, w.own, wantChange, w.feasible)
			}
			shares += *ch.Share
		}
		if shares < 1-1e-9 {
			t.Errorf("the shares sum to %v, under 100%%", shares)
		}
		if g.ChildrenWithheld || g.Note != nil {
			t.Errorf("withheld %v, note %v", g.ChildrenWithheld, g.Note)
		}
	}

	t.Run("Rate2.10", func(t *testing.T) {
		// 2022: 501 batches inspected, 22 failed, 479 passing: 95.6 %. 96.5 % of 501 is 483.465:
		// 484 passing, 5 more.
		counties := []countyFigures{{"419902", "东城区", 190 - 8, 190}, {"419903", "西城区", 130 - 5, 130},
			{"419921", "南山县", 63 - 4, 63}, {"419922", "北河县", 61 - 3, 61}, {"419923", "中原县", 57 - 2, 57}}
		for _, asOf := range []string{"2022", "2023Q1"} { // 2023Q1 judges the latest full year, 2022
			g := queryGap(t, e, analyst, "2.10", city, asOf)
			check(t, g, 96.5, 100, counties, 484, 5)
			t.Log(g.Paragraph)
			if len(g.Children) == 5 && (g.Children[0].Region.Name != "南山县" || g.Children[4].Region.Name != "中原县") {
				t.Errorf("order: %s first, %s last; want 南山县 (93.7 %%) and 中原县 (96.49 %%)", g.Children[0].Region.Name, g.Children[4].Region.Name)
			}
			for _, s := range []string{"2022年重点工业产品监督抽查合格率为95.6%", "距2025年目标96.5%尚差0.9个百分点", "不合格批次5批次(达标需484/501)", "其中南山县(93.7%,拉低0.4个百分点)最多"} {
				if !strings.Contains(g.Paragraph, s) {
					t.Errorf("paragraph %q lacks %q", g.Paragraph, s)
				}
			}
		}
	})

	t.Run("PerCapita2.11", func(t *testing.T) {
		// 2022: 2378 reports over 1,500,500 people, 1584.8 per million against 1600: 15.2 short;
		// 1600 × 1.5005 = 2400.8, so 2401 reports: 23 more. 东城区 and 西城区 are above 1600.
		counties := []countyFigures{{"419902", "东城区", 895, 412356}, {"419903", "西城区", 595, 318947},
			{"419921", "南山县", 319, 276518}, {"419922", "北河县", 305, 251903}, {"419923", "中原县", 264, 240776}}
		g := queryGap(t, e, analyst, "2.11", city, "2023Q1")
		check(t, g, 1600, 1e6, counties, 2401, 23)
		t.Log(g.Paragraph)
		if g != nil && (math.Round(*g.Value) != 1585 || math.Round(*g.Shortfall) != 15) {
			t.Errorf("2.11: %v per million, %v short; want 1585 and about 15", *g.Value, *g.Shortfall)
		}
		above := 0
		for _, ch := range g.Children {
			if *ch.Share == 0 {
				above++
				if ch.Region.Code != "419902" && ch.Region.Code != "419903" {
					t.Errorf("%s has no share", ch.Region.Code)
				}
			}
		}
		if above != 2 || g.Children[3].Region.Code != "419902" && g.Children[3].Region.Code != "419903" {
			t.Errorf("the two counties above the target should come last with share 0: %+v", g.Children)
		}
	})

	t.Run("Achieved", func(t *testing.T) {
		// 2.3: every food business inspected in 2022, 100 %.
		g := queryGap(t, e, analyst, "2.3", city, "2022")
		if g == nil || g.Status != "ACHIEVED" || g.Shortfall != nil || g.NumeratorChange != nil || len(g.Children) != 0 || g.Note == nil {
			t.Fatalf("2.3 = %+v, want ACHIEVED with no decomposition and a note", g)
		}
		if !strings.Contains(*g.Note, "无差距") || !strings.Contains(g.Paragraph, "已达到2025年目标100%") {
			t.Errorf("note %q, paragraph %q", *g.Note, g.Paragraph)
		}
		if g := queryGap(t, e, analyst, "1.2", city, "2023Q1"); g == nil || g.Status != "NO_TARGET" || g.Shortfall != nil {
			t.Errorf("1.2 (target XX) = %+v, want NO_TARGET", g)
		}
		if g := queryGap(t, e, analyst, "2.15", city, "2023Q1"); g == nil || g.Status != "NO_DATA" || g.Shortfall != nil {
			t.Errorf("2.15 (no survey) = %+v, want NO_DATA", g)
		}
	})

	t.Run("Denials", func(t *testing.T) {
		// A county reads its city's published total: the city's gap, never its neighbours'.
		clerk := e.Token(t, countyA, auth.RoleReporter)
		g := queryGap(t, e, clerk, "2.10", city, "2022")
		if g == nil || g.Status != "SHORTFALL" || !approx(g.NumeratorChange, 5) {
			t.Fatalf("a county reading its city's published 2.10: %+v", g)
		}
		if !g.ChildrenWithheld || len(g.Children) != 0 || g.Note == nil || !strings.Contains(*g.Note, "明细不予提供") {
			t.Errorf("the per-county breakdown shown to a county: withheld %v, %d children, note %v", g.ChildrenWithheld, len(g.Children), g.Note)
		}
		for _, name := range []string{"东城区", "西城区", "南山县", "北河县", "中原县"} {
			if strings.Contains(g.Paragraph, name) {
				t.Errorf("the paragraph names %s to a county: %s", name, g.Paragraph)
			}
		}
		// Its own figures, and no neighbour's.
		if own := queryGap(t, e, clerk, "2.10", countyA, "2022"); own == nil || own.Status != "SHORTFALL" || own.ChildrenWithheld || !approx(own.NumeratorChange, 2) {
			t.Errorf("the county's own 2.10 (182/190, 184 needed): %+v", own)
		}
		if g := queryGap(t, e, clerk, "2.10", "419903", "2022"); g != nil {
			t.Errorf("a county reads its neighbour's gap: %+v", g)
		}
		// Another city sees nothing of XX市, and its county nothing of XX市 either.
		for _, tok := range []string{e.Token(t, "419700", auth.RoleAdmin), e.Token(t, "419701", auth.RoleReporter)} {
			if g := queryGap(t, e, tok, "2.10", city, "2022"); g != nil {
				t.Errorf("another city reads XX市's gap: %+v", g)
			}
			if g := queryGap(t, e, tok, "2.10", countyA, "2022"); g != nil {
				t.Errorf("another city reads 东城区's gap: %+v", g)
			}
		}
		// A year the city has not published (2024 has no figures and no publication; 2021 and
		// 2022 are published): the county still reads the latest published full year.
		if g := queryGap(t, e, clerk, "2.10", city, "2021"); g == nil || g.Period == nil || *g.Period != "2021" || g.Status != "SHORTFALL" {
			t.Errorf("a county reading its city's 2021: %+v", g)
		}
		// A cumulative indicator is judged on its running total through asOf, which is a range
		// and never published: not on the first year's total, the one single period of it that is.
		if g := queryGap(t, e, clerk, "1.4", city, "2023Q1"); g == nil || g.Value != nil || g.Period == nil || *g.Period != "2021..2023Q1" {
			t.Errorf("a county reading its city's cumulative 1.4 as of 2023Q1: %+v", g)
		}
		if g := queryGap(t, e, clerk, "1.4", city, "2021"); g == nil || g.Value == nil || g.Period == nil || *g.Period != "2021" {
			t.Errorf("a county reading its city's cumulative 1.4 as of 2021 (published): %+v", g)
		}
		// YY市 has two counties: its published total is withheld from each (the other's figures
		// by subtraction), and so is its gap.
		if g := queryGap(t, e, e.Token(t, "419701", auth.RoleReporter), "2.10", "419700", "2022"); g == nil || g.Status != "WITHHELD" ||
			g.Value != nil || g.Numerator != nil || g.Shortfall != nil || g.NumeratorChange != nil || len(g.Children) != 0 {
			t.Errorf("a two-county city's gap to its county: %+v", g)
		}
		// The province has not published: a county or the city reading it learns nothing.
		for _, tok := range []string{clerk, analyst} {
			if g := queryGap(t, e, tok, "2.10", "410000", "2022"); g == nil || g.Status != "NOT_PUBLISHED" || g.Value != nil || len(g.Children) != 0 {
				t.Errorf("the unpublished province's gap: %+v", g)
			}
		}
	})

	t.Run("OneRollup", func(t *testing.T) {
		// The region and its five counties over every year up to asOf: one roll-up statement
		// (BEGIN, the scope, the planner settings, the roll-up, COMMIT).
		n := e.Statements(func() { queryGap(t, e, analyst, "2.11", city, "2023Q1") })
		if n > 5 {
			t.Errorf("%d statements for one gap, want 5", n)
		}
	})

	t.Run("ReportAPI", func(t *testing.T) {
		st := store.New(e.DB, e.Cache)
		list, err := st.Gaps(context.Background(), &auth.Principal{Subject: "t", Role: auth.RoleAnalyst, Region: city}, city, "2023Q1")
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, g := range list {
			codes = append(codes, g.IndicatorCode)
			if g.Status != gap.Shortfall || gap.Paragraph(g) == "" {
				t.Errorf("%s: %s", g.IndicatorCode, g.Status)
			}
		}
		t.Log(codes)
		// Every indicator short of its target in 2022, in catalogue order: 2.10 and 2.11 among them,
		// none of the achieved (2.3).
		if !slices.Contains(codes, "2.10") || !slices.Contains(codes, "2.11") || slices.Contains(codes, "2.3") ||
			slices.Index(codes, "2.10") > slices.Index(codes, "2.11") {
			t.Errorf("Gaps = %v", codes)
		}
		if _, err := st.Gaps(context.Background(), &auth.Principal{Subject: "t", Role: auth.RoleAdmin, Region: "419700"}, city, "2023Q1"); err == nil {
			t.Error("Gaps for another city's region answered")
		}
	})
}
