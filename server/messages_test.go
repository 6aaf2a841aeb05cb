package server_test

// Issue 12, point 3: every message a person reads is Chinese, or English when the request asks
// with Accept-Language: en; extensions.code and the rule codes stay the same either way.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/coder/websocket"

	"planapi/auth"
	"planapi/msg"
	"planapi/testenv"
)

// ruleCodes are the values of catalogue's Rule constants, read from its source so that a rule
// added without a message fails here.
func ruleCodes(tb testing.TB) []string {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../catalogue/rules.go", nil, 0)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Rule" {
				continue
			}
			for _, v := range vs.Values {
				code, _ := strconv.Unquote(v.(*ast.BasicLit).Value)
				out = append(out, code)
			}
		}
	}
	if len(out) < 20 {
		tb.Fatalf("found only %d rule codes", len(out))
	}
	return out
}

func chinese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// refusedMessages are extensions.refused's rule and message, in order.
func refusedMessages(tb testing.TB, err testenv.Error) (rules, messages []string) {
	tb.Helper()
	list, _ := err.Extensions["refused"].([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		rule, _ := m["rule"].(string)
		message, _ := m["message"].(string)
		rules, messages = append(rules, rule), append(messages, message)
	}
	return rules, messages
}

func TestMessagesInChinese(t *testing.T) {
	t.Parallel()

	t.Run("EveryRuleCodeHasAChineseMessage", func(t *testing.T) {
		for _, code := range ruleCodes(t) {
			zh, en := msg.Templates(msg.Key(code))
			if !msg.Has(msg.Key(code)) || !chinese(zh) || chinese(en) {
				t.Errorf("rule %s: zh %q, en %q", code, zh, en)
			}
		}
	})

	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	bad := saveVars(countyA, "2024", 0, vals{"element": "RESIDENT_POPULATION", "value": 415000.5})

	// The example, in Chinese by default and for any language but English.
	for _, lang := range []string{"", "zh-CN,zh;q=0.9,en;q=0.8", "fr"} {
		t.Run("Refusal/"+cmp.Or(lang, "none"), func(t *testing.T) {
			err := mustRefuse(t, e.DoIn(t, lang, clerk, saveMutation, bad), "BAD_USER_INPUT")
			want := "常住人口 RESIDENT_POPULATION:415000.5 不是整数,该指标计数"
			if err.Message != "1 项数据被拒绝,未保存任何数据:"+want {
				t.Errorf("message %q", err.Message)
			}
			if rules, msgs := refusedMessages(t, err); len(rules) != 1 || rules[0] != "NOT_INTEGER" || msgs[0] != want {
				t.Errorf("refused: rules %v, messages %q", rules, msgs)
			}
		})
	}
	t.Run("RefusalInEnglish", func(t *testing.T) {
		err := mustRefuse(t, e.DoIn(t, "en-US,en;q=0.9", clerk, saveMutation, bad), "BAD_USER_INPUT")
		want := "RESIDENT_POPULATION (常住人口): 415000.5 is not a whole number; it counts things"
		if err.Message != "1 value(s) refused, nothing was saved: "+want {
			t.Errorf("message %q", err.Message)
		}
		if rules, msgs := refusedMessages(t, err); len(rules) != 1 || rules[0] != "NOT_INTEGER" || msgs[0] != want {
			t.Errorf("refused: rules %v, messages %q", rules, msgs)
		}
	})

	// Coded errors from the store, the period parser and the transport.
	errorCases := []struct {
		name, query    string
		vars           map[string]any
		code, zh, en   string
		token, rawBody string
	}{
		{name: "NotFound", query: saveMutation, vars: saveVars("999999", "2024", 0), token: clerk,
			code: "NOT_FOUND", zh: `未找到地区 "999999"`, en: `region "999999" not found`},
		{name: "BadPeriod", query: saveMutation, vars: saveVars(countyA, "2024Q5", 0), token: clerk,
			code: "BAD_USER_INPUT", zh: `period:期间 "2024Q5" 无效:季度应为1至4`, en: `period: period "2024Q5": quarter must be 1 to 4`},
		{name: "PeriodNotOpen", query: saveMutation, vars: saveVars(countyA, "2023Q2", 0, vals{"element": "TIPS_RECEIVED", "value": 1}), token: clerk,
			code: "BAD_USER_INPUT", zh: `期间 2023Q2 未开放填报`, en: `period 2023Q2 is not open for entry`},
		{name: "NoToken", query: `{ viewer { region { code } } }`,
			code: "UNAUTHENTICATED", zh: `需要身份认证`, en: `authentication required`},
		{name: "EmptyBody", rawBody: " ",
			code: "BAD_REQUEST", zh: `请求体为空`, en: `empty request body`},
	}
	for _, c := range errorCases {
		for _, lang := range []string{"", "en"} {
			t.Run(c.name+"/"+cmp.Or(lang, "none"), func(t *testing.T) {
				var got testenv.Error
				if c.rawBody != "" {
					got = rawError(t, e, lang, c.rawBody)
				} else {
					r := e.DoIn(t, lang, c.token, c.query, c.vars)
					if len(r.Errors) == 0 {
						t.Fatalf("no error: %s", r.Data)
					}
					got = r.Errors[0]
				}
				want := c.zh
				if lang == "en" {
					want = c.en
				}
				if got.Extensions["code"] != c.code || !strings.Contains(got.Message, want) {
					t.Errorf("%v %q, want %s %q", got.Extensions["code"], got.Message, c.code, want)
				}
				if lang == "en" && chinese(got.Message) {
					t.Errorf("English message %q holds Chinese", got.Message)
				}
			})
		}
	}

	// A websocket: the language comes with connection_init (or the upgrade request's header).
	t.Run("Websocket", func(t *testing.T) {
		srv := httptest.NewServer(e.Handler) // no events hub: a subscription answers UNAVAILABLE
		t.Cleanup(srv.Close)
		for lang, want := range map[string]string{"": "实时更新未启用", "en": "live updates are not running"} {
			s := dialIn(t, srv.URL, clerk, lang)
			s.subscribe("1", `subscription { submissionChanged(regionCode: "419902") { action } }`)
			m, err := s.read(5 * time.Second)
			if err != nil || (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), want) || !strings.Contains(string(m.Payload), `"UNAVAILABLE"`) {
				t.Errorf("Accept-Language %q: %v %s %s, want an error %q", lang, err, m.Type, m.Payload, want)
			}
		}
	})

	// The assessment's explanation follows the language; explanationEn is English either way.
	t.Run("Assessment", func(t *testing.T) {
		analyst := e.Token(t, city, auth.RoleAnalyst)
		q := `{ indicator(code: "2.10") { assessment(regionCode: "419900") { status explanation explanationEn } } }`
		type out struct {
			Indicator struct {
				Assessment struct{ Status, Explanation, ExplanationEn string }
			}
		}
		var zh, en out
		e.DoIn(t, "", analyst, q, nil).Decode(t, &zh)
		e.DoIn(t, "en", analyst, q, nil).Decode(t, &en)
		a, b := zh.Indicator.Assessment, en.Indicator.Assessment
		if !chinese(a.Explanation) || a.ExplanationEn != b.ExplanationEn || b.Explanation != b.ExplanationEn || a.Status != b.Status {
			t.Errorf("default %+v, English %+v", a, b)
		}
	})
}

