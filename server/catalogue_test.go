package server_test

import (
	"context"
	"testing"

	"planapi/auth"
	"planapi/catalogue"
	"planapi/setup"
	"planapi/testenv"
)

type target struct {
	Value      *float64 `json:"value"`
	Comparator string   `json:"comparator"`
	Year       int      `json:"year"`
}

type indicatorJSON struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	Target    target `json:"target"`
	Direction string `json:"direction"`
	Source    string `json:"source"`
	Category  struct {
		Code string `json:"code"`
	} `json:"category"`
	DataElements []struct {
		Code string `json:"code"`
	} `json:"dataElements"`
}

const planQuery = `{
  plan {
    code name startYear endYear
    categories { code name indicators { code } }
    indicators { code name unit target { value comparator year } direction source category { code } dataElements { code } }
    dataElements { code valueType collectedAt periodTypes regionAggregation timeAggregation }
    tasks { code title level children { code level children { code level text } } }
  }
}`

type taskJSON struct {
	Code     string     `json:"code"`
	Title    string     `json:"title"`
	Level    int        `json:"level"`
	Text     string     `json:"text"`
	Children []taskJSON `json:"children"`
}

type planJSON struct {
	Plan struct {
		Code       string `json:"code"`
		Name       string `json:"name"`
		StartYear  int    `json:"startYear"`
		EndYear    int    `json:"endYear"`
		Categories []struct {
			Code       string                  `json:"code"`
			Name       string                  `json:"name"`
			Indicators []struct{ Code string } `json:"indicators"`
		} `json:"categories"`
		Indicators   []indicatorJSON `json:"indicators"`
		DataElements []struct {
			Code        string   `json:"code"`
			ValueType   string   `json:"valueType"`
			CollectedAt string   `json:"collectedAt"`
			PeriodTypes []string `json:"periodTypes"`
		} `json:"dataElements"`
		Tasks []taskJSON `json:"tasks"`
	} `json:"plan"`
}

func f(v float64) *float64 { return &v }

