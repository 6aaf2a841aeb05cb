package server_test

// Issue 9, points 2–4: required figures and declared-missing figures, hard bounds and
// plausibility flags, and the reporting status board — end to end through the real handler.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"planapi/auth"
	"planapi/store"
	"planapi/testenv"
)

type elementJSON struct {
	Code           string   `json:"code"`
	CollectedAt    string   `json:"collectedAt"`
	PeriodTypes    []string `json:"periodTypes"`
	Required       bool     `json:"required"`
	OptionalReason *string  `json:"optionalReason"`
	MaxValue       *float64 `json:"maxValue"`
	ChangeFactor   float64  `json:"changeFactor"`
	PartOf         *struct {
		Code string `json:"code"`
	} `json:"partOf"`
}

func mustElements(tb testing.TB, e *testenv.Env) []elementJSON {
	tb.Helper()
	var out struct {
		Plan struct{ DataElements []elementJSON }
	}
	e.MustOK(tb, e.Token(tb, city, auth.RoleAnalyst), `{ plan { dataElements { code collectedAt periodTypes required optionalReason maxValue changeFactor partOf { code } } } }`, nil, &out)
	return out.Plan.DataElements
}

// requiredOf lists the elements required of a level for a period type.
func requiredOf(els []elementJSON, level, periodType string) []string {
	var out []string
	for _, el := range els {
		if el.Required && el.CollectedAt == level && slices.Contains(el.PeriodTypes, periodType) {
			out = append(out, el.Code)
		}
	}
	return out
}

func missingOf(tb testing.TB, r *testenv.Response) []string {
	tb.Helper()
	raw, _ := r.Errors[0].Extensions["missing"].([]any)
	out := make([]string, len(raw))
	for i, x := range raw {
		out[i], _ = x.(string)
	}
	return out
}

