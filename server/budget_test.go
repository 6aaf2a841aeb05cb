package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"planapi/auth"
	"planapi/server"
	"planapi/testenv"
)

// TestRequestBudget: the documents that took the server down are refused before anything
// runs — no SQL statement — with a code, and the budget does not refuse ordinary documents.
func TestRequestBudget(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAdmin)

	// region { children { parent { children … } } } nested to depth 16.
	tree := func(depth int) string {
		var b strings.Builder
		b.WriteString(`{ region(code: "419900") { `)
		for i := 2; i < depth; i++ {
			if i%2 == 0 {
				b.WriteString("children { ")
			} else {
				b.WriteString("parent { ")
			}
		}
		b.WriteString("code")
		for i := 1; i < depth; i++ {
			b.WriteString(" }")
		}
		b.WriteString(" }")
		return b.String()
	}
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := range n {
			fmt.Fprintf(&b, "a%d: %s ", i, field)
		}
		b.WriteString("}")
		return b.String()
	}
	const submissions500 = `submissions(regionCode: "419900", first: 500) { edges { node { values { value } history { action } } } }`
	const dashboard = `dashboard(regionCode: "419900", period: "2021") { rows { indicator { code } total { value } cells { value completeness { missing { code } } } } }`

	for _, tc := range []struct {
		name, query, code string
	}{
		{"ErrDepth16", tree(16), "QUERY_TOO_DEEP"},
		{"Err300AliasesOfSubmissions", aliases(300, submissions500), "TOO_MANY_ALIASES"},
		{"Err400AliasesOfDashboard", aliases(400, dashboard), "TOO_MANY_ALIASES"},
		// Within the depth and alias limits, the cost still multiplies: by children…
		{"ErrTreeWithinDepth", tree(10), "COMPLEXITY_LIMIT_EXCEEDED"},
		// … by first, with a cost for values and history …
		{"Err10AliasesOfSubmissions", aliases(10, submissions500), "COMPLEXITY_LIMIT_EXCEEDED"},
		// … and for every roll-up.
		{"Err20AliasesOfDashboard", aliases(20, dashboard), "COMPLEXITY_LIMIT_EXCEEDED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r *testenv.Response
			n := e.Statements(func() { r = e.Do(t, tok, tc.query, nil) })
			// A request error: 200 as application/json (no Accept), with no data entry.
			if r.Code() != tc.code || r.Status != http.StatusOK || r.Data != nil {
				t.Fatalf("status %d, code %q, data %s, want 200 %s and no data: %+v", r.Status, r.Code(), r.Data, tc.code, r.Errors)
			}
			if n != 0 {
				t.Errorf("%d SQL statements ran: the document was not refused before execution", n)
			}
			if msg := r.Errors[0].Message; !strings.ContainsAny(msg, "查询代价别名嵌套") {
				t.Errorf("message not Chinese first: %q", msg)
			}
		})
	}

	// Ordinary documents stay within the budget.
	for _, tc := range []struct{ name, query string }{
		{"OKTreeDepth6", tree(6)},
		{"OKFewAliasesOfDashboard", aliases(3, dashboard)},
		{"OKSubmissionsPage", `{ submissions(regionCode: "419900", first: 200) { edges { node { values { value } history { action } } } } }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.Do(t, tok, tc.query, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("status %d: %+v", r.Status, r.Errors)
			}
		})
	}
}

// TestRequestTimeout: a request past its deadline answers TIMEOUT, not INTERNAL.
func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	var log bytes.Buffer
	h := handlerWith(t, e, &log, true, server.Budget{RequestTimeout: 1e6}) // 1 ms
	r := post(t, h, e.Token(t, city, auth.RoleAdmin), `{"query":"{ dashboard(regionCode: \"410000\", period: \"2021..2024\") { rows { total { value } } } }"}`)
	if r.code() != "TIMEOUT" {
		t.Fatalf("status %d, body %s: want TIMEOUT", r.status, r.body)
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("a timeout logged as ERROR:\n%s", log.String())
	}
}

// TestClientErrorCodes: what a client gets wrong answers a client's code, never INTERNAL.
func TestClientErrorCodes(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	var log bytes.Buffer
	h := handlerWith(t, e, &log, true, server.Budget{})
	admin := e.Token(t, city, auth.RoleAdmin)
	clerk := e.Token(t, "419902", auth.RoleReporter)
	if r := post(t, h, admin, `{"query":"mutation { openPeriod(period: \"2024\") { open } }"}`); r.status != 200 || r.code() != "" {
		t.Fatalf("open period: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"ErrNULInComment", clerk, `{"query":"mutation { saveDataValues(input: {regionCode: \"419902\", period: \"2024\", expectedVersion: 0, values: [{element: \"COMPLAINTS_RECEIVED\", value: 1, comment: \"a\\u0000b\"}]}) { version } }"}`, 200, "BAD_USER_INPUT"},
		{"ErrNULInVariable", clerk, `{"query":"mutation($c: String) { saveDataValues(input: {regionCode: \"419902\", period: \"2024\", expectedVersion: 0, values: [{element: \"COMPLAINTS_RECEIVED\", value: 1, comment: $c}]}) { version } }","variables":{"c":"a\u0000b"}}`, 200, "BAD_USER_INPUT"},
		{"ErrClosesAtYear10000", admin, `{"query":"mutation { openPeriod(period: \"2025\", closesAt: \"10000-01-01T00:00:00Z\") { closesAt } }"}`, 0, "BAD_USER_INPUT"},
		{"ErrClosesAtYear10000Variable", admin, `{"query":"mutation($t: Time) { openPeriod(period: \"2025\", closesAt: $t) { closesAt } }","variables":{"t":"+10000-01-01T00:00:00Z"}}`, 0, "BAD_USER_INPUT"},
		{"ErrJSONParse", admin, `{"query": "{ plan { code } }"`, 400, "BAD_REQUEST"},
		{"ErrNotJSON", "", `this is not json`, 400, "BAD_REQUEST"},
		{"ErrBatch", admin, `[{"query":"{ plan { code } }"},{"query":"{ viewer { role } }"}]`, 400, "BAD_REQUEST"},
		{"ErrEmpty", admin, ``, 400, "BAD_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, h, tc.token, tc.body)
			if r.code() != tc.code || (tc.status != 0 && r.status != tc.status) {
				t.Fatalf("status %d, body %s: want %d %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("client errors logged as ERROR:\n%s", log.String())
	}
}

// TestNoSuggestionsWithoutIntrospection: with INTROSPECTION=0 the validator names no field,
// argument, type or enum value the caller did not send.
func TestNoSuggestionsWithoutIntrospection(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAdmin)
	queries := []string{
		`{ plan { indicatorz { code } } }`,                                      // field
		`{ submissions(regionCod: \"419900\") { totalCount } }`,                 // argument
		`{ submissions(status: APPROVE) { totalCount } }`,                       // enum value
		`query($s: SubmissionStatu) { submissions(status: $s) { totalCount } }`, // type
		`{ plan { code { x } } }`,                                               // scalar with a selection
	}
	for _, introspection := range []bool{true, false} {
		h := handlerWith(t, e, io.Discard, introspection, server.Budget{})
		suggested := 0
		for _, q := range queries {
			r := post(t, h, tok, `{"query":"`+q+`"}`)
			if r.code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("%s: %d %s", q, r.status, r.body)
			}
			if strings.Contains(r.body, "Did you mean") {
				suggested++
				if !introspection {
					t.Errorf("introspection off: %s suggests: %s", q, r.body)
				}
			}
		}
		// With introspection on, the validator's suggestions stay (the test would see none
		// otherwise).
		if introspection && suggested < 3 {
			t.Errorf("introspection on: %d of %d documents got suggestions, want at least 3", suggested, len(queries))
		}
	}
}

// handlerWith is the real handler over e's database with its own log, introspection setting and
// budget.
func handlerWith(tb testing.TB, e *testenv.Env, log io.Writer, introspection bool, b server.Budget) http.Handler {
	tb.Helper()
	keys, err := auth.LoadKeySet(testenv.Secret, "")
	if err != nil {
		tb.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.VerifierConfig{Keys: keys})
	if err != nil {
		tb.Fatal(err)
	}
	return server.New(server.Deps{DB: e.DB, Cache: e.Cache, Verifier: v, Introspection: introspection, Budget: b,
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))})
}

type rawResponse struct {
	status int
	body   string
	header http.Header
}

func (r rawResponse) code() string {
	const key = `"code":"`
	i := strings.Index(r.body, key)
	if i < 0 {
		return ""
	}
	rest := r.body[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

func post(tb testing.TB, h http.Handler, token, body string) rawResponse {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rawResponse{status: rec.Code, body: rec.Body.String(), header: rec.Header()}
}

// TestClientDisconnectNotAnError: a request whose client went away (its context cancelled)
// is not logged as an error.
func TestClientDisconnectNotAnError(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	var log testenv.Buffer
	h := handlerWith(t, e, &log, true, server.Budget{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Millisecond, cancel) // while the roll-up runs, as TestRequestTimeout's deadline
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ dashboard(regionCode: \"410000\", period: \"2021..2024\") { rows { total { value } } } }"}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.Token(t, city, auth.RoleAdmin))
	h.ServeHTTP(httptest.NewRecorder(), req)
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("a client disconnect logged as ERROR:\n%s", log.String())
	}
}