// TestCatalogueAgainstReport reads the plan through the real handler with a real token and
// checks it against what the report states.
func TestCatalogueAgainstReport(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	var got planJSON
	e.MustOK(t, e.Token(t, "419902", auth.RoleReporter), planQuery, nil, &got)
	p := got.Plan

	if p.StartYear != 2021 || p.EndYear != 2025 {
		t.Errorf("plan years = %d–%d, want 2021–2025", p.StartYear, p.EndYear)
	}
	wantCats := []struct {
		code, name string
		n          int
	}{{"1", "市场活力指标", 4}, {"2", "市场秩序指标", 18}, {"3", "社会共治指标", 4}}
	if len(p.Categories) != len(wantCats) {
		t.Fatalf("categories = %d, want 3", len(p.Categories))
	}
	for i, w := range wantCats {
		c := p.Categories[i]
		if c.Code != w.code || c.Name != w.name || len(c.Indicators) != w.n {
			t.Errorf("category %d = %s %s with %d indicators, want %s %s with %d", i, c.Code, c.Name, len(c.Indicators), w.code, w.name, w.n)
		}
	}
	if len(p.Indicators) != 26 {
		t.Fatalf("indicators = %d, want 26", len(p.Indicators))
	}

	// Every target as the report states it; nil where the report redacts it (XX).
	want := map[string]struct {
		value *float64
		cmp   string
		unit  string
		dir   string
	}{
		"1.1":  {f(3.0), "GTE", "件/万人", "HIGHER_IS_BETTER"},
		"1.2":  {nil, "GTE", "件", "HIGHER_IS_BETTER"},
		"1.3":  {nil, "GTE", "件", "HIGHER_IS_BETTER"},
		"1.4":  {nil, "GTE", "个", "HIGHER_IS_BETTER"},
		"2.1":  {f(5), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.2":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.3":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.4":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.5":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.6":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.7":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.8":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.9":  {f(90), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.10": {f(96.5), "GTE", "%", "HIGHER_IS_BETTER"},
		"2.11": {f(1600), "GTE", "份/百万人口", "HIGHER_IS_BETTER"},
		"2.12": {f(750), "GTE", "份/百万人口", "HIGHER_IS_BETTER"},
		"2.13": {f(280), "GTE", "份/百万人口", "HIGHER_IS_BETTER"},
		"2.14": {f(4), "GT", "批次/千人", "HIGHER_IS_BETTER"},
		"2.15": {f(90), "GTE", "分", "HIGHER_IS_BETTER"},
		"2.16": {f(85), "GTE", "分", "HIGHER_IS_BETTER"},
		"2.17": {f(0.1), "LTE", "人/万台", "LOWER_IS_BETTER"},
		"2.18": {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"3.1":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
		"3.2":  {f(3), "GTE", "次", "HIGHER_IS_BETTER"},
		"3.3":  {f(98), "GTE", "%", "HIGHER_IS_BETTER"},
		"3.4":  {f(100), "GTE", "%", "HIGHER_IS_BETTER"},
	}
	seen := map[string]bool{}
	for _, ind := range p.Indicators {
		seen[ind.Code] = true
		w, ok := want[ind.Code]
		if !ok {
			t.Errorf("unexpected indicator %s %s", ind.Code, ind.Name)
			continue
		}
		t.Run(ind.Code, func(t *testing.T) {
			switch {
			case w.value == nil && ind.Target.Value != nil:
				t.Errorf("target = %v, want null (redacted in the report)", *ind.Target.Value)
			case w.value != nil && (ind.Target.Value == nil || *ind.Target.Value != *w.value):
				t.Errorf("target = %v, want %v", ind.Target.Value, *w.value)
			}
			if ind.Target.Comparator != w.cmp || ind.Target.Year != 2025 {
				t.Errorf("target = %s by %d, want %s by 2025", ind.Target.Comparator, ind.Target.Year, w.cmp)
			}
			if ind.Unit != w.unit {
				t.Errorf("unit = %q, want %q", ind.Unit, w.unit)
			}
			if ind.Direction != w.dir {
				t.Errorf("direction = %s, want %s", ind.Direction, w.dir)
			}
			if ind.Source == "" || ind.Name == "" {
				t.Errorf("name %q / source %q must not be empty", ind.Name, ind.Source)
			}
			if len(ind.DataElements) == 0 {
				t.Errorf("no data elements")
			}
			if ind.Category.Code+"." != ind.Code[:len(ind.Category.Code)+1] {
				t.Errorf("category %s does not prefix code %s", ind.Category.Code, ind.Code)
			}
		})
	}
	for code := range want {
		if !seen[code] {
			t.Errorf("indicator %s missing", code)
		}
	}

	// The key-task tree: 6 tasks; sub-task counts as in the report (the text stops inside
	// task 6.1, its only surviving sub-task); every sub-task has measures with the text.
	wantSubs := []int{4, 6, 3, 4, 6, 1}
	if len(p.Tasks) != 6 {
		t.Fatalf("tasks = %d, want 6", len(p.Tasks))
	}
	for i, task := range p.Tasks {
		if task.Level != 1 || len(task.Children) != wantSubs[i] {
			t.Errorf("task %s: level %d with %d sub-tasks, want level 1 with %d", task.Code, task.Level, len(task.Children), wantSubs[i])
		}
		for _, sub := range task.Children {
			if sub.Level != 2 || len(sub.Children) == 0 {
				t.Errorf("sub-task %s: level %d with %d measures, want level 2 with at least one", sub.Code, sub.Level, len(sub.Children))
			}
			for _, m := range sub.Children {
				if m.Level != 3 || m.Text == "" {
					t.Errorf("measure %s: level %d, text %q", m.Code, m.Level, m.Text)
				}
			}
		}
	}
}

func TestIndicatorAndTaskLookups(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, "419900", auth.RoleAnalyst)
	var got struct {
		Indicator struct {
			Code    string `json:"code"`
			Target  target `json:"target"`
			Formula struct {
				Numerator []struct {
					Element     struct{ Code string } `json:"element"`
					Coefficient float64               `json:"coefficient"`
				} `json:"numerator"`
				Denominator []struct {
					Element struct{ Code string } `json:"element"`
				} `json:"denominator"`
				Factor float64 `json:"factor"`
			} `json:"formula"`
		} `json:"indicator"`
		Missing *struct{ Code string } `json:"missing"`
		Task    struct {
			Code   string `json:"code"`
			Parent struct {
				Code string `json:"code"`
			} `json:"parent"`
		} `json:"task"`
	}
	e.MustOK(t, tok, `{
		indicator(code: "2.10") { code target { value comparator year } formula { numerator { element { code } coefficient } denominator { element { code } } factor } }
		missing: indicator(code: "9.9") { code }
		task(code: "2.3.1") { code parent { code } }
	}`, nil, &got)
	if got.Missing != nil {
		t.Errorf("indicator 9.9 = %+v, want null", got.Missing)
	}
	fm := got.Indicator.Formula
	// The pass rate is (inspected − failed) / inspected × 100: a ratio of sums.
	if fm.Factor != 100 || len(fm.Numerator) != 2 || len(fm.Denominator) != 1 {
		t.Fatalf("2.10 formula = %+v", fm)
	}
	if fm.Numerator[1].Coefficient != -1 || fm.Numerator[0].Element.Code != fm.Denominator[0].Element.Code {
		t.Errorf("2.10 numerator = %+v, want inspected − failed over inspected", fm.Numerator)
	}
	if got.Task.Code != "2.3.1" || got.Task.Parent.Code != "2.3" {
		t.Errorf("task = %+v", got.Task)
	}
}

// TestCatalogueSyncIsIdempotent loads the catalogue and the demo a second time and checks that no row
// was written (xmin, the writing transaction of each row, is unchanged), then edits the plan
// and checks rows are updated in place (same ids) and a removed indicator is retired.
func TestCatalogueSyncIsIdempotent(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	ctx := context.Background()
	snapshot := func() map[string]string {
		rows := map[string]string{}
		for _, table := range []string{"plans", "indicator_categories", "data_elements", "indicators", "tasks", "regions",
			"submissions", "data_values", "task_reports", "audit_log", "reporting_periods"} {
			var list []struct{ K, X string }
			if err := e.Owner.Raw(`SELECT ` + table + `::text AS k, xmin::text AS x FROM ` + table).Scan(&list).Error; err != nil {
				t.Fatalf("snapshot %s: %v", table, err)
			}
			for _, r := range list {
				rows[table+" "+r.K] = r.X
			}
		}
		return rows
	}
	before := snapshot()
	plan, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	res, err := setup.SyncCatalogue(ctx, e.Owner, plan)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() {
		t.Errorf("second load changed %+v, want nothing", res)
	}
	// The demo figures load idempotently too.
	n, err := setup.LoadDemo(ctx, e.Owner, plan)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("second demo load created %d submissions, want 0", n)
	}
	after := snapshot()
	if len(after) != len(before) {
		t.Fatalf("row count %d -> %d", len(before), len(after))
	}
	for k, x := range before {
		if after[k] != x {
			t.Errorf("row rewritten by the second load: %s", k)
		}
	}

	// Edit: rename 2.10, drop 3.4.
	var id210 int64
	e.Owner.Raw(`SELECT id FROM indicators WHERE code = '2.10'`).Scan(&id210)
	cat := &plan.Categories[1]
	for i := range cat.Indicators {
		if cat.Indicators[i].Code == "2.10" {
			cat.Indicators[i].Name = "重点工业产品监督抽查合格率(改)"
		}
	}
	plan.Categories[2].Indicators = plan.Categories[2].Indicators[:3]
	res, err = setup.SyncCatalogue(ctx, e.Owner, plan)
	if err != nil {
		t.Fatal(err)
	}
	// 2.10 renamed, and 3.4's two elements, which no indicator uses any more, are no longer
	// required.
	if res.Updated != 3 || res.Retired != 1 {
		t.Errorf("edit sync = %+v, want 3 updated (2.10, TIPS_RECEIVED, TIPS_VERIFIED_ON_TIME) and 1 retired", res)
	}
	var tipsRequired bool
	e.Owner.Raw(`SELECT required FROM data_elements WHERE code = 'TIPS_RECEIVED'`).Scan(&tipsRequired)
	if tipsRequired {
		t.Errorf("TIPS_RECEIVED still required after 3.4, its only indicator, left the file")
	}
	var row struct {
		ID   int64
		Name string
	}
	e.Owner.Raw(`SELECT id, name FROM indicators WHERE code = '2.10'`).Scan(&row)
	if row.ID != id210 || row.Name != "重点工业产品监督抽查合格率(改)" {
		t.Errorf("2.10 after edit = %+v, want id %d renamed in place", row, id210)
	}
	var retired bool
	e.Owner.Raw(`SELECT retired FROM indicators WHERE code = '3.4'`).Scan(&retired)
	if !retired {
		t.Errorf("3.4 not retired after leaving the file")
	}
}
