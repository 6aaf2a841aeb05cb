package server_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

type evaluationReportJSON struct {
	RegionCode string `json:"regionCode"`
	Title      string `json:"title"`
	AsOf       string `json:"asOf"`
	AsOfText   string `json:"asOfText"`
	Sections   []struct {
		Key        string   `json:"key"`
		ParentKey  *string  `json:"parentKey"`
		Level      int      `json:"level"`
		Number     string   `json:"number"`
		Heading    string   `json:"heading"`
		Paragraphs []string `json:"paragraphs"`
	} `json:"sections"`
	Indicators []struct {
		Code      string `json:"code"`
		Status    string `json:"status"`
		Verdict   string `json:"verdict"`
		Paragraph string `json:"paragraph"`
	} `json:"indicators"`
	Annex struct {
		Title   string     `json:"title"`
		Columns []string   `json:"columns"`
		Rows    [][]string `json:"rows"`
	} `json:"annex"`
	Problems  *reportSectionJSON `json:"problems"`
	NextSteps *reportSectionJSON `json:"nextSteps"`
}

type reportSectionJSON struct {
	Section       string `json:"section"`
	Text          string `json:"text"`
	Version       int    `json:"version"`
	UpdatedBy     string `json:"updatedBy"`
	UpdatedByName string `json:"updatedByName"`
	History       []struct {
		Version   int    `json:"version"`
		Text      string `json:"text"`
		At        string `json:"at"`
		Actor     string `json:"actor"`
		ActorName string `json:"actorName"`
		Role      string `json:"role"`
	} `json:"history"`
}

const evaluationReportQuery = `query($r: String!, $a: String!) { evaluationReport(regionCode: $r, asOf: $a) {
	regionCode title asOf asOfText
	sections { key parentKey level number heading paragraphs }
	indicators { code status verdict paragraph }
	annex { title columns rows }
	problems { section text version updatedBy updatedByName history { version text at actor actorName role } }
	nextSteps { section text version updatedBy updatedByName history { version text at actor actorName role } }
} }`

func mustReport(tb testing.TB, e *testenv.Env, token, region, asOf string) *evaluationReportJSON {
	tb.Helper()
	var out struct {
		EvaluationReport *evaluationReportJSON `json:"evaluationReport"`
	}
	e.MustOK(tb, token, evaluationReportQuery, map[string]any{"r": region, "a": asOf}, &out)
	return out.EvaluationReport
}

func (r *evaluationReportJSON) indicator(code string) (status, paragraph string) {
	for _, x := range r.Indicators {
		if x.Code == code {
			return x.Status, x.Paragraph
		}
	}
	return "", ""
}

func (r *evaluationReportJSON) section(key string) (paragraphs []string, ok bool) {
	for _, s := range r.Sections {
		if s.Key == key {
			return s.Paragraphs, true
		}
	}
	return nil, false
}