func mustCount(tb testing.TB, e *testenv.Env, query string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := e.Owner.Raw(query, args...).Scan(&n).Error; err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestRequiredFigures(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	els := mustElements(t, e)
	county := requiredOf(els, "COUNTY", "YEARLY")

	t.Run("CatalogueSaysWhatIsRequired", func(t *testing.T) {
		if len(county) < 30 {
			t.Fatalf("only %d county figures required for a year: %v", len(county), county)
		}
		for _, el := range els {
			if el.Required && el.OptionalReason != nil {
				t.Errorf("%s is required but has optionalReason %q", el.Code, *el.OptionalReason)
			}
			if !el.Required && (el.OptionalReason == nil || *el.OptionalReason == "") {
				t.Errorf("%s is not required and says not why", el.Code)
			}
		}
		for _, code := range []string{"IP_BATCHES_INSPECTED", "IP_BATCHES_FAILED", "RESIDENT_POPULATION"} {
			if !slices.Contains(county, code) {
				t.Errorf("%s is not required of a county", code)
			}
		}
	})

	// The scenario: 90 batches inspected, failed batches left out.
	var out struct{ SaveDataValues subJSON }
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0, vals{"element": "IP_BATCHES_INSPECTED", "value": 90}), &out)

	t.Run("ErrSubmitWithoutRequired", func(t *testing.T) {
		before := mustSnapshot(t, e, countyA, "2024")
		r := e.Do(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 1) { status } }`, nil)
		err := mustRefuse(t, r, "BAD_USER_INPUT")
		missing := missingOf(t, r)
		if len(missing) != len(county)-1 || !slices.Contains(missing, "IP_BATCHES_FAILED") || slices.Contains(missing, "IP_BATCHES_INSPECTED") {
			t.Errorf("missing = %v, want every required county figure but IP_BATCHES_INSPECTED", missing)
		}
		if slices.Contains(missing, "CITY_EMERGENCY_DRILLS") {
			t.Errorf("a county is asked for a city figure: %v", missing)
		}
		if !strings.Contains(err.Message, "必填") {
			t.Errorf("message %q is not Chinese first", err.Message)
		}
		mustUnchanged(t, e, countyA, "2024", before)
	})

	t.Run("ErrValueAndMissingReason", func(t *testing.T) {
		before := mustSnapshot(t, e, countyA, "2024")
		r := e.Do(t, clerk, saveMutation, saveVars(countyA, "2024", 1,
			vals{"element": "IP_BATCHES_FAILED", "value": 3, "missingReason": "未抽查"},
			vals{"element": "SE_DEATHS", "value": 0}))
		mustRefuse(t, r, "BAD_USER_INPUT")
		if got := refusedValues(t, r); !slices.Equal(got, []string{"IP_BATCHES_FAILED VALUE_AND_MISSING_REASON 3"}) {
			t.Errorf("refused = %v", got)
		}
		mustUnchanged(t, e, countyA, "2024", before)
	})
	t.Run("ErrBlankMissingReason", func(t *testing.T) {
		before := mustSnapshot(t, e, countyA, "2024")
		r := e.Do(t, clerk, saveMutation, saveVars(countyA, "2024", 1, vals{"element": "IP_BATCHES_FAILED", "missingReason": "  "}))
		mustRefuse(t, r, "BAD_USER_INPUT")
		if got := refusedValues(t, r); !slices.Equal(got, []string{"IP_BATCHES_FAILED EMPTY_MISSING_REASON -"}) {
			t.Errorf("refused = %v", got)
		}
		mustUnchanged(t, e, countyA, "2024", before)
	})
	t.Run("ErrDeclareFigureOfAnotherLevel", func(t *testing.T) {
		before := mustSnapshot(t, e, countyA, "2024")
		r := e.Do(t, clerk, saveMutation, saveVars(countyA, "2024", 1, vals{"element": "CITY_EMERGENCY_DRILLS", "missingReason": "无"}))
		mustRefuse(t, r, "BAD_USER_INPUT")
		if got := refusedValues(t, r); !slices.Equal(got, []string{"CITY_EMERGENCY_DRILLS WRONG_LEVEL -"}) {
			t.Errorf("refused = %v", got)
		}
		mustUnchanged(t, e, countyA, "2024", before)
	})
	if n := mustCount(t, e, `SELECT count(*) FROM missing_values`); n != 0 {
		t.Fatalf("refused saves stored %d declarations", n)
	}

	// Fill every other required figure, and declare the two device figures unavailable.
	const reason = "本县无医疗器械生产企业"
	var values []vals
	for _, el := range els {
		if !slices.Contains(county, el.Code) || el.Code == "IP_BATCHES_INSPECTED" {
			continue
		}
		switch {
		case strings.HasPrefix(el.Code, "DEVICE_PRODUCERS_"):
			values = append(values, vals{"element": el.Code, "missingReason": reason})
		case el.PartOf != nil:
			values = append(values, vals{"element": el.Code, "value": 5})
		default:
			values = append(values, vals{"element": el.Code, "value": 100})
		}
	}
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 1, values...), &out)
	var sub struct {
		SubmitSubmission struct{ Status string }
	}
	e.MustOK(t, clerk, `mutation { submitSubmission(regionCode: "419902", period: "2024", expectedVersion: 2) { status } }`, nil, &sub)
	if sub.SubmitSubmission.Status != "SUBMITTED" {
		t.Fatalf("submit = %+v", sub)
	}

	t.Run("ReviewerSeesReasons", func(t *testing.T) {
		var got struct {
			Submission struct {
				MissingFigures []struct {
					Element   struct{ Code string }
					Reason    string
					UpdatedBy string
				}
				Values  []struct{ Element struct{ Code string } }
				History []struct {
					Action  string
					Element *string
					NewText *string
				}
			}
		}
		e.MustOK(t, e.Token(t, city, auth.RoleReviewer), `{ submission(regionCode: "419902", period: "2024") {
			missingFigures { element { code } reason updatedBy } values { element { code } } history { action element newText } } }`, nil, &got)
		s := got.Submission
		if len(s.MissingFigures) != 2 || s.MissingFigures[0].Element.Code != "DEVICE_PRODUCERS_PLANNED" || s.MissingFigures[0].Reason != reason ||
			s.MissingFigures[1].Element.Code != "DEVICE_PRODUCERS_INSPECTED" {
			t.Errorf("missingFigures = %+v", s.MissingFigures)
		}
		for _, v := range s.Values {
			if strings.HasPrefix(v.Element.Code, "DEVICE_PRODUCERS_") {
				t.Errorf("declared-missing %s is also a value", v.Element.Code)
			}
		}
		audited := 0
		for _, h := range s.History {
			if h.Action == "SET_MISSING" && h.NewText != nil && *h.NewText == reason {
				audited++
			}
		}
		if audited != 2 {
			t.Errorf("%d SET_MISSING entries with the reason, want 2: %+v", audited, s.History)
		}
		if n := mustCount(t, e, `SELECT count(*) FROM data_values v JOIN data_elements d ON d.id = v.element_id JOIN submissions s ON s.id = v.submission_id
			WHERE d.code LIKE 'DEVICE_PRODUCERS_%' AND s.region_code = ? AND s.period = '2024'`, countyA); n != 0 {
			t.Errorf("%d declared-missing figures stored in data_values, where roll-ups would count them", n)
		}
	})

	t.Run("ValueAndDeclarationReplaceEachOther", func(t *testing.T) {
		clerkB := e.Token(t, countyB, auth.RoleReporter)
		e.MustOK(t, clerkB, saveMutation, saveVars(countyB, "2024", 0, vals{"element": "SE_DEATHS", "value": 1}), &out)
		e.MustOK(t, clerkB, saveMutation, saveVars(countyB, "2024", 1, vals{"element": "SE_DEATHS", "missingReason": "数据未出"}), &out)
		if len(out.SaveDataValues.Values) != 0 || mustCount(t, e, `SELECT count(*) FROM missing_values m JOIN submissions s ON s.id = m.submission_id WHERE s.region_code = ? AND s.period = '2024'`, countyB) != 1 {
			t.Fatalf("declaring did not replace the value: %+v", out.SaveDataValues)
		}
		e.MustOK(t, clerkB, saveMutation, saveVars(countyB, "2024", 2, vals{"element": "SE_DEATHS", "value": 0}), &out)
		if v, ok := out.SaveDataValues.value("SE_DEATHS"); !ok || v != 0 {
			t.Fatalf("value not saved: %+v", out.SaveDataValues)
		}
		if n := mustCount(t, e, `SELECT count(*) FROM missing_values m JOIN submissions s ON s.id = m.submission_id WHERE s.region_code = ? AND s.period = '2024'`, countyB); n != 0 {
			t.Errorf("a saved value left its declaration behind (%d)", n)
		}
		var actions []string
		e.Owner.Raw(`SELECT action FROM audit_log a JOIN submissions s ON s.id = a.submission_id WHERE s.region_code = ? AND s.period = '2024' ORDER BY a.id`, countyB).Scan(&actions)
		if !slices.Equal(actions, []string{"CREATE", "SET_VALUE", "SET_MISSING", "SET_VALUE"}) {
			t.Errorf("audit = %v", actions)
		}
	})
}

func TestOutOfRangeRefused(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	var out struct{ SaveDataValues subJSON }
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0, vals{"element": "SE_DEATHS", "value": 0}), &out)

	cases := []struct {
		name    string
		element string
		value   any
		want    string
	}{
		{"ErrHugeCount", "HV_INVENTION_PATENTS", 1.7e308, "HV_INVENTION_PATENTS OUT_OF_RANGE 17"},
		{"ErrJustAboveDefaultBound", "COMPLAINTS_RECEIVED", 1000000000001, "COMPLAINTS_RECEIVED OUT_OF_RANGE 1000000000001"},
		{"ErrPercentAsToday", "SMART_PLATFORM_INTEGRATION", 101, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			region := countyA
			tok := clerk
			if c.element == "SMART_PLATFORM_INTEGRATION" {
				region, tok = city, e.Token(t, city, auth.RoleReporter)
			}
			before := mustSnapshot(t, e, region, "2024")
			r := e.Do(t, tok, saveMutation, saveVars(region, "2024", mustVersion(t, e, region, "2024"), vals{"element": c.element, "value": c.value}))
			mustRefuse(t, r, "BAD_USER_INPUT")
			got := refusedValues(t, r)
			if c.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], c.want)) {
				t.Errorf("refused = %v, want [%s]", got, c.want)
			}
			if c.want == "" && (len(got) != 1 || !strings.Contains(got[0], "PERCENT_RANGE")) {
				t.Errorf("refused = %v, want PERCENT_RANGE", got)
			}
			mustUnchanged(t, e, region, "2024", before)
		})
	}
	t.Run("AtTheBound", func(t *testing.T) {
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 1, vals{"element": "COMPLAINTS_RECEIVED", "value": 1e12}), &out)
		if v, _ := out.SaveDataValues.value("COMPLAINTS_RECEIVED"); v != 1e12 {
			t.Errorf("10^12 not saved: %+v", out.SaveDataValues)
		}
	})
	t.Run("ErrInfinityLiteral", func(t *testing.T) {
		// JSON has no Infinity; a document literal beyond float64 is the only way to send one.
		before := mustSnapshot(t, e, countyA, "2024")
		r := e.Do(t, clerk, `mutation { saveDataValues(input: {regionCode: "419902", period: "2024", expectedVersion: 2, values: [{element: "HV_INVENTION_PATENTS", value: 1e999}]}) { version } }`, nil)
		if len(r.Errors) == 0 || r.Code() == "INTERNAL" {
			t.Errorf("1e999: errors %+v, want a client error", r.Errors)
		}
		t.Logf("1e999: %s %s", r.Code(), r.Errors[0].Message)
		mustUnchanged(t, e, countyA, "2024", before)
	})
	t.Run("BoundInCatalogue", func(t *testing.T) {
		for _, el := range mustElements(t, e) {
			if el.Code == "HV_INVENTION_PATENTS" && (el.MaxValue == nil || *el.MaxValue != 1e12) {
				t.Errorf("HV_INVENTION_PATENTS maxValue = %v, want 1e12", el.MaxValue)
			}
			if el.Code == "SMART_PLATFORM_INTEGRATION" && el.MaxValue != nil {
				t.Errorf("a percentage has maxValue %v", *el.MaxValue)
			}
		}
	})
}

type flagJSON struct {
	Code           string   `json:"code"`
	Message        string   `json:"message"`
	Value          float64  `json:"value"`
	PreviousValue  *float64 `json:"previousValue"`
	PreviousPeriod *string  `json:"previousPeriod"`
	Change         *float64 `json:"change"`
	Factor         *float64 `json:"factor"`
	PeerMedian     *float64 `json:"peerMedian"`
	ZScore         *float64 `json:"zScore"`
	PeerCount      *int     `json:"peerCount"`
}

const flagFields = `flags { code message value previousValue previousPeriod change factor peerMedian zScore peerCount }`

type flaggedSub struct {
	Status string
	Values []struct {
		Element struct{ Code string }
		Value   float64
		Flags   []flagJSON
	}
}

func (s flaggedSub) flags(code string) []flagJSON {
	for _, v := range s.Values {
		if v.Element.Code == code {
			return v.Flags
		}
	}
	return nil
}

func flagOf(fs []flagJSON, code string) *flagJSON {
	for i := range fs {
		if fs[i].Code == code {
			return &fs[i]
		}
	}
	return nil
}

func mustFlagged(tb testing.TB, e *testenv.Env, token, region, period string) flaggedSub {
	tb.Helper()
	var out struct{ Submission *flaggedSub }
	e.MustOK(tb, token, `query($r: String!, $p: String!) { submission(regionCode: $r, period: $p) { status values { element { code } value `+flagFields+` } } }`,
		map[string]any{"r": region, "p": period}, &out)
	if out.Submission == nil {
		tb.Fatalf("no submission %s %s", region, period)
	}
	return *out.Submission
}

func TestQualityFlags(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerkB := e.Token(t, countyB, auth.RoleReporter) // 西城区, population 276,518 in the demo
	reviewer := e.Token(t, city, auth.RoleReviewer)

	// Peers of 西城区 for 2024: four counties with FOOD_SAMPLE_BATCHES 100–130, submitted or
	// approved; RI_POOL_ENTITIES only three (too few for a comparison).
	for i, r := range []string{countyA, "419921", "419922", "419923"} {
		v := map[string]float64{"FOOD_SAMPLE_BATCHES": float64(100 + 10*i)}
		if i < 3 {
			v["RI_POOL_ENTITIES"] = float64(1000 + 10*i)
		}
		status := "APPROVED"
		if i%2 == 1 {
			status = "SUBMITTED"
		}
		MustInsertSubmission(t, e, r, "2024", status, v)
	}

	q := `mutation($in: SaveDataValuesInput!) { saveDataValues(input: $in) { status version values { element { code } value ` + flagFields + ` } } }`
	var out struct{ SaveDataValues flaggedSub }
	e.MustOK(t, clerkB, q, saveVars(countyB, "2024", 0,
		vals{"element": "RESIDENT_POPULATION", "value": 3012},
		vals{"element": "FOOD_SAMPLE_BATCHES", "value": 5000},
		vals{"element": "RI_POOL_ENTITIES", "value": 900000},
		vals{"element": "COMPLAINTS_RECEIVED", "value": 500},
	), &out)

	t.Run("YoYChangeInTheSavesAnswer", func(t *testing.T) {
		var demo float64 // 西城区's population in the demo's latest period, 2023Q1
		e.Owner.Raw(`SELECT v.value FROM data_values v JOIN submissions s ON s.id = v.submission_id JOIN data_elements d ON d.id = v.element_id
			WHERE s.region_code = ? AND s.period = '2023Q1' AND d.code = 'RESIDENT_POPULATION'`, countyB).Scan(&demo)
		f := flagOf(out.SaveDataValues.flags("RESIDENT_POPULATION"), "YOY_CHANGE")
		if f == nil {
			t.Fatalf("3012 not flagged: %+v", out.SaveDataValues)
		}
		if demo < 200000 || f.PreviousValue == nil || *f.PreviousValue != demo || f.PreviousPeriod == nil || *f.PreviousPeriod != "2023Q1" {
			t.Fatalf("compared with %+v, want %v of 2023Q1 (the latest earlier figure of a stock)", f, demo)
		}
		if f.Factor == nil || *f.Factor != 3 || f.Change == nil || *f.Change > 0.011 {
			t.Errorf("factor %v, change %v", f.Factor, f.Change)
		}
		if !strings.HasPrefix(f.Message, fmt.Sprintf("常住人口 RESIDENT_POPULATION:3012 较上期(2023Q1) %v 下降超过3倍", demo)) {
			t.Errorf("message %q", f.Message)
		}
		// A flow is compared with the last earlier year, never with 2023Q1's quarter.
		if g := flagOf(out.SaveDataValues.flags("COMPLAINTS_RECEIVED"), "YOY_CHANGE"); g == nil || g.PreviousPeriod == nil || *g.PreviousPeriod != "2022" {
			t.Errorf("500 complaints: %+v, want a YOY_CHANGE against 2022", g)
		}
	})

	t.Run("ClerkSeesNoPeerFlagWhileEditable", func(t *testing.T) {
		// Probing: the clerk saves an extreme and an ordinary value; neither answer says
		// anything about the peers, so toggling the value measures nothing.
		if f := flagOf(out.SaveDataValues.flags("FOOD_SAMPLE_BATCHES"), "PEER_OUTLIER"); f != nil {
			t.Errorf("draft shows a peer flag to the clerk: %+v", f)
		}
		var again struct{ SaveDataValues flaggedSub }
		e.MustOK(t, clerkB, q, saveVars(countyB, "2024", 1, vals{"element": "FOOD_SAMPLE_BATCHES", "value": 115}), &again)
		e.MustOK(t, clerkB, q, saveVars(countyB, "2024", 2, vals{"element": "FOOD_SAMPLE_BATCHES", "value": 5000}), &again)
		if f := flagOf(again.SaveDataValues.flags("FOOD_SAMPLE_BATCHES"), "PEER_OUTLIER"); f != nil {
			t.Errorf("draft shows a peer flag to the clerk: %+v", f)
		}
	})

	t.Run("ReviewerSeesPeerStatistics", func(t *testing.T) {
		s := mustFlagged(t, e, reviewer, countyB, "2024")
		f := flagOf(s.flags("FOOD_SAMPLE_BATCHES"), "PEER_OUTLIER")
		if f == nil {
			t.Fatalf("5000 against 100–130 not flagged for the reviewer: %+v", s)
		}
		if f.PeerMedian == nil || *f.PeerMedian != 115 || f.PeerCount == nil || *f.PeerCount != 4 || f.ZScore == nil || *f.ZScore < 3.5 {
			t.Errorf("peer statistics: median %v count %v z %v", f.PeerMedian, f.PeerCount, f.ZScore)
		}
		if g := flagOf(s.flags("RI_POOL_ENTITIES"), "PEER_OUTLIER"); g != nil {
			t.Errorf("flagged against only 3 peers: %+v", g)
		}
		if g := flagOf(s.flags("COMPLAINTS_RECEIVED"), "PEER_OUTLIER"); g != nil {
			t.Errorf("flagged without peers: %+v", g)
		}
	})

	t.Run("ClerkSeesNoPeerNumbersOnceSubmitted", func(t *testing.T) {
		MustDeclareRestMissing(t, e, countyB, "2024")
		var sub map[string]any
		e.MustOK(t, clerkB, `mutation { submitSubmission(regionCode: "419903", period: "2024", expectedVersion: 3) { status } }`, nil, &sub)
		// The county's own view counts approved peers only (who has submitted is the
		// neighbours' business): two are approved, too few.
		s := mustFlagged(t, e, clerkB, countyB, "2024")
		if f := flagOf(s.flags("FOOD_SAMPLE_BATCHES"), "PEER_OUTLIER"); f != nil {
			t.Errorf("flag from submitted, unapproved peers: %+v", f)
		}
		if err := e.Owner.Exec(`UPDATE submissions SET status = 'APPROVED' WHERE period = '2024' AND status = 'SUBMITTED' AND region_code <> ?`, countyB).Error; err != nil {
			t.Fatal(err)
		}
		s = mustFlagged(t, e, clerkB, countyB, "2024")
		f := flagOf(s.flags("FOOD_SAMPLE_BATCHES"), "PEER_OUTLIER")
		if f == nil {
			t.Fatalf("the clerk is not told its submitted value is far from its peers: %+v", s)
		}
		if f.PeerMedian != nil || f.ZScore != nil || f.PeerCount != nil {
			t.Errorf("a county clerk's flag carries peer numbers: %+v", f)
		}
		for _, leak := range []string{"115", "100", "110", "120", "130", "中位数", "低于", "高于", "4个"} {
			if strings.Contains(f.Message, leak) {
				t.Errorf("message %q carries %q", f.Message, leak)
			}
		}
	})

	t.Run("NeighbourLearnsNothing", func(t *testing.T) {
		// 东城区's clerk tries for 西城区's figures through its submission, the status board
		// of the sibling and of the city, and its own flags.
		clerkA := e.Token(t, countyA, auth.RoleReporter)
		r := e.Do(t, clerkA, `{ submission(regionCode: "419903", period: "2024") { values { value flags { code } } } }`, nil)
		if string(r.Data) != `{"submission":null}` {
			t.Errorf("sibling submission: %s %+v", r.Data, r.Errors)
		}
		for _, region := range []string{countyB, city, "410000"} {
			var st struct{ ReportingStatus []any }
			e.MustOK(t, clerkA, `query($r: String!) { reportingStatus(regionCode: $r, period: "2024") { region { code } flags } }`, map[string]any{"r": region}, &st)
			if len(st.ReportingStatus) != 0 {
				t.Errorf("reportingStatus(%s) as 东城区's clerk: %+v", region, st.ReportingStatus)
			}
		}
		// Its own approved figure among peers that include 西城区's 5000: no peer numbers.
		s := mustFlagged(t, e, clerkA, countyA, "2024")
		for _, v := range s.Values {
			for _, f := range v.Flags {
				if f.PeerMedian != nil || f.ZScore != nil || f.PeerCount != nil || strings.Contains(f.Message, "5000") {
					t.Errorf("own flag leaks peers: %+v", f)
				}
			}
		}
	})

	t.Run("NoNaNOrInfinity", func(t *testing.T) {
		// Peers that all agree (MAD and mean deviation 0), a previous figure of 0, and a huge
		// figure written past the service: every flag field stays finite or null.
		for i, r := range []string{"419921", "419922", "419923", countyA} {
			MustInsertSubmission(t, e, r, "2025", "APPROVED", map[string]float64{"SE_DEATHS": 0, "TIPS_RECEIVED": float64(i)})
		}
		MustInsertSubmission(t, e, countyB, "2025", "DRAFT", map[string]float64{"SE_DEATHS": 7, "TIPS_RECEIVED": 1.7e308, "PCT_APPLICATIONS": 4})
		r := e.Do(t, reviewer, `{ submission(regionCode: "419903", period: "2025") { values { element { code } `+flagFields+` } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("errors: %+v", r.Errors)
		}
		if strings.Contains(string(r.Data), "NaN") || strings.Contains(string(r.Data), "Inf") {
			t.Errorf("answer carries NaN or Inf: %s", r.Data)
		}
	})
}

