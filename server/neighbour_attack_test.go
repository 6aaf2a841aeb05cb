package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// rawAnswer is what the handler answered to a hand-made request.
type rawAnswer struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []testenv.Error `json:"errors"`
	Body   string
}

func (a rawAnswer) codes() []string {
	var c []string
	for _, e := range a.Errors {
		s, _ := e.Extensions["code"].(string)
		c = append(c, s)
	}
	return c
}

// rawDo sends body to /graphql with the given method, content type and token ("" none).
func rawDo(t *testing.T, e *testenv.Env, method, contentType, token, target string, body []byte) rawAnswer {
	t.Helper()
	if target == "" {
		target = "/graphql"
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	a := rawAnswer{Status: rec.Code, Body: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &a)
	return a
}

// dataHoldsNothing fails unless data is null or every root field in it is null or __typename
// / introspection (keys starting with "__" or listed in open).
func dataHoldsNothing(t *testing.T, data json.RawMessage, open ...string) {
	t.Helper()
	if len(data) == 0 || string(data) == "null" {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("data %s: %v", data, err)
	}
	for k, v := range m {
		if v == nil || strings.HasPrefix(k, "__") {
			continue
		}
		ok := false
		for _, o := range open {
			ok = ok || o == k
		}
		if !ok {
			t.Errorf("anonymous data.%s = %v", k, v)
		}
	}
}

// TestNeighbourAttackAnonymousShapes: the root-field check (requirePrincipal) holds whatever
// shape the anonymous document takes: aliases, fragments and inline fragments on Query and
// Mutation, directives, __typename and introspection beside data, several operations, GET,
// persisted queries; and a mutation reached through a fragment changes nothing.
func TestNeighbourAttackAnonymousShapes(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	fingerprint := func() string {
		var s string
		if err := e.Owner.Raw(`SELECT (SELECT count(*) FROM reporting_periods)::text || '/' || (SELECT count(*) FROM submissions)::text || '/' ||
			(SELECT coalesce(sum(version), 0) FROM submissions)::text || '/' || (SELECT count(*) FROM data_values)::text || '/' || (SELECT count(*) FROM publications)::text`).Row().Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := fingerprint()

	for name, c := range map[string]struct {
		query, op string
		open      []string // root keys allowed to hold data (introspection under an alias)
	}{
		"Alias":                  {query: `{ x: submissions(regionCode: "419902") { totalCount } y: regions { code } }`},
		"AliasNamedLikeIntro":    {query: `{ __schema_: regions { code } }`},
		"FragmentOnQuery":        {query: `query { ...F } fragment F on Query { regions { code } submission(regionCode: "419902", period: "2021") { version } }`},
		"InlineFragment":         {query: `{ ... on Query { regions { code } } ... { viewer { subject } } }`},
		"NestedFragments":        {query: `{ ...A } fragment A on Query { ...B } fragment B on Query { ... on Query { plan { name } } }`},
		"IncludeSkip":            {query: `{ regions @include(if: true) { code } plan @skip(if: false) { name } }`},
		"TypenameAndData":        {query: `{ __typename regions { code } }`},
		"IntrospectionAndData":   {query: `{ __schema { queryType { name } } __type(name: "Query") { name } submissions { edges { node { period } } } }`},
		"IntrospectionAlias":     {query: `{ s: __schema { queryType { name } } r: regions { code } }`, open: []string{"s"}},
		"Rollup":                 {query: `{ indicatorValues(regionCode: "419900", period: "2022") { value } dashboard(regionCode: "419900", period: "2022") { rows { total { value } } } }`},
		"SecondOperationChosen":  {query: `query A { __typename } query B { regions { code } }`, op: "B"},
		"MutationInFragment":     {query: `mutation { ...M } fragment M on Mutation { openPeriod(period: "2031") { open } publishPeriod(regionCode: "419900", period: "2022") { version } }`},
		"MutationInlineFragment": {query: `mutation { ... on Mutation { a: openPeriod(period: "2032") { open } } __typename }`},
		"MutationChosenByName":   {query: `query Q { __typename } mutation M { closePeriod(period: "2023Q1") { open } }`, op: "M"},
	} {
		t.Run(name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": c.query, "operationName": c.op})
			a := rawDo(t, e, http.MethodPost, "application/json", "", "", body)
			if a.Status != http.StatusOK {
				t.Fatalf("status %d: %s", a.Status, a.Body)
			}
			if len(a.Errors) == 0 {
				t.Fatalf("no error: %s", a.Body)
			}
			for _, c := range a.codes() {
				if c != "UNAUTHENTICATED" {
					t.Errorf("code %q in %s", c, a.Body)
				}
			}
			dataHoldsNothing(t, a.Data, c.open...)
		})
	}

	t.Run("GET", func(t *testing.T) {
		q := url.Values{"query": {`{ ...F } fragment F on Query { r: regions { code } }`}}
		a := rawDo(t, e, http.MethodGet, "", "", "/graphql?"+q.Encode(), nil)
		if got := a.codes(); len(got) != 1 || got[0] != "UNAUTHENTICATED" {
			t.Errorf("GET: %s", a.Body)
		}
		dataHoldsNothing(t, a.Data)
	})

	t.Run("PersistedQuery", func(t *testing.T) {
		q := `{ regions { code } }`
		sum := sha256.Sum256([]byte(q))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		// Registered anonymously with the query: refused; then the hash alone: refused too.
		for _, body := range []map[string]any{{"query": q, "extensions": ext}, {"extensions": ext}} {
			b, _ := json.Marshal(body)
			a := rawDo(t, e, http.MethodPost, "application/json", "", "", b)
			for _, c := range a.codes() {
				if c != "UNAUTHENTICATED" {
					t.Errorf("persisted: %s", a.Body)
				}
			}
			if len(a.Errors) == 0 {
				t.Errorf("persisted: no error: %s", a.Body)
			}
			dataHoldsNothing(t, a.Data)
		}
	})

	t.Run("Batch", func(t *testing.T) {
		b := []byte(`[{"query":"{ regions { code } }"},{"query":"{ __typename }"}]`)
		if a := rawDo(t, e, http.MethodPost, "application/json", "", "", b); a.Status != http.StatusBadRequest || strings.Contains(a.Body, "419902") {
			t.Errorf("batch: %d %s", a.Status, a.Body)
		}
	})

	if after := fingerprint(); after != before {
		t.Errorf("anonymous requests changed the database: %s -> %s", before, after)
	}
}

// TestNeighbourAttackScope: a county clerk asks for its sibling's, its city's, another city's
// and its province's raw figures, task roll-ups, periods and report; a city reviewer of XX市
// for YY市's and the province's; and each asks with region codes that are prefixes, patterns,
// paths or junk. Every answer is a refusal (NOT_FOUND, FORBIDDEN, BAD_USER_INPUT) or holds
// nothing of a region outside the caller's line.
func TestNeighbourAttackScope(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := e.Token(t, countyA, auth.RoleReporter)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	type probe struct {
		token, query string
		vars         map[string]any
		codes        []string // acceptable error codes; nil: no error
		want         string   // with no error: the data exactly
	}
	refused := []string{"NOT_FOUND", "FORBIDDEN", "BAD_USER_INPUT"}
	var probes []probe
	// Raw figures and roll-ups of a region outside the caller's scope and line.
	outside := map[string][]string{
		clerk:    {countyB, "419921", "419700", "419701", "419702"},
		reviewer: {"419700", "419701", "419702"},
	}
	junk := []string{"", "4199", "41990", "4199%", "41990_", "419900/", "%", "_", "410000/419900/", "/410000/", "419902\x00", "419902 ", "４１９９０２",
		"419902\n", strings.Repeat("4", 10000), "419900' OR '1'='1"}
	for tok, regions := range outside {
		for _, r := range append(append([]string{}, regions...), junk...) {
			v := map[string]any{"r": r}
			probes = append(probes,
				probe{tok, `query($r: String!) { submission(regionCode: $r, period: "2022") { status } }`, v, nil, `{"submission":null}`},
				probe{tok, `query($r: String!) { submissions(regionCode: $r) { totalCount edges { node { period } } } }`, v, refused, `{"submissions":{"totalCount":0,"edges":[]}}`},
				probe{tok, `query($r: String!) { indicatorValues(regionCode: $r, period: "2022") { value } }`, v, refused, ""},
				probe{tok, `query($r: String!) { dashboard(regionCode: $r, period: "2022") { rows { total { value } } } }`, v, refused, ""},
				probe{tok, `query($r: String!) { taskRollup(regionCode: $r, period: "2021..2022") { outputs { value } } }`, v, refused, ""},
				probe{tok, `query($r: String!) { taskRollup(regionCode: $r, period: "2022") { outputs { value } } }`, v, refused, ""},
				probe{tok, `query($r: String!) { reportingPeriods(regionCode: $r) { period } }`, v, refused, `{"reportingPeriods":[]}`},
				probe{tok, `query($r: String!) { reportingStatus(regionCode: $r, period: "2022") { __typename } }`, v, refused, `{"reportingStatus":[]}`},
				probe{tok, `query($r: String!) { evaluationReport(regionCode: $r, asOf: "2023Q1") { title sections { paragraphs } } }`, v, refused, ""},
				probe{tok, `query($r: String!) { indicator(code: "2.10") { values(regionCode: $r, periods: ["2022"]) { value } assessment(regionCode: $r) { status } } }`, v, refused, ""},
				probe{tok, `query($r: String!) { entryForm(regionCode: $r, period: "2022") { __typename } }`, v, refused, ""},
			)
		}
	}
	// Above the caller: no range, no preview (a range's total is never published).
	for _, q := range []string{
		`{ indicatorValues(regionCode: "419900", period: "2021..2022") { value } }`,
		`{ taskRollup(regionCode: "419900", period: "2021..2022") { outputs { value } } }`,
		`{ taskRollup(regionCode: "410000", period: "2022") { outputs { value } } }`,
		`{ taskRollup(regionCode: "419900", period: "2022", includeUnapproved: true) { outputs { value } } }`,
		`{ dashboard(regionCode: "419900", period: "2021..2022") { rows { total { value } } } }`,
	} {
		probes = append(probes, probe{clerk, q, nil, refused, ""})
	}
	for _, q := range []string{
		`{ taskRollup(regionCode: "410000", period: "2021..2022") { outputs { value } } }`,
		`{ indicatorValues(regionCode: "410000", period: "2022", includeUnapproved: true) { value } }`,
	} {
		probes = append(probes, probe{reviewer, q, nil, refused, ""})
	}
	// The province's periods: only the caller's own city's.
	for _, tok := range []string{clerk, reviewer} {
		probes = append(probes, probe{tok, `{ reportingPeriods(regionCode: "410000") { region { code } } }`, nil, nil, "own-city"})
		probes = append(probes, probe{tok, `{ submissions(regionCode: "410000") { edges { node { region { code } } } } }`, nil, nil, "own-subtree"})
	}

	for i, p := range probes {
		r := e.Do(t, p.token, p.query, p.vars)
		name := fmt.Sprintf("#%d %.120q %.40q", i, p.query, fmt.Sprint(p.vars["r"]))
		if r.Status != http.StatusOK {
			t.Errorf("%s: status %d %+v", name, r.Status, r.Errors)
			continue
		}
		if len(r.Errors) > 0 {
			if !slices.Contains(p.codes, r.Code()) {
				t.Errorf("%s: %s %+v", name, r.Code(), r.Errors)
			}
			dataHoldsNothing(t, r.Data)
			continue
		}
		switch p.want {
		case "own-city", "own-subtree":
			for _, foreign := range []string{"419700", "419701", "419702", countyB} {
				if (p.want == "own-city" || p.token == clerk) && strings.Contains(string(r.Data), foreign) {
					t.Errorf("%s: %s", name, r.Data)
				}
			}
		case "":
			// An answer is allowed only where a refusal was not required: none here.
			t.Errorf("%s: answered %s", name, r.Data)
		default:
			if string(r.Data) != p.want {
				t.Errorf("%s: %s, want %s", name, r.Data, p.want)
			}
		}
	}
}

// TestNeighbourAttackHostile: hostile bodies and arguments never answer INTERNAL, never a
// 5xx, and never let an anonymous or a county caller past its scope: wrong content types,
// duplicate keys (the last must not smuggle in a second query past the first's checks),
// NUL and control characters in arguments, huge lists of periods, a body over the limit.
func TestNeighbourAttackHostile(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := e.Token(t, countyA, auth.RoleReporter)
	notInternal := func(t *testing.T, name string, a rawAnswer) {
		t.Helper()
		if a.Status >= 500 {
			t.Errorf("%s: status %d %s", name, a.Status, a.Body)
		}
		for _, c := range a.codes() {
			if c == "INTERNAL" || c == "" {
				t.Errorf("%s: code %q in %.300s", name, c, a.Body)
			}
		}
	}
	t.Run("Bodies", func(t *testing.T) {
		for name, c := range map[string]struct {
			ct, token string
			body      string
		}{
			"TextPlain":         {"text/plain", "", `{"query":"{ regions { code } }"}`},
			"Form":              {"application/x-www-form-urlencoded", "", `query=%7B+regions+%7B+code+%7D+%7D`},
			"Multipart":         {"multipart/form-data; boundary=x", "", "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ regions { code } }\"}\r\n--x--\r\n"},
			"DuplicateQuery":    {"application/json", "", `{"query":"{ __typename }","query":"{ regions { code } }"}`},
			"DuplicateQueryTok": {"application/json", clerk, `{"query":"{ __typename }","query":"query($r: String!) { submission(regionCode: $r, period: \"2022\") { status } }","variables":{"r":"419902","r":"419903"}}`},
			"VariablesArray":    {"application/json", clerk, `{"query":"query($r: String!) { submission(regionCode: $r, period: \"2022\") { status } }","variables":["419903"]}`},
			"QueryNotString":    {"application/json", clerk, `{"query":{"q":"{ regions { code } }"}}`},
			"Null":              {"application/json", clerk, `null`},
			"DeepJSON":          {"application/json", clerk, `{"query":"{ __typename }","variables":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000) + `}`},
			"NULInQuery":        {"application/json", clerk, `{"query":"{ submission(regionCode: \"419902\u0000\", period: \"2022\") { status } }"}`},
			"BadUTF8":           {"application/json", clerk, "{\"query\":\"{ submission(regionCode: \\\"41990\xff\\\", period: \\\"2022\\\") { status } }\"}"},
		} {
			a := rawDo(t, e, http.MethodPost, c.ct, c.token, "", []byte(c.body))
			notInternal(t, name, a)
			if strings.Contains(a.Body, "419903") || strings.Contains(a.Body, "419921") || (c.token == "" && strings.Contains(a.Body, "419902")) {
				t.Errorf("%s: %.300s", name, a.Body)
			}
			if c.token == clerk && strings.Contains(a.Body, `"status":"APPROVED"`) && strings.Contains(c.body, "419903") {
				t.Errorf("%s: a sibling's submission: %s", name, a.Body)
			}
		}
		// Over the body limit.
		big := append([]byte(`{"query":"{ __typename }","variables":{"x":"`), bytes.Repeat([]byte("a"), 2<<20)...)
		big = append(big, `"}}`...)
		if a := rawDo(t, e, http.MethodPost, "application/json", clerk, "", big); a.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("2 MiB body: %d %.200s", a.Status, a.Body)
		}
	})
	t.Run("Arguments", func(t *testing.T) {
		many := make([]string, 5000)
		for i := range many {
			many[i] = "2022"
		}
		for name, c := range map[string]struct {
			q    string
			vars map[string]any
		}{
			"NULPeriod":       {`query($p: String!) { indicatorValues(regionCode: "419902", period: $p) { value } }`, map[string]any{"p": "2022\x00"}},
			"ControlPeriod":   {`query($p: String!) { taskRollup(regionCode: "419902", period: $p) { outputs { value } } }`, map[string]any{"p": "2021\x1b..2022"}},
			"LongPeriod":      {`query($p: String!) { dashboard(regionCode: "419902", period: $p) { rows { total { value } } } }`, map[string]any{"p": strings.Repeat("2022..", 50000)}},
			"WideRange":       {`{ indicatorValues(regionCode: "419902", period: "0001..9999Q4") { value } }`, nil},
			"ReversedRange":   {`{ taskRollup(regionCode: "419902", period: "2023..2021") { outputs { value } } }`, nil},
			"ManyPeriods":     {`query($ps: [String!]!) { indicator(code: "2.10") { values(regionCode: "419902", periods: $ps) { value } } }`, map[string]any{"ps": many}},
			"ManyCodes":       {`query($cs: [String!]) { indicatorValues(regionCode: "419902", period: "2022", indicatorCodes: $cs) { value } }`, map[string]any{"cs": many}},
			"NULIndicator":    {`query($c: String!) { indicator(code: $c) { code } }`, map[string]any{"c": "2.10\x00"}},
			"NULCursor":       {`query($a: String) { submissions(after: $a) { totalCount } }`, map[string]any{"a": "\x00\x01"}},
			"ForgedCursor":    {`query($a: String) { submissions(after: $a) { edges { node { region { code } } } } }`, map[string]any{"a": "eyJpZCI6MH0="}},
			"NegativeFirst":   {`{ submissions(first: -1) { totalCount } }`, nil},
			"HugeFirst":       {`{ submissions(first: 2147483647) { totalCount } }`, nil},
			"NULReason":       {`mutation { returnSubmission(regionCode: "419903", period: "2022", expectedVersion: 1, reason: "x\u0000") { status } }`, nil},
			"BidiRegion":      {`{ region(code: "419902\u202e") { code } }`, nil},
			"ManyAliases":     {`{ ` + strings.Repeat(`a: __typename `, 10) + strings.Repeat("x: viewer { subject } ", 25) + `}`, nil},
			"DeepRegionTree":  {`{ regions { ` + strings.Repeat("children { ", 15) + "code" + strings.Repeat(" }", 15) + ` } }`, nil},
			"ManyFragmentsOK": {`{ ...F ...F ...F ...F } fragment F on Query { viewer { subject } }`, nil},
		} {
			r := e.Do(t, clerk, c.q, c.vars)
			a := rawAnswer{Status: r.Status, Data: r.Data, Errors: r.Errors}
			b, _ := json.Marshal(r)
			a.Body = string(b)
			notInternal(t, name, a)
			if strings.Contains(string(r.Data), "419903") || strings.Contains(string(r.Data), "4197") {
				t.Errorf("%s: %s", name, r.Data)
			}
		}
	})
}

// TestNeighbourAttackListElements: lists marshalled inline or concurrently (ListMayWait) keep
// each element's own data and each element's error at its own path: a page with returnReason
// and values' history and flags is, node by node, what each submission answers alone; and an
// error in every element of a list (another city's values, NOT_FOUND) has that element's index.
func TestNeighbourAttackListElements(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	const node = `region { code } period status returnReason values { element { code } value history { action } flags { __typename } }`
	var page struct {
		Submissions struct {
			Edges []struct{ Node json.RawMessage } `json:"edges"`
		} `json:"submissions"`
	}
	e.MustOK(t, reviewer, `{ submissions(regionCode: "419900", first: 40) { edges { node { `+node+` } } } }`, nil, &page)
	if len(page.Submissions.Edges) < 2 {
		t.Fatal("too few submissions")
	}
	for _, edge := range page.Submissions.Edges {
		var id struct {
			Region struct{ Code string }
			Period string
		}
		_ = json.Unmarshal(edge.Node, &id)
		var one struct{ Submission json.RawMessage }
		e.MustOK(t, reviewer, `query($r: String!, $p: String!) { submission(regionCode: $r, period: $p) { `+node+` } }`, map[string]any{"r": id.Region.Code, "p": id.Period}, &one)
		if !bytes.Equal(edge.Node, one.Submission) {
			t.Errorf("%s %s: page node differs from the submission alone", id.Region.Code, id.Period)
		}
	}

	r := e.Do(t, reviewer, `{ plan { indicators { code values(regionCode: "419701", periods: ["2022"]) { value } } } }`, nil)
	var data struct {
		Plan *struct {
			Indicators []struct {
				Code   string
				Values []struct{ Value *float64 }
			}
		}
	}
	_ = json.Unmarshal(r.Data, &data)
	for _, er := range r.Errors {
		if len(er.Path) != 4 || er.Path[0] != "plan" || er.Path[1] != "indicators" || er.Path[3] != "values" {
			t.Errorf("error path %v", er.Path)
		}
	}
	if data.Plan != nil {
		for _, ind := range data.Plan.Indicators {
			for _, v := range ind.Values {
				if v.Value != nil {
					t.Errorf("XX市's reviewer reads %s of 419701: %v", ind.Code, *v.Value)
				}
			}
		}
	}
	seen := map[float64]bool{}
	for _, er := range r.Errors {
		if len(er.Path) == 4 {
			i, _ := er.Path[2].(float64)
			if seen[i] {
				t.Errorf("two errors at index %v", i)
			}
			seen[i] = true
		}
	}
}

// TestNoTransport: a request no transport takes (a POST of another content type, another
// method) is refused with a code and in the request's language, not gqlgen's bare
// "transport not supported": 415 BAD_REQUEST for a POST, 405 METHOD_NOT_ALLOWED otherwise;
// and so is a malformed multipart request, which gqlgen's transport refuses uncoded.
func TestNoTransport(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	for _, c := range []struct {
		method, ct string
		status     int
		code       string
	}{
		{http.MethodPost, "text/plain", http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{http.MethodPost, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{http.MethodPost, "", http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{http.MethodPut, "application/json", http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
		{http.MethodDelete, "", http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
	} {
		a := rawDo(t, e, c.method, c.ct, "", "", []byte(`{"query":"{ __typename }"}`))
		if a.Status != c.status || len(a.Errors) != 1 || a.codes()[0] != c.code || len(a.Data) != 0 {
			t.Errorf("%s %q: %d %s, want %d with %s and no data", c.method, c.ct, a.Status, a.Body, c.status, c.code)
			continue
		}
		if !strings.Contains(a.Errors[0].Message, "不是 GraphQL 请求") {
			t.Errorf("%s %q: message %q is not the Chinese one", c.method, c.ct, a.Errors[0].Message)
		}
	}
	// A multipart request without its map part: gqlgen's multipart transport refuses it, and
	// the refusal is coded and in Chinese too.
	a := rawDo(t, e, http.MethodPost, "multipart/form-data; boundary=x", "", "",
		[]byte("--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ regions { code } }\"}\r\n--x--\r\n"))
	if a.Status != http.StatusBadRequest || len(a.Errors) != 1 || a.codes()[0] != "BAD_REQUEST" || !strings.Contains(a.Errors[0].Message, "multipart 请求格式错误") {
		t.Errorf("multipart without its map: %d %s, want 400 BAD_REQUEST in Chinese", a.Status, a.Body)
	}
}
