package server_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/server"
	"planapi/server/playground"
	"planapi/testenv"
)

// The Playground works on an intranet without internet: the page names no URL outside the
// server, and everything it loads is served from the binary.
func TestPlaygroundOffline(t *testing.T) {
	e := testenv.New(t)
	page := httpGet(t, e.Handler, "/", nil)
	if page.Code != http.StatusOK || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %q", page.Code, page.Header().Get("Content-Type"))
	}
	doc := page.Body.String()
	if u := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).FindString(doc); u != "" {
		t.Errorf("the page names %q, outside the server", u)
	}
	for _, want := range []string{"plan", "categories", "target", "Authorization", "paste a token printed at start-up"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the page lacks %q (default query and headers)", want)
		}
	}

	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"(?:\s+integrity="([^"]+)")?`).FindAllStringSubmatch(doc, -1)
	if len(refs) < 4 {
		t.Fatalf("the page references %d assets, want React, ReactDOM, GraphiQL's script and style: %v", len(refs), refs)
	}
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}
	for _, ref := range refs {
		path, sri := html.UnescapeString(ref[1]), html.UnescapeString(ref[2])
		t.Run(path, func(t *testing.T) {
			if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
				t.Fatalf("%q is not a path on this server", path)
			}
			rec := httpGet(t, e.Handler, path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			ct := rec.Header().Get("Content-Type")
			ext := path[strings.LastIndex(path, "."):]
			if !strings.HasPrefix(ct, wantType[ext]) || wantType[ext] == "" {
				t.Errorf("Content-Type %q for %s", ct, ext)
			}
			if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
				t.Errorf("Cache-Control %q, want a long lifetime", cc)
			}
			if sri == "" || playground.SRI(rec.Body.Bytes()) != sri {
				t.Errorf("integrity %q does not match the body served", sri)
			}
			if ext == ".css" {
				// Fonts and images come inline; nothing else is fetched.
				for _, m := range regexp.MustCompile(`url\(\s*['"]?([^'")]{0,40})`).FindAllStringSubmatch(rec.Body.String(), -1) {
					if !strings.HasPrefix(m[1], "data:") && !strings.HasPrefix(m[1], "#") {
						t.Errorf("the stylesheet loads %q", m[1])
					}
				}
				if strings.Contains(rec.Body.String(), "@import") {
					t.Error("the stylesheet @imports")
				}
			}
			// A revalidation costs nothing.
			again := httpGet(t, e.Handler, path, http.Header{"If-None-Match": {rec.Header().Get("ETag")}})
			if again.Code != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", again.Code)
			}
		})
	}
	for _, lic := range []string{"graphiql-4.1.2/LICENSE", "react-18.2.0/LICENSE", "react-dom-18.2.0/LICENSE"} {
		if rec := httpGet(t, e.Handler, playground.AssetPrefix+lic, nil); rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", lic, rec.Code)
		}
	}
	if rec := httpGet(t, e.Handler, playground.AssetPrefix+"graphiql-4.1.2/nope.js", nil); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown asset: status %d, want 404", rec.Code)
	}
}