// TestFlagsStatementCount: flags and declared-missing figures load in batch. (A caller's own
// region's submission, whose peers lie outside its scope, adds at most one transaction, once:
// only the caller's own region has its parent outside the caller's scope.)
func TestFlagsStatementCount(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, "410000", auth.RoleAnalyst)
	count := func(first int) int64 {
		best := int64(-1)
		for range 3 {
			n := e.Statements(func() {
				var out map[string]any
				e.MustOK(t, tok, fmt.Sprintf(`{ submissions(regionCode: "410000", first: %d) { edges { node { values { flags { code } } missingFigures { reason } } } } }`, first), nil, &out)
			})
			if best < 0 || n < best {
				best = n
			}
		}
		return best
	}
	count(50)
	small, big := count(1), count(50)
	if small != big || small == 0 {
		t.Errorf("%d statements for one submission's flags, %d for fifty", small, big)
	}
}

type unitJSON struct {
	Region          struct{ Code string }
	Status          string
	Filled          int
	DeclaredMissing int
	Required        int
	Flags           int
	UpdatedAt       *string
	Submission      *struct{ Version int }
}

func mustStatus(tb testing.TB, e *testenv.Env, token, region, period string) map[string]unitJSON {
	tb.Helper()
	var out struct{ ReportingStatus []unitJSON }
	e.MustOK(tb, token, `query($r: String!, $p: String!) { reportingStatus(regionCode: $r, period: $p) {
		region { code } status filled declaredMissing required flags updatedAt submission { version } } }`,
		map[string]any{"r": region, "p": period}, &out)
	m := map[string]unitJSON{}
	for _, u := range out.ReportingStatus {
		if _, dup := m[u.Region.Code]; dup {
			tb.Errorf("%s listed twice", u.Region.Code)
		}
		m[u.Region.Code] = u
	}
	return m
}

