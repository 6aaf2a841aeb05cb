package server_test

// The HTTP layer's authentication: without a token only introspection answers; a token that
// fails any check ends the request with 401 before GraphQL runs. Token verification itself
// is unit-tested in auth/; these tests prove the handler wires it in.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"planapi/auth"
	"planapi/testenv"
)

// serveGraphQL posts a GraphQL document through the handler with the Authorization header
// as given ("" for none). Unlike Env.Do it never calls the testing.TB, so goroutines may
// use it.
func serveGraphQL(h http.Handler, authorization, query string, vars map[string]any) *httptest.ResponseRecorder {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decodeGraphQL reads a recorded GraphQL response.
func decodeGraphQL(rec *httptest.ResponseRecorder) (*testenv.Response, error) {
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []testenv.Error `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return &testenv.Response{Status: rec.Code, Data: out.Data, Errors: out.Errors}, nil
}

// signHS256 signs arbitrary claims with the test secret, for tokens Mint refuses to make.
func signHS256(tb testing.TB, claims jwt.MapClaims) string {
	tb.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(testenv.Secret))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// signRawHS256 signs a payload given as raw JSON text with the test secret: a claim twice,
// names differing in case, exp as a string — what no encoder writes.
func signRawHS256(tb testing.TB, payload string) string {
	tb.Helper()
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	signing := head + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(signing, []byte(testenv.Secret))
	if err != nil {
		tb.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// mustMint mints a token for the city's admin with the test secret unless told otherwise.
func mustMint(tb testing.TB, secret string, c auth.MintClaims, now time.Time) string {
	tb.Helper()
	if c.Subject == "" {
		c.Subject = "admin-" + c.Region
	}
	if c.Role == "" {
		c.Role = auth.RoleAdmin
	}
	s, err := auth.Mint([]byte(secret), c, time.Hour, now)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// withPayload returns token with its payload's claims changed and its signature kept.
func withPayload(tb testing.TB, token string, change func(claims map[string]any)) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		tb.Fatal(err)
	}
	change(claims)
	raw, _ = json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// TestAnonymousRequests: without a token the request is served, but every data field
// answers UNAUTHENTICATED; only introspection works.
func TestAnonymousRequests(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)

	cases := []struct {
		name   string
		query  string
		fields []string // the root fields that must each error
	}{
		{"Plan", `{ plan { name } }`, []string{"plan"}},
		{"Viewer", `{ viewer { subject } }`, []string{"viewer"}},
		{"Submission", `{ submission(regionCode: "419902", period: "2021") { version values { value } } }`, []string{"submission"}},
		{"EveryRootField", `{
		  plan { name } indicator(code: "2.10") { name } task(code: "2.3.1") { title }
		  regions { code } region(code: "419902") { name } viewer { subject }
		  submission(regionCode: "419902", period: "2021") { version }
		  submissions { totalCount } reportingPeriods { period }
		}`, []string{"plan", "indicator", "task", "regions", "region", "viewer", "submission", "submissions", "reportingPeriods"}},
		{"Mutation", `mutation { openPeriod(period: "2024") { open } }`, []string{"openPeriod"}},
		{"SaveDataValues", `mutation { saveDataValues(input: {regionCode: "419902", period: "2021", expectedVersion: 3, values: [{element: "TIPS_RECEIVED", value: 1}]}) { version } }`, []string{"saveDataValues"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := e.Do(t, "", c.query, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d, want 200", r.Status)
			}
			var paths []string
			for _, err := range r.Errors {
				if code, _ := err.Extensions["code"].(string); code != "UNAUTHENTICATED" {
					t.Errorf("error %+v, want UNAUTHENTICATED", err)
				}
				if len(err.Path) == 1 {
					paths = append(paths, fmt.Sprint(err.Path[0]))
				}
			}
			slices.Sort(paths)
			want := slices.Sorted(slices.Values(c.fields))
			if !slices.Equal(paths, want) {
				t.Errorf("errors on %v, want one on each of %v", paths, want)
			}
			// Nothing leaks: the data is null, or every field in it is.
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err == nil {
				for k, v := range data {
					if v != nil {
						t.Errorf("data.%s = %v, want null", k, v)
					}
				}
			}
		})
	}

	t.Run("Introspection", func(t *testing.T) {
		t.Parallel()
		var out struct {
			Schema struct {
				QueryType    struct{ Name string }
				MutationType struct{ Name string }
			} `json:"__schema"`
			Typename string `json:"__typename"`
		}
		e.MustOK(t, "", `{ __typename __schema { queryType { name } mutationType { name } } }`, nil, &out)
		if out.Schema.QueryType.Name != "Query" || out.Schema.MutationType.Name != "Mutation" || out.Typename != "Query" {
			t.Errorf("introspection = %+v", out)
		}
	})

	// The refused mutations above changed nothing.
	t.Cleanup(func() {
		var n int64
		if err := e.Owner.Raw(`SELECT count(*) FROM reporting_periods WHERE period = '2024'`).Row().Scan(&n); err != nil || n != 0 {
			t.Errorf("2024 has %d period rows (%v) after anonymous openPeriod, want 0", n, err)
		}
	})
}

// TestBadTokens: a token that fails any check, or an Authorization header that is not a
// bearer token, ends the request with HTTP 401 and UNAUTHENTICATED, whatever it asks.
func TestBadTokens(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	now := time.Now()
	cityAdmin := auth.MintClaims{Region: city}
	valid := e.Token(t, city, auth.RoleAdmin)
	reporter := e.Token(t, city, auth.RoleReporter)
	registered := func(c jwt.MapClaims) jwt.MapClaims {
		c["sub"], c["iat"], c["nbf"], c["exp"] = "admin-419900", now.Unix(), now.Unix(), now.Add(time.Hour).Unix()
		return c
	}
	// A county clerk's claims as JSON text, then whatever follows.
	rawClerk := func(sub, exp string, more string) string {
		return signRawHS256(t, fmt.Sprintf(`{"sub":%s,"region":"%s","role":"reporter","iat":%d,"nbf":%d,"exp":%s%s}`,
			sub, countyA, now.Unix(), now.Unix(), exp, more))
	}
	expOK := fmt.Sprint(now.Add(time.Hour).Unix())
	algNone := func() string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		return h + "." + strings.Split(valid, ".")[1] + "."
	}()

	// The document opens a period: every header below, accepted, would open it as the city
	// admin (or fail with a coded error at 200); refused, it opens nothing.
	const openQ = `mutation { openPeriod(period: "2024") { open } }`
	cases := []struct {
		name          string
		authorization string
	}{
		{"Garbage", "Bearer garbage"},
		{"GarbageThreeParts", "Bearer aaa.bbb.ccc"},
		{"TamperedRole", "Bearer " + withPayload(t, reporter, func(c map[string]any) { c["role"] = "admin" })},
		{"TamperedRegion", "Bearer " + withPayload(t, e.Token(t, countyA, auth.RoleAdmin), func(c map[string]any) { c["region"] = city })},
		{"TamperedExpiry", "Bearer " + withPayload(t, mustMint(t, testenv.Secret, cityAdmin, now.Add(-3*time.Hour)), func(c map[string]any) { c["exp"] = now.Add(time.Hour).Unix() })},
		{"Expired", "Bearer " + mustMint(t, testenv.Secret, cityAdmin, now.Add(-2*time.Hour))},
		{"NotYetValid", "Bearer " + mustMint(t, testenv.Secret, cityAdmin, now.Add(time.Hour))},
		{"WrongKey", "Bearer " + mustMint(t, "another-secret-0123456789-abcdefghijklmnop", cityAdmin, now)},
		{"AlgNone", "Bearer " + algNone},
		{"NoExpiry", "Bearer " + signHS256(t, jwt.MapClaims{"sub": "admin-419900", "region": city, "role": "admin"})},
		{"UnknownRole", "Bearer " + signHS256(t, registered(jwt.MapClaims{"region": city, "role": "superuser"}))},
		{"RoleWrongCase", "Bearer " + signHS256(t, registered(jwt.MapClaims{"region": city, "role": "Admin"}))},
		{"NoRegion", "Bearer " + signHS256(t, registered(jwt.MapClaims{"role": "admin"}))},
		{"MalformedRegion", "Bearer " + signHS256(t, registered(jwt.MapClaims{"region": "4199", "role": "admin"}))},
		{"NumericRegion", "Bearer " + signHS256(t, registered(jwt.MapClaims{"region": 419900, "role": "admin"}))},
		{"RegionDoesNotExist", "Bearer " + mustMint(t, testenv.Secret, auth.MintClaims{Region: "999999"}, now)},
		{"RegionNotInTree", "Bearer " + mustMint(t, testenv.Secret, auth.MintClaims{Region: "110101"}, now)},
		{"RegionSiblingCity", "Bearer " + mustMint(t, testenv.Secret, auth.MintClaims{Region: "419800"}, now)},
		// Strict claims (issue 10): encoding/json alone would read the first as the city's admin.
		{"CaseVariantClaimsAfterTheRealOnes", "Bearer " + rawClerk(`"clerk"`, expOK, `,"Region":"`+city+`","ROLE":"admin"`)},
		{"DuplicateRoleLastWouldWin", "Bearer " + rawClerk(`"clerk"`, expOK, `,"role":"admin","region":"`+city+`"`)},
		{"StringExp", "Bearer " + rawClerk(`"clerk"`, `"`+expOK+`"`, ``)},
		{"BlankSub", "Bearer " + rawClerk(`" "`, expOK, ``)},
		{"NULSub", "Bearer " + rawClerk(`"clerk\u0000"`, expOK, ``)},
		{"NewlineSub", "Bearer " + rawClerk(`"clerk\nlevel=ERROR"`, expOK, ``)},
		{"Basic", "Basic YWRtaW46YWRtaW4="},
		{"BearerWithoutToken", "Bearer"},
		{"BearerBlank", "Bearer    "},
		{"NoScheme", valid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := serveGraphQL(e.Handler, c.authorization, openQ, nil)
			r, err := decodeGraphQL(rec)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d (%s), want 401", r.Status, rec.Body.String())
			}
			if len(r.Errors) != 1 || r.Code() != "UNAUTHENTICATED" {
				t.Errorf("errors = %+v, want one UNAUTHENTICATED", r.Errors)
			}
			// Refused before anything ran: no data entry (GraphQL over HTTP).
			if r.Data != nil {
				t.Errorf("data = %q, want no data entry", r.Data)
			}
			if h := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", h)
			}
		})
	}

	// The same request with the untouched token goes through: the 401s above are the
	// handler's answer to the token, not to the request.
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		for _, h := range []string{"Bearer " + valid, "bearer " + valid, "Bearer  " + valid + " "} {
			r, err := decodeGraphQL(serveGraphQL(e.Handler, h, `{ viewer { subject role region { code } } }`, nil))
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Viewer struct {
					Subject, Role string
					Region        struct{ Code string }
				}
			}
			r.Decode(t, &out)
			if r.Status != http.StatusOK || out.Viewer.Subject != "admin-419900" || out.Viewer.Role != "ADMIN" || out.Viewer.Region.Code != city {
				t.Errorf("%q: status %d, viewer %+v", h[:8], r.Status, out.Viewer)
			}
		}
	})

	// No refused token opened the period.
	t.Cleanup(func() {
		var n int64
		if err := e.Owner.Raw(`SELECT count(*) FROM reporting_periods WHERE period = '2024'`).Row().Scan(&n); err != nil || n != 0 {
			t.Errorf("2024 has %d period rows (%v) after refused tokens, want 0", n, err)
		}
	})
}

// TestBadTokenAnswerRevealsNothing: auth.ErrUnauthenticated's contract is that the reason a
// token was refused goes to the server log and the client gets a plain "unauthenticated",
// so a forger cannot tell how far a token got. Every refusal must answer the same message.
func TestBadTokenAnswerRevealsNothing(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	now := time.Now()
	tokens := map[string]string{
		"Garbage":            "garbage",
		"WrongKey":           mustMint(t, "another-secret-0123456789-abcdefghijklmnop", auth.MintClaims{Region: city}, now),
		"Expired":            mustMint(t, testenv.Secret, auth.MintClaims{Region: city}, now.Add(-2*time.Hour)),
		"RegionDoesNotExist": mustMint(t, testenv.Secret, auth.MintClaims{Region: "999999"}, now),
	}
	messages := map[string][]string{}
	for name, tok := range tokens {
		r, err := decodeGraphQL(serveGraphQL(e.Handler, "Bearer "+tok, `{ viewer { subject } }`, nil))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 {
			t.Fatalf("%s: status %d, errors %+v", name, r.Status, r.Errors)
		}
		messages[r.Errors[0].Message] = append(messages[r.Errors[0].Message], name)
	}
	if len(messages) != 1 {
		t.Errorf("refusals answer %d different messages, want one: %v", len(messages), messages)
	}
}