// TestEvaluationReportAsOf2023Q1: the report of the demo city as of 2023 Q1 prints the figures
// the seed report prints, with the verdicts of the assessment as of that quarter; figures
// entered and approved afterwards do not change it; and it is refused to those who may not read
// it.
func TestEvaluationReportAsOf2023Q1(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	analyst := e.Token(t, city, auth.RoleAnalyst)
	rep := mustReport(t, e, analyst, city, "2023Q1")

	if rep.Title != "XX市市场监管现代化“十四五”规划中期评估报告" || rep.AsOfText != "截至2023年第一季度" || rep.AsOf != "2023Q1" {
		t.Errorf("title %q, asOf %q %q", rep.Title, rep.AsOf, rep.AsOfText)
	}
	// The seed report's figures, in the paragraph of the indicator that prints them.
	figures := []struct{ code, name string }{
		{"2.10", "2021年为95.3%(重点工业产品监督抽查批次538批次,重点工业产品监督抽查不合格批次25批次)"},
		{"2.10", "2022年为95.6%(重点工业产品监督抽查批次501批次,重点工业产品监督抽查不合格批次22批次)"},
		{"2.11", "2021年为1483份/百万人口"},
		{"2.11", "2022年为1585份/百万人口"},
		{"2.11", "2023年第一季度为466份/百万人口"},
		{"2.12", "2021年为656份/百万人口"},
		{"2.12", "2022年为718份/百万人口"},
		{"2.12", "2023年第一季度为168份/百万人口"},
		{"2.13", "2021年为203份/百万人口"},
		{"2.13", "2022年为235份/百万人口"},
		{"2.13", "2023年第一季度为61份/百万人口"},
		{"2.16", "2021年为84.39分"},
		{"2.18", "在用乘客电梯台数8412台"},
		{"3.3", "2021年以来,累计法定时限内办结的投诉件数18165件,接收消费者投诉件数18165件,消费投诉按期办结率为100%"},
		{"3.4", "接收举报件数7092件"},
		{"1.4", "截至2023年第一季度累计为21个"},
		{"2.5", "2023年第一季度为46%"},
		{"2.6", "2023年第一季度为25%"},
		// A redacted target is said to be unknown.
		{"1.2", "目标值未公开"},
	}
	for _, f := range figures {
		if _, p := rep.indicator(f.code); !strings.Contains(p, f.name) {
			t.Errorf("%s: want %q in %q", f.code, f.name, p)
		}
	}
	// The verdicts are the assessment's as of 2023Q1, in the report's words.
	var plan struct {
		Plan struct {
			Indicators []struct {
				Code       string `json:"code"`
				Assessment struct {
					Status string `json:"status"`
				} `json:"assessment"`
			} `json:"indicators"`
		} `json:"plan"`
	}
	e.MustOK(t, analyst, `query($r: String!) { plan { indicators { code assessment(regionCode: $r, asOf: "2023Q1") { status } } } }`,
		map[string]any{"r": city}, &plan)
	if len(plan.Plan.Indicators) != len(rep.Indicators) || len(rep.Indicators) != 26 {
		t.Fatalf("report has %d indicators, the plan %d", len(rep.Indicators), len(plan.Plan.Indicators))
	}
	achieved := 0
	for _, ind := range plan.Plan.Indicators {
		status, p := rep.indicator(ind.Code)
		if status != ind.Assessment.Status {
			t.Errorf("%s: report says %s, the assessment %s", ind.Code, status, ind.Assessment.Status)
		}
		if got := strings.Contains(p, "已完成既定目标"); got != (status == "ACHIEVED") {
			t.Errorf("%s (%s): 已完成既定目标 in the paragraph is %v: %q", ind.Code, status, got, p)
		}
		if status == "ACHIEVED" {
			achieved++
		}
	}
	if achieved == 0 {
		t.Error("no indicator achieved")
	}
	if _, p := rep.indicator("2.15"); !strings.Contains(p, "暂无数据,无法评估") {
		t.Errorf("2.15 (no survey): %q", p)
	}
	// The key tasks: outputs since the plan's start (the seed's 2.3.3: 28 cases, 233.77万元).
	if ps, _ := rep.section("task:2.3"); !strings.Contains(strings.Join(ps, ""), "累计查办案件28起,罚没款233.77万元") {
		t.Errorf("task 2.3: %q", ps)
	}
	for _, key := range []string{"progress", "indicators", "category:1", "indicator:2.10", "tasks", "task:1", "problems", "nextSteps", "gaps"} {
		if _, ok := rep.section(key); !ok {
			t.Errorf("no section %q", key)
		}
	}
	// 四、 the gaps: one sub-section per indicator short of its target, in the words of
	// gap.Paragraph, with the numbers Indicator.gap answers (2.10 in 2022: 5 fewer failures,
	// 484 / 501).
	var gq struct {
		Plan struct {
			Indicators []struct {
				Code string
				Gap  *struct{ Status string }
			}
		}
	}
	e.MustOK(t, analyst, `{ plan { indicators { code gap(regionCode: "419900", asOf: "2023Q1") { status } } } }`, nil, &gq)
	short := 0
	for _, ind := range gq.Plan.Indicators {
		ps, ok := rep.section("gap:" + ind.Code)
		if ind.Gap != nil && ind.Gap.Status == "SHORTFALL" {
			short++
			if !ok || len(ps) != 1 {
				t.Errorf("gap %s: SHORTFALL but the report's gap section has %q", ind.Code, ps)
			}
		} else if ok {
			t.Errorf("gap %s: %+v, but the report lists it", ind.Code, ind.Gap)
		}
	}
	if short == 0 {
		t.Error("no indicator short of its target as of 2023Q1: the demo has several")
	}
	if ps, _ := rep.section("gap:2.10"); len(ps) != 1 || !strings.Contains(ps[0], "5批次") || !strings.Contains(ps[0], "484/501") {
		t.Errorf("gap 2.10: %q", ps)
	}
	if ps, _ := rep.section("problems"); len(ps) != 1 || ps[0] != "尚未填写。" {
		t.Errorf("problems before any text: %q", ps)
	}
	if len(rep.Annex.Rows) != 26 || strings.Join(rep.Annex.Columns, ",") != "编号,指标,单位,2025年目标,2021年,2022年,2023年第一季度,评估" {
		t.Errorf("annex: %d rows, columns %q", len(rep.Annex.Rows), rep.Annex.Columns)
	}
	for _, row := range rep.Annex.Rows {
		if row[0] == "2.10" && strings.Join(row, ",") != "2.10,重点工业产品监督抽查合格率,%,达到96.5%,95.3,95.6,96.4,需加快推进" {
			t.Errorf("annex 2.10: %q", row)
		}
	}

	// Later figures, entered by a county clerk and approved by the city through the API, and a
	// 2023 year approved directly: the report as of 2023Q1 does not change.
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	var saved struct{ SaveDataValues subJSON }
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0,
		vals{"element": "IP_BATCHES_INSPECTED", "value": 900}, vals{"element": "IP_BATCHES_FAILED", "value": 2},
		vals{"element": "DRUG_ADR_REPORTS", "value": 9000}, vals{"element": "COMPLAINTS_RECEIVED", "value": 5000},
		vals{"element": "COMPLAINTS_CLOSED_ON_TIME", "value": 10}), &saved)
	MustDeclareRestMissing(t, e, countyA, "2024")
	var flow struct{ SubmitSubmission, ApproveSubmission subJSON }
	e.MustOK(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 1) { status version } }`, nil, &flow)
	e.MustOK(t, e.Token(t, city, auth.RoleReviewer),
		`mutation { approveSubmission(regionCode: "419902", period: "2024", expectedVersion: 2) { status version } }`, nil, &flow)
	if flow.ApproveSubmission.Status != "APPROVED" {
		t.Fatalf("2024 not approved: %+v", flow)
	}
	MustInsertSubmission(t, e, countyA, "2023", "APPROVED", map[string]float64{"IP_BATCHES_INSPECTED": 1000, "IP_BATCHES_FAILED": 1,
		"COMPLAINTS_RECEIVED": 5000, "COMPLAINTS_CLOSED_ON_TIME": 10})
	MustInsertSubmission(t, e, city, "2024", "APPROVED", map[string]float64{"FOOD_SAFETY_SATISFACTION": 95, "CITY_EMERGENCY_DRILLS": 9})
	after := mustReport(t, e, analyst, city, "2023Q1")
	if !reflect.DeepEqual(rep, after) {
		a, _ := json.Marshal(rep)
		b, _ := json.Marshal(after)
		t.Errorf("the report as of 2023Q1 changed after 2024 figures were approved:\nbefore %s\nafter  %s", a, b)
	}
	// …while a report as of 2024 reads them.
	// Only one county's 2024 figures are in: the figure says how many units it covers.
	later := mustReport(t, e, analyst, city, "2024")
	if _, p := later.indicator("2.10"); later.AsOfText != "截至2024年底" || !strings.Contains(p, "2024年为") ||
		!strings.Contains(p, "已计入1个") {
		t.Errorf("the report as of 2024 (%s) does not read the 2024 figures: %q", later.AsOfText, p)
	}

	// Who may read it: the city's admin, reviewer, analyst and the province above; not a
	// reporter, a county, another city or an anonymous caller.
	MustAddOtherCity(t, e, 1)
	cases := []struct {
		name, token, want string
	}{
		{"CityAdmin", e.Token(t, city, auth.RoleAdmin), ""},
		{"CityReviewer", e.Token(t, city, auth.RoleReviewer), ""},
		{"ProvinceAnalyst", e.Token(t, "410000", auth.RoleAnalyst), ""},
		{"DenyCityReporter", e.Token(t, city, auth.RoleReporter), "FORBIDDEN"},
		{"DenyCountyReporter", e.Token(t, countyA, auth.RoleReporter), "FORBIDDEN"},
		{"DenyCountyAdmin", e.Token(t, countyA, auth.RoleAdmin), "FORBIDDEN"},
		{"DenyOtherCity", e.Token(t, "419700", auth.RoleAdmin), "NOT_FOUND"},
		{"DenyOtherCityAnalyst", e.Token(t, "419800", auth.RoleAnalyst), "NOT_FOUND"},
		{"DenyAnonymous", "", "UNAUTHENTICATED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do(t, c.token, `query($r: String!) { evaluationReport(regionCode: $r, asOf: "2023Q1") { title } }`, map[string]any{"r": city})
			if got := r.Code(); got != c.want {
				t.Errorf("got %q, want %q (%+v)", got, c.want, r.Errors)
			}
		})
	}
}

const saveSectionMutation = `mutation($r: String!, $a: String!, $s: ReportSectionKey!, $t: String!, $v: Int!) {
	saveReportSection(regionCode: $r, asOf: $a, section: $s, text: $t, expectedVersion: $v) {
		section text version updatedBy updatedByName history { version text at actor actorName role } } }`

// TestReportSections: the problems and next steps the city writes appear in the report under
// 二 and 三, versioned (a stale version is refused and changes nothing) and audited; a county
// and another city may not write them.
func TestReportSections(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustAddOtherCity(t, e, 1)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	admin := e.Token(t, city, auth.RoleAdmin)
	save := func(token, section, text string, version int) *testenv.Response {
		return e.Do(t, token, saveSectionMutation, map[string]any{"r": city, "a": "2023Q1", "s": section, "t": text, "v": version})
	}
	decode := func(r *testenv.Response) *reportSectionJSON {
		t.Helper()
		if len(r.Errors) > 0 {
			t.Fatalf("save: %+v", r.Errors)
		}
		var out struct {
			SaveReportSection *reportSectionJSON `json:"saveReportSection"`
		}
		r.Decode(t, &out)
		return out.SaveReportSection
	}
	problems := "部分县区数据报送不及时。\n重点工业产品抽查合格率距目标仍有差距。"
	s1 := decode(save(reviewer, "PROBLEMS", problems, 0))
	if s1.Version != 1 || s1.Text != problems || len(s1.History) != 1 || s1.History[0].Actor == "" || s1.History[0].Role != "reviewer" {
		t.Fatalf("first save: %+v", s1)
	}
	s2 := decode(save(admin, "PROBLEMS", problems+"\n市级统筹不足。", 1))
	if s2.Version != 2 || len(s2.History) != 2 || s2.History[0].Version != 2 || s2.History[0].Role != "admin" ||
		s2.History[1].Text != problems || s2.History[0].At == "" {
		t.Fatalf("second save: %+v", s2)
	}
	decode(save(admin, "NEXT_STEPS", "加快推进重点工业产品质量提升。", 0))

	// A stale version: CONFLICT, and nothing changes.
	r := save(reviewer, "PROBLEMS", "覆盖", 1)
	if r.Code() != "CONFLICT" {
		t.Fatalf("stale version: got %q, want CONFLICT", r.Code())
	}
	rep := mustReport(t, e, e.Token(t, city, auth.RoleAnalyst), city, "2023Q1")
	if ps, _ := rep.section("problems"); strings.Join(ps, "|") != "部分县区数据报送不及时。|重点工业产品抽查合格率距目标仍有差距。|市级统筹不足。" {
		t.Errorf("二、存在的问题: %q", ps)
	}
	if ps, _ := rep.section("nextSteps"); strings.Join(ps, "|") != "加快推进重点工业产品质量提升。" {
		t.Errorf("三、下一步工作: %q", ps)
	}
	if rep.Problems == nil || rep.Problems.Version != 2 || len(rep.Problems.History) != 2 || rep.NextSteps == nil || rep.NextSteps.Version != 1 {
		t.Errorf("saved sections in the report: %+v %+v", rep.Problems, rep.NextSteps)
	}
	// Another as-of period has its own texts.
	if other := mustReport(t, e, admin, city, "2022"); other.Problems != nil {
		t.Errorf("the 2022 report has the 2023Q1 problems: %+v", other.Problems)
	}

	// Before the plan's first year there is no report to make nor a section to write: a
	// caller's mistake (BAD_USER_INPUT), not an internal error.
	for _, asOf := range []string{"2020", "2020Q4", "1900"} {
		if r := e.Do(t, admin, `query($r: String!, $a: String!) { evaluationReport(regionCode: $r, asOf: $a) { title } }`,
			map[string]any{"r": city, "a": asOf}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("evaluationReport as of %s: got %q %v, want BAD_USER_INPUT", asOf, r.Code(), r.Errors)
		}
		if r := e.Do(t, admin, saveSectionMutation, map[string]any{"r": city, "a": asOf, "s": "PROBLEMS", "t": "x", "v": 0}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("saveReportSection as of %s: got %q, want BAD_USER_INPUT", asOf, r.Code())
		}
	}

	// Too long: refused with a message saying so.
	if r := save(admin, "PROBLEMS", strings.Repeat("长", 20001), 2); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("too long: got %q", r.Code())
	}
	// Who may not write: the analyst, a county, another city, anonymous; nothing changes.
	cases := []struct{ name, token, want string }{
		{"DenyCityAnalyst", e.Token(t, city, auth.RoleAnalyst), "FORBIDDEN"},
		{"DenyCityReporter", e.Token(t, city, auth.RoleReporter), "FORBIDDEN"},
		{"DenyCountyAdmin", e.Token(t, countyA, auth.RoleAdmin), "FORBIDDEN"},
		{"DenyCountyReviewer", e.Token(t, countyA, auth.RoleReviewer), "FORBIDDEN"},
		{"DenyProvinceAdmin", e.Token(t, "410000", auth.RoleAdmin), "FORBIDDEN"},
		{"DenyOtherCityAdmin", e.Token(t, "419700", auth.RoleAdmin), "NOT_FOUND"},
		{"DenyAnonymous", "", "UNAUTHENTICATED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := save(c.token, "PROBLEMS", "篡改", 2); r.Code() != c.want {
				t.Errorf("got %q, want %q", r.Code(), c.want)
			}
		})
	}
	again := mustReport(t, e, admin, city, "2023Q1")
	if again.Problems == nil || again.Problems.Version != 2 || len(again.Problems.History) != 2 {
		t.Errorf("refused saves changed the section: %+v", again.Problems)
	}
}