func TestReportingStatus(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	els := mustElements(t, e)
	countyReq, cityReq := len(requiredOf(els, "COUNTY", "YEARLY")), len(requiredOf(els, "CITY", "YEARLY"))
	clerkA := e.Token(t, countyA, auth.RoleReporter)
	var out struct{ SaveDataValues subJSON }
	e.MustOK(t, clerkA, saveMutation, saveVars(countyA, "2024", 0,
		vals{"element": "IP_BATCHES_INSPECTED", "value": 90},
		vals{"element": "DEVICE_PRODUCERS_PLANNED", "missingReason": "本县无医疗器械生产企业"},
		vals{"element": "TIPS_RECEIVED", "value": 4}), &out)
	MustInsertSubmission(t, e, "419921", "2024", "APPROVED", map[string]float64{"SE_DEATHS": 0})

	t.Run("CityReviewerSeesEveryUnit", func(t *testing.T) {
		got := mustStatus(t, e, e.Token(t, city, auth.RoleReviewer), city, "2024")
		want := map[string]string{city: "NOT_STARTED", countyA: "DRAFT", countyB: "NOT_STARTED", "419921": "APPROVED", "419922": "NOT_STARTED", "419923": "NOT_STARTED"}
		if len(got) != len(want) {
			t.Errorf("rows %v, want %v", got, want)
		}
		for code, status := range want {
			if got[code].Status != status {
				t.Errorf("%s: status %q, want %q", code, got[code].Status, status)
			}
		}
		a := got[countyA]
		if a.Filled != 2 || a.DeclaredMissing != 1 || a.Required != countyReq || a.UpdatedAt == nil || a.Submission == nil || a.Submission.Version != 1 {
			t.Errorf("东城区: %+v, want filled 2, declared 1, required %d", a, countyReq)
		}
		if b := got[countyB]; b.Filled != 0 || b.Required != countyReq || b.UpdatedAt != nil || b.Submission != nil {
			t.Errorf("西城区 (not started): %+v", b)
		}
		if c := got[city]; c.Required != cityReq {
			t.Errorf("city: %+v, want required %d", c, cityReq)
		}
	})
	t.Run("ClerkSeesOnlyItself", func(t *testing.T) {
		got := mustStatus(t, e, clerkA, countyA, "2024")
		if len(got) != 1 || got[countyA].Status != "DRAFT" {
			t.Errorf("own board: %+v", got)
		}
		for _, r := range []string{city, countyB, "410000", "999999"} {
			if got := mustStatus(t, e, clerkA, r, "2024"); len(got) != 0 {
				t.Errorf("reportingStatus(%s) as a county clerk: %+v", r, got)
			}
		}
	})
	t.Run("QuarterHasCityForItsQuarterlyFigures", func(t *testing.T) {
		got := mustStatus(t, e, e.Token(t, city, auth.RoleAnalyst), city, "2024Q2")
		if len(got) != 6 || got[city].Status != "NOT_STARTED" || got[countyA].Status != "NOT_STARTED" {
			t.Errorf("2024Q2: %+v", got)
		}
	})
	t.Run("ErrBadPeriod", func(t *testing.T) {
		r := e.Do(t, clerkA, `{ reportingStatus(regionCode: "419902", period: "2024Q5") { status } }`, nil)
		if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "2024Q5") {
			t.Errorf("errors %+v", r.Errors)
		}
	})
}