// A page of an allowed origin may call the API from a browser; any other origin's page may not
// read the answers; without CORS_ORIGINS no origin may.
func TestCORS(t *testing.T) {
	e := testenv.New(t)
	const allowed, refused = "https://dashboard.example.gov.cn", "https://evil.example.com"
	h := testenv.HandlerWith(t, e.DB, e.Cache, func(d *server.Deps) {
		d.CORSOrigins = []string{allowed, "http://localhost:3000"}
	})
	tok := e.Token(t, "419900", auth.RoleAnalyst)

	preflight := func(h http.Handler, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	actual := func(h http.Handler, origin, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ plan { name } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	t.Run("PreflightAllowed", func(t *testing.T) {
		rec := preflight(h, allowed)
		if rec.Code/100 != 2 {
			t.Fatalf("status %d", rec.Code)
		}
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != allowed {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
		if got := rec.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
			t.Errorf("Access-Control-Allow-Methods %q", got)
		}
		got := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
		for _, want := range []string{"authorization", "content-type"} {
			if !strings.Contains(got, want) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", got, want)
			}
		}
		if rec.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Error("credentials allowed: the token travels in Authorization, never in a cookie")
		}
	})
	t.Run("PreflightRefusedOrigin", func(t *testing.T) {
		rec := preflight(h, refused)
		for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods"} {
			if v := rec.Header().Get(name); v != "" {
				t.Errorf("%s: %q", name, v)
			}
		}
	})
	t.Run("PreflightRefusedHeader", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", allowed)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "x-planapi-admin")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("a header not on the list was allowed: %q", v)
		}
	})
	t.Run("AllowedOrigin", func(t *testing.T) {
		rec := actual(h, allowed, tok)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"plan"`) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != allowed {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
		if !strings.Contains(rec.Header().Get("Vary"), "Origin") {
			t.Errorf("Vary %q: a cache would serve one origin's answer to another", rec.Header().Get("Vary"))
		}
	})
	t.Run("AllowedOriginRefusedToken", func(t *testing.T) {
		// The frontend must be able to read a 401 to send its user to log in again.
		rec := actual(h, allowed, "not-a-token")
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("Access-Control-Allow-Origin") != allowed {
			t.Errorf("status %d, Access-Control-Allow-Origin %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("RefusedOrigin", func(t *testing.T) {
		rec := actual(h, refused, tok)
		if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("Access-Control-Allow-Origin %q", v)
		}
	})
	t.Run("NoOriginsConfigured", func(t *testing.T) {
		for _, rec := range []*httptest.ResponseRecorder{preflight(e.Handler, allowed), actual(e.Handler, allowed, tok)} {
			if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("Access-Control-Allow-Origin %q without CORS_ORIGINS", v)
			}
		}
	})
}

// GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): the status, the
// content type and the data entry follow the Accept header.
func TestHTTPStatusByAccept(t *testing.T) {
	e := testenv.New(t)
	tok := e.Token(t, "419900", auth.RoleAnalyst)
	admin := e.Token(t, "419900", auth.RoleAdmin)
	const (
		jsonCT = "application/json"
		gqlCT  = "application/graphql-response+json"
	)
	docs := []struct {
		name, body   string
		requestError bool
	}{
		{"ParseError", `{"query":"{ plan { name "}`, true},
		{"ValidationError", `{"query":"{ plan { nope } }"}`, true},
		{"BadVariables", `{"query":"query($c: String!) { plan(code: $c) { name } }","variables":{"c":{"not":"a string"}}}`, true},
		{"BudgetRefusal", `{"query":"{ ` + aliasesOfRegions(25) + ` }"}`, true},
		{"GoodQuery", `{"query":"{ plan { name } }"}`, false},
		{"FieldError", `{"query":"{ plan { name } dashboard(regionCode: \"419900\", period: \"not-a-period\") { rows { indicator { code } } } }"}`, false},
	}
	accepts := []struct {
		name, accept string
		ct           string // "" = 406
	}{
		{"JSON", "application/json", jsonCT},
		{"GraphQLResponse", "application/graphql-response+json", gqlCT},
		{"GraphQLResponseWithCharset", "application/graphql-response+json; charset=utf-8", gqlCT},
		{"Preferred", "application/graphql-response+json, application/json;q=0.9", gqlCT},
		{"JSONPreferredByQ", "application/graphql-response+json;q=0.5, application/json", jsonCT},
		{"Any", "*/*", jsonCT},
		{"None", "", jsonCT},
		{"Unsupported", "text/html", ""},
		{"RefusedByQ", "application/json;q=0", ""},
	}
	for _, d := range docs {
		for _, a := range accepts {
			t.Run(d.name+"/"+a.name, func(t *testing.T) {
				h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + tok}}
				if a.accept != "" {
					h.Set("Accept", a.accept)
				}
				rec := httpPost(t, e.Handler, d.body, h)
				wantStatus, wantCT, wantData := http.StatusOK, a.ct, !d.requestError
				switch {
				case a.ct == "":
					wantStatus, wantCT, wantData = http.StatusNotAcceptable, jsonCT, false
				case d.requestError && a.ct == gqlCT:
					wantStatus = http.StatusBadRequest
				}
				checkAnswer(t, rec, wantStatus, wantCT, wantData)
			})
		}
	}

	// GET follows the same rules, runs queries only, and the service's own statuses stay.
	for _, tc := range []struct {
		name, method, target, body, accept, token string
		status                                    int
		ct                                        string
		data                                      bool
	}{
		{"GETGoodQuery", "GET", "/graphql?query=" + url.QueryEscape("{ plan { name } }"), "", gqlCT, tok, 200, gqlCT, true},
		{"GETParseErrorJSON", "GET", "/graphql?query=" + url.QueryEscape("{ plan {"), "", jsonCT, tok, 200, jsonCT, false},
		{"GETParseErrorGraphQLResponse", "GET", "/graphql?query=" + url.QueryEscape("{ plan {"), "", gqlCT, tok, 400, gqlCT, false},
		{"GETMutation", "GET", "/graphql?query=" + url.QueryEscape(`mutation { openPeriod(period: "2030") { period } }`), "", gqlCT, admin, 405, gqlCT, false},
		{"GETBadVariablesJSON", "GET", "/graphql?query=" + url.QueryEscape("{ plan { name } }") + "&variables=%7B", "", jsonCT, tok, 400, jsonCT, false},
		{"GETUnsupported", "GET", "/graphql?query=" + url.QueryEscape("{ plan { name } }"), "", "image/png", tok, 406, jsonCT, false},
		{"NoQuery", "POST", "/graphql", `{"variables":{}}`, gqlCT, tok, 400, gqlCT, false},
		{"MalformedJSON", "POST", "/graphql", `{"query":`, gqlCT, tok, 400, gqlCT, false},
		{"BadTokenGraphQLResponse", "POST", "/graphql", `{"query":"{ plan { name } }"}`, gqlCT, "forged", 401, gqlCT, false},
		{"BadTokenJSON", "POST", "/graphql", `{"query":"{ plan { name } }"}`, jsonCT, "forged", 401, jsonCT, false},
		{"AnonymousDataField", "POST", "/graphql", `{"query":"{ plan { name } }"}`, gqlCT, "", 200, gqlCT, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Accept": {tc.accept}}
			if tc.token != "" {
				h.Set("Authorization", "Bearer "+tc.token)
			}
			var rec *httptest.ResponseRecorder
			if tc.method == "GET" {
				rec = httpGet(t, e.Handler, tc.target, h)
			} else {
				h.Set("Content-Type", "application/json")
				rec = httpPost(t, e.Handler, tc.body, h)
			}
			checkAnswer(t, rec, tc.status, tc.ct, tc.data)
			if tc.status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "POST" {
				t.Errorf("Allow %q, want POST", rec.Header().Get("Allow"))
			}
		})
	}
	// The mutation sent with GET did not run.
	var out struct {
		ReportingPeriods []struct{ Period string } `json:"reportingPeriods"`
	}
	e.MustOK(t, admin, `{ reportingPeriods(regionCode: "419900") { period } }`, nil, &out)
	for _, p := range out.ReportingPeriods {
		if p.Period == "2030" {
			t.Error("a mutation sent with GET ran")
		}
	}
}

// aliasesOfRegions asks for regions under n aliases: over the alias limit (20), refused before
// anything runs.
func aliasesOfRegions(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("r")
		b.WriteString(strings.Repeat("x", i+1))
		b.WriteString(": regions { code } ")
	}
	return b.String()
}

func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, status int, ct string, data bool) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, ct) || (ct == "application/json" && strings.HasPrefix(got, "application/graphql")) {
		t.Errorf("Content-Type %q, want %s", got, ct)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, rec.Body)
	}
	if _, has := body["data"]; has != data {
		t.Errorf("data entry present: %v, want %v: %s", has, data, rec.Body)
	}
	if !data {
		if _, has := body["errors"]; !has {
			t.Errorf("no errors entry: %s", rec.Body)
		}
	}
}

func httpGet(t *testing.T, h http.Handler, target string, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func httpPost(t *testing.T, h http.Handler, body string, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", io.NopCloser(strings.NewReader(body)))
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