// dialIn opens a socket whose connection_init carries the token and, unless empty, an
// Accept-Language.
func dialIn(tb testing.TB, url, token, lang string) *socket {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { conn.CloseNow() })
	payload := map[string]string{"Authorization": "Bearer " + token}
	if lang != "" {
		payload["Accept-Language"] = lang
	}
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": payload})
	if err := conn.Write(ctx, websocket.MessageText, init); err != nil {
		tb.Fatalf("connection_init: %v", err)
	}
	s := &socket{tb: tb, conn: conn}
	if m, err := s.read(5 * time.Second); err != nil || m.Type != "connection_ack" {
		tb.Fatalf("connection_init answered %v %+v", err, m)
	}
	return s
}

// rawError posts body as it is and returns the one error of the answer.
func rawError(tb testing.TB, e *testenv.Env, lang, body string) testenv.Error {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	var out struct{ Errors []testenv.Error }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) != 1 {
		tb.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	return out.Errors[0]
}

// TestElementByNameOrCode: an element typed by its exact Chinese name or its code in lower case
// is saved under its code; an unknown one is refused with the nearest codes suggested.
func TestElementByNameOrCode(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)

	t.Run("ChineseNameAndLowerCaseCodeAccepted", func(t *testing.T) {
		var out struct{ SaveDataValues subJSON }
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0,
			vals{"element": "常住人口", "value": 415000},
			vals{"element": " tips_received ", "value": 12}), &out)
		got := map[string]float64{}
		for _, v := range out.SaveDataValues.Values {
			got[v.Element.Code] = *v.Value
		}
		if len(got) != 2 || got["RESIDENT_POPULATION"] != 415000 || got["TIPS_RECEIVED"] != 12 {
			t.Errorf("saved %v, want RESIDENT_POPULATION 415000 and TIPS_RECEIVED 12", got)
		}
	})

	t.Run("ErrNameAndCodeOfTheSameElement", func(t *testing.T) {
		r := e.Do(t, clerk, saveMutation, saveVars(countyA, "2024", 1,
			vals{"element": "接收举报件数", "value": 13}, vals{"element": "TIPS_RECEIVED", "value": 14}))
		if got := refusedValues(t, r); len(got) != 1 || got[0] != "TIPS_RECEIVED DUPLICATE_ELEMENT 14" {
			t.Errorf("refused %v", got)
		}
	})

	cases := []struct {
		name, typed string
		zh, en      string
	}{
		{"ErrTypoSuggestsNearest", "RESIDENT_POPULATON",
			`"RESIDENT_POPULATON" 不是本规划的数据元素;您是否要找:RESIDENT_POPULATION(常住人口)`,
			`"RESIDENT_POPULATON" is not a data element of the plan; did you mean: RESIDENT_POPULATION (常住人口)`},
		{"ErrPartOfAChineseNameSuggests", "明厨亮灶",
			`"明厨亮灶" 不是本规划的数据元素;您是否要找:CATERING_UNITS_OPEN_KITCHEN(实现“明厨亮灶”的餐饮服务单位数)`,
			`did you mean: CATERING_UNITS_OPEN_KITCHEN (实现“明厨亮灶”的餐饮服务单位数)`},
		{"ErrNothingNear", "XYZZY", `"XYZZY" 不是本规划的数据元素`, `"XYZZY" is not a data element of the plan`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := saveVars(countyA, "2024", 1, vals{"element": c.typed, "value": 1})
			r := e.Do(t, clerk, saveMutation, in)
			if got := refusedValues(t, r); len(got) != 1 || got[0] != c.typed+" UNKNOWN_ELEMENT 1" {
				t.Errorf("refused %v", got)
			}
			if _, msgs := refusedMessages(t, r.Errors[0]); len(msgs) != 1 || msgs[0] != c.zh {
				t.Errorf("message %q, want %q", msgs, c.zh)
			}
			r = e.DoIn(t, "en", clerk, saveMutation, in)
			if _, msgs := refusedMessages(t, mustRefuse(t, r, "BAD_USER_INPUT")); len(msgs) != 1 || !strings.Contains(msgs[0], c.en) {
				t.Errorf("English message %q, want %q", msgs, c.en)
			}
		})
	}
}