// TestMissingValuesRowLevelSecurity: declarations are tenant data under the same policy as
// data_values: a county's scope neither shows nor accepts a neighbour's.
func TestMissingValuesRowLevelSecurity(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	for _, r := range []string{countyA, countyB} {
		MustInsertSubmission(t, e, r, "2024", "DRAFT", map[string]float64{"SE_DEATHS": 0})
		MustDeclareRestMissing(t, e, r, "2024")
	}
	st := store.New(e.DB, e.Cache)
	p := &auth.Principal{Subject: "t", Role: auth.RoleReporter, Region: countyA}
	pathA, pathB := e.Cache.Regions().Get(countyA).Path, e.Cache.Regions().Get(countyB).Path
	err := st.InScope(context.Background(), p, func(tx *gorm.DB) error {
		var paths []string
		if err := tx.Raw(`SELECT DISTINCT region_path FROM missing_values`).Scan(&paths).Error; err != nil {
			return err
		}
		if !slices.Equal(paths, []string{pathA}) {
			t.Errorf("county scope sees declarations of %v", paths)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var idB int64
	e.Owner.Raw(`SELECT id FROM submissions WHERE region_code = ? AND period = '2024'`, countyB).Scan(&idB)
	err = st.InScope(context.Background(), p, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO missing_values (submission_id, element_id, region_path, reason, updated_by)
			VALUES (?, (SELECT id FROM data_elements WHERE code = 'HV_INVENTION_PATENTS'), ?, '无', 't')`, idB, pathB).Error
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Errorf("county scope writing a neighbour's declaration: %v, want a row-level-security refusal", err)
	}
}
