package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"planapi/auth"
	"planapi/events"
	"planapi/server"
	"planapi/testenv"
)

// Attacks on the subscriptions (submissionChanged, totalsChanged over graphql-transport-ws):
// scope, tokens, the protocol, the budget and resources.

// liveServer is a server with its own event listener.
func liveServer(t *testing.T, with func(*server.Deps)) (*testenv.Env, *httptest.Server, *events.Hub) {
	t.Helper()
	e := testenv.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hub, err := events.Start(ctx, e.AppDSN, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testenv.HandlerWith(t, e.DB, e.Cache, func(d *server.Deps) {
		d.Events = hub
		if with != nil {
			with(d)
		}
	}))
	t.Cleanup(srv.Close)
	return e, srv, hub
}

// dialRaw opens a socket and sends connection_init with the given payload (nil: none sent).
func dialRaw(t *testing.T, url string, init any) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	s := &socket{tb: t, conn: conn}
	if init != nil {
		b, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": init})
		if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatalf("connection_init: %v", err)
		}
	}
	return s
}

// closed reports whether the socket is (or becomes within wait) closed, reading past anything
// else the server sends.
func (s *socket) closed(wait time.Duration) (bool, []wsMessage) {
	var got []wsMessage
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		m, err := s.read(time.Until(deadline))
		if err != nil {
			if errors := err.Error(); strings.Contains(errors, "deadline exceeded") {
				return false, got
			}
			return true, got
		}
		got = append(got, m)
	}
	return false, got
}

// waitSubscribers waits until the hub feeds n subscriptions.
func waitSubscribers(t *testing.T, hub *events.Hub, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); hub.Subscribers() != n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions running, want %d", hub.Subscribers(), n)
		}
	}
}

// firstError returns the code and message of the error answering subscription id.
func firstError(t *testing.T, s *socket, id string) (code, msg string) {
	t.Helper()
	m, err := s.read(5 * time.Second)
	for err == nil && m.Type == "complete" { // of an earlier operation
		m, err = s.read(5 * time.Second)
	}
	if err != nil {
		t.Fatalf("no answer to %s: %v", id, err)
	}
	if m.ID != id {
		t.Fatalf("%s: got %s for %s", id, m.Type, m.ID)
	}
	var errs []struct {
		Message    string
		Extensions map[string]any
	}
	switch m.Type {
	case "error":
		json.Unmarshal(m.Payload, &errs)
	case "next":
		var p struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		json.Unmarshal(m.Payload, &p)
		errs = p.Errors
	}
	if len(errs) == 0 {
		t.Fatalf("%s: got %s %s, want an error", id, m.Type, m.Payload)
	}
	c, _ := errs[0].Extensions["code"].(string)
	return c, errs[0].Message
}

// TestSubscriptionAttackScope: nobody subscribes past its scope, and "not yours" reads as
// "does not exist"; a county watching its city's totals, and another city, hear nothing of an
// approval they may not see.
func TestSubscriptionAttackScope(t *testing.T) {
	t.Parallel()
	e, srv, hub := liveServer(t, nil)
	MustOpen(t, e, "2024")
	var out map[string]any
	e.MustOK(t, e.Token(t, "419700", auth.RoleAdmin), `mutation { openPeriod(period: "2024") { open } }`, nil, &out)

	refused := func(t *testing.T, token string, docs ...string) {
		t.Helper()
		s, ok := dial(t, srv.URL, token)
		if !ok {
			t.Fatal("not acknowledged")
		}
		var first string
		for i, doc := range docs {
			id := string(rune('a' + i))
			s.subscribe(id, doc)
			code, msg := firstError(t, s, id)
			if code != "NOT_FOUND" {
				t.Errorf("%s: %s %q, want NOT_FOUND", doc, code, msg)
			}
			// The same words whether the region exists elsewhere or nowhere.
			shape := strings.NewReplacer("419903", "X", "419900", "X", "419700", "X", "419701", "X", "419999", "X").Replace(msg)
			if first == "" {
				first = shape
			} else if shape != first {
				t.Errorf("%s: %q differs from %q", doc, shape, first)
			}
		}
	}
	t.Run("CountyReporter", func(t *testing.T) {
		refused(t, e.Token(t, countyA, auth.RoleReporter),
			`subscription { submissionChanged(regionCode: "419903") { action status } }`,
			`subscription { submissionChanged(regionCode: "419900") { action status } }`,
			`subscription { submissionChanged(regionCode: "419700") { action status } }`,
			`subscription { submissionChanged(regionCode: "419701") { action status } }`,
			`subscription { submissionChanged(regionCode: "419999") { action status } }`,
			`subscription { totalsChanged(regionCode: "419903", period: "2024") { reason } }`,
			`subscription { totalsChanged(regionCode: "419700", period: "2024") { reason } }`,
			`subscription { totalsChanged(regionCode: "419701", period: "2024") { reason } }`,
			`subscription { totalsChanged(regionCode: "419999", period: "2024") { reason } }`)
	})
	t.Run("OtherCitysReviewer", func(t *testing.T) {
		refused(t, e.Token(t, city, auth.RoleReviewer),
			`subscription { submissionChanged(regionCode: "419700") { action status } }`,
			`subscription { submissionChanged(regionCode: "419701") { action status } }`,
			`subscription { totalsChanged(regionCode: "419700", period: "2024") { reason } }`,
			`subscription { totalsChanged(regionCode: "419701", period: "2024") { reason } }`,
			`subscription { submissionChanged(regionCode: "419999") { action status } }`)
	})
	t.Run("BadPeriod", func(t *testing.T) {
		s2, _ := dial(t, srv.URL, e.Token(t, countyA, auth.RoleReporter))
		for i, p := range []string{"2024Q9", "", "twenty", strings.Repeat("9", 5000)} {
			id := string(rune('a' + i))
			s2.subscribe(id, `subscription { totalsChanged(regionCode: "419900", period: "`+p+`") { reason } }`)
			if code, msg := firstError(t, s2, id); code != "BAD_USER_INPUT" {
				t.Errorf("period %.20q: %s %.200q, want BAD_USER_INPUT", p, code, msg)
			}
		}
	})

	// Differencing: 西城区's approval must not announce itself to 东城区 watching the city's
	// totals (published only), nor to YY市 watching its own.
	countyTotals, _ := dial(t, srv.URL, e.Token(t, countyA, auth.RoleReporter))
	countyTotals.subscribe("t", `subscription { totalsChanged(regionCode: "419900", period: "2024") { region { code } period reason } }`)
	countyTotals.subscribe("r", `subscription { totalsChanged(regionCode: "410000", period: "2024") { reason } }`)
	countyTotals.subscribe("q", `subscription { totalsChanged(regionCode: "419900", period: "2024Q1..2024Q4") { reason } }`)
	other, _ := dial(t, srv.URL, e.Token(t, "419700", auth.RoleReviewer))
	other.subscribe("o", `subscription { submissionChanged(regionCode: "419700") { region { code } action } }`)
	other.subscribe("p", `subscription { totalsChanged(regionCode: "419700", period: "2024") { reason } }`)
	waitSubscribers(t, hub, 5)

	MustInsertSubmission(t, e, countyB, "2024", "SUBMITTED", map[string]float64{"IP_BATCHES_INSPECTED": 5})
	e.MustOK(t, e.Token(t, city, auth.RoleReviewer), `mutation { approveSubmission(regionCode: "419903", period: "2024", expectedVersion: 1) { status } }`, nil, &out)
	// YY市's own approval comes next: the first thing YY市 hears must be it.
	MustInsertSubmission(t, e, "419701", "2024", "SUBMITTED", map[string]float64{"IP_BATCHES_INSPECTED": 5})
	e.MustOK(t, e.Token(t, "419700", auth.RoleReviewer), `mutation { approveSubmission(regionCode: "419701", period: "2024", expectedVersion: 1) { status } }`, nil, &out)
	for range 2 {
		m, err := other.read(10 * time.Second)
		if err != nil || m.Type != "next" {
			t.Fatalf("YY市: %s %s %v", m.Type, m.Payload, err)
		}
		if p := string(m.Payload); m.ID == "o" && !strings.Contains(p, `"code":"419701"`) || !strings.Contains(p, `APPROVE`) {
			t.Errorf("YY市 heard %s on %s first", p, m.ID)
		}
	}
	// 东城区 hears the city publish, and nothing before it.
	MustPublish(t, e, city, "2024")
	seen := map[string]string{}
	for len(seen) < 2 {
		m, err := countyTotals.read(10 * time.Second)
		if err != nil {
			t.Fatalf("东城区 heard only %v: %v", seen, err)
		}
		if m.Type != "next" {
			t.Fatalf("东城区 got %s %s", m.Type, m.Payload)
		}
		if m.ID == "r" {
			t.Fatalf("东城区 watching the province heard %s", m.Payload)
		}
		if _, dup := seen[m.ID]; dup {
			t.Fatalf("东城区 heard twice on %s: %s", m.ID, m.Payload)
		}
		seen[m.ID] = string(m.Payload)
		if !strings.Contains(string(m.Payload), `"reason":"PUBLISH"`) {
			t.Errorf("东城区 heard %s on %s before the publication", m.Payload, m.ID)
		}
	}
	if m, err := countyTotals.read(300 * time.Millisecond); err == nil {
		t.Errorf("东城区 heard more: %s %s", m.ID, m.Payload)
	}
}

// TestSubscriptionAttackTokens: a socket lives only on a good token, and no longer than it.
func TestSubscriptionAttackTokens(t *testing.T) {
	t.Parallel()
	e, srv, hub := liveServer(t, nil)
	good := e.Token(t, countyA, auth.RoleReporter)
	expired, _ := auth.Mint(e.Secret, auth.MintClaims{Subject: "x", Region: countyA, Role: auth.RoleReporter}, time.Hour, time.Now().Add(-2*time.Hour))
	nowhere, _ := auth.Mint(e.Secret, auth.MintClaims{Subject: "x", Region: "419999", Role: auth.RoleReporter}, time.Hour, time.Now())
	forged, _ := auth.Mint([]byte(strings.Repeat("k", 64)), auth.MintClaims{Subject: "x", Region: countyA, Role: auth.RoleAdmin}, time.Hour, time.Now())
	for name, payload := range map[string]any{
		"none":         map[string]any{},
		"null":         json.RawMessage("null"),
		"garbage":      map[string]any{"Authorization": "Bearer not-a-token"},
		"no scheme":    map[string]any{"Authorization": good},
		"basic":        map[string]any{"Authorization": "Basic " + good},
		"empty bearer": map[string]any{"Authorization": "Bearer "},
		"number":       map[string]any{"Authorization": 42},
		"expired":      map[string]any{"Authorization": "Bearer " + expired},
		"no region":    map[string]any{"Authorization": "Bearer " + nowhere},
		"forged":       map[string]any{"Authorization": "Bearer " + forged},
		"header only":  map[string]any{"headers": map[string]string{"Authorization": "Bearer " + good}},
	} {
		s := dialRaw(t, srv.URL, payload)
		s.subscribe("a", `subscription { submissionChanged(regionCode: "419902") { action } }`)
		closed, got := s.closed(3 * time.Second)
		if !closed {
			t.Errorf("%s: the socket stayed open", name)
		}
		for _, m := range got {
			if m.Type == "connection_ack" || m.Type == "next" {
				t.Errorf("%s: got %s %s", name, m.Type, m.Payload)
			}
		}
	}
	waitSubscribers(t, hub, 0)

	t.Run("ExpiresMidSubscription", func(t *testing.T) {
		tok, _ := auth.Mint(e.Secret, auth.MintClaims{Subject: "x", Region: countyA, Role: auth.RoleReporter}, 2*time.Second, time.Now())
		s, ok := dial(t, srv.URL, tok)
		if !ok {
			t.Fatal("not acknowledged")
		}
		s.subscribe("a", `subscription { submissionChanged(regionCode: "419902") { action } }`)
		waitSubscribers(t, hub, 1)
		if closed, got := s.closed(4 * time.Second); !closed {
			t.Errorf("the socket outlived its token: %v", got)
		}
		waitSubscribers(t, hub, 0)
	})
}

// TestSubscriptionAttackProtocol: the protocol's order, the budget, the size of a message,
// what a socket carries and how many subscriptions, and nothing left behind.
// Not parallel: it counts the process's goroutines.
func TestSubscriptionAttackProtocol(t *testing.T) {
	const maxSubs = 5
	e, srv, hub := liveServer(t, func(d *server.Deps) { d.Budget.MaxSubscriptions = maxSubs })
	token := e.Token(t, countyA, auth.RoleReporter)

	t.Run("SubscribeBeforeInit", func(t *testing.T) {
		s := dialRaw(t, srv.URL, nil)
		s.subscribe("a", `subscription { submissionChanged(regionCode: "419902") { action } }`)
		closed, got := s.closed(3 * time.Second)
		if !closed || len(got) > 0 && got[0].Type == "next" {
			t.Errorf("closed %v, got %v", closed, got)
		}
	})
	t.Run("Budget", func(t *testing.T) {
		s, _ := dial(t, srv.URL, token)
		deep := `subscription { totalsChanged(regionCode: "419900", period: "2024") { region ` + strings.Repeat("{ children ", 12) + "{ code }" + strings.Repeat(" }", 12) + ` } }`
		s.subscribe("deep", deep)
		if code, _ := firstError(t, s, "deep"); code != "QUERY_TOO_DEEP" {
			t.Errorf("deep: %s", code)
		}
		var aliases strings.Builder
		for i := range 25 {
			aliases.WriteString(" c" + string(rune('a'+i)) + ": children { code }")
		}
		s.subscribe("alias", `subscription { totalsChanged(regionCode: "419900", period: "2024") { region {`+aliases.String()+` } } }`)
		if code, _ := firstError(t, s, "alias"); code != "TOO_MANY_ALIASES" {
			t.Errorf("aliases: %s", code)
		}
		s.subscribe("two", `subscription { a: totalsChanged(regionCode: "419900", period: "2024") { reason } b: totalsChanged(regionCode: "419902", period: "2024") { reason } }`)
		if code, msg := firstError(t, s, "two"); code != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("two aliases of one root field: %s %s", code, msg)
		}
		s.subscribe("none", `subscription { totalsChanged(regionCode: "419900", period: "2024") @skip(if: true) { reason } }`)
		if code, msg := firstError(t, s, "none"); code != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("no root field: %s %s", code, msg)
		}
	})
	t.Run("HugeMessage", func(t *testing.T) {
		s, _ := dial(t, srv.URL, token)
		big := `subscription { submissionChanged(regionCode: "419902") { action } } #` + strings.Repeat("x", 2<<20)
		s.subscribe("big", big)
		if closed, got := s.closed(5 * time.Second); !closed {
			t.Errorf("a 2 MiB message was read: %v", got)
		}
	})
	t.Run("QueriesAndMutationsRefused", func(t *testing.T) {
		s, _ := dial(t, srv.URL, e.Token(t, city, auth.RoleAdmin))
		s.subscribe("q", `query { submissions(first: 5) { edges { node { period values { value } } } } }`)
		if code, msg := firstError(t, s, "q"); code != "BAD_REQUEST" {
			t.Errorf("a query over the socket: %s %s", code, msg)
		}
		s.subscribe("m", `mutation { openPeriod(period: "2031") { open } }`)
		if code, msg := firstError(t, s, "m"); code != "BAD_REQUEST" {
			t.Errorf("a mutation over the socket: %s %s", code, msg)
		}
		var out struct{ ReportingPeriods []struct{ Period string } }
		e.MustOK(t, e.Token(t, city, auth.RoleAdmin), `{ reportingPeriods { period } }`, nil, &out)
		for _, p := range out.ReportingPeriods {
			if p.Period == "2031" {
				t.Error("the mutation over the socket ran")
			}
		}
	})
	t.Run("SubscriptionOverHTTP", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			doc := `subscription { submissionChanged(regionCode: "419902") { action } }`
			var req *http.Request
			if method == http.MethodPost {
				body, _ := json.Marshal(map[string]string{"query": doc})
				req, _ = http.NewRequest(method, srv.URL+"/graphql", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
			} else {
				req, _ = http.NewRequest(method, srv.URL+"/graphql?query="+url.QueryEscape(doc), nil)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			resp, err := http.DefaultClient.Do(req.WithContext(ctx))
			if err != nil {
				cancel()
				t.Fatalf("%s: %v (held open)", method, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			cancel()
			if resp.StatusCode < 400 || !strings.Contains(string(b), `"code"`) {
				t.Errorf("%s subscription: %d %q", method, resp.StatusCode, b)
			}
		}
		waitSubscribers(t, hub, 0)
	})
	t.Run("ManySubscriptions", func(t *testing.T) {
		s, _ := dial(t, srv.URL, token)
		for i := range maxSubs {
			s.subscribe(string(rune('a'+i)), `subscription { submissionChanged(regionCode: "419902") { action } }`)
		}
		waitSubscribers(t, hub, maxSubs)
		s.subscribe("over", `subscription { submissionChanged(regionCode: "419902") { action } }`)
		if code, _ := firstError(t, s, "over"); code != "TOO_MANY_SUBSCRIPTIONS" {
			t.Errorf("subscription %d: %s", maxSubs+1, code)
		}
		// A refused or completed subscription frees its place.
		b, _ := json.Marshal(map[string]any{"id": "a", "type": "complete"})
		s.conn.Write(context.Background(), websocket.MessageText, b)
		waitSubscribers(t, hub, maxSubs-1)
		s.subscribe("again", `subscription { submissionChanged(regionCode: "419902") { action } }`)
		waitSubscribers(t, hub, maxSubs)
		// Another socket has its own allowance.
		s2, _ := dial(t, srv.URL, token)
		s2.subscribe("a", `subscription { submissionChanged(regionCode: "419902") { action } }`)
		waitSubscribers(t, hub, maxSubs+1)
		s.conn.CloseNow()
		s2.conn.CloseNow()
		waitSubscribers(t, hub, 0)
	})
	t.Run("NothingLeftBehind", func(t *testing.T) {
		before := runtime.NumGoroutine()
		for range 5 {
			s, _ := dial(t, srv.URL, token)
			for i := range maxSubs {
				s.subscribe(string(rune('a'+i)), `subscription { totalsChanged(regionCode: "419902", period: "2024") { reason } }`)
			}
			waitSubscribers(t, hub, maxSubs)
			s.conn.CloseNow()
			waitSubscribers(t, hub, 0)
		}
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before+5 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before+5 {
			t.Errorf("goroutines: %d before, %d after the sockets closed", before, n)
		}
	})
}

// TestSubscriptionAttackSlowReader: a client that subscribes to large events and stops
// reading must not hold its socket (and the subscriptions' goroutines) indefinitely: the
// server gives up on a write it cannot finish and closes the socket.
func TestSubscriptionAttackSlowReader(t *testing.T) {
	t.Parallel()
	e, srv, hub := liveServer(t, func(d *server.Deps) { d.Budget.SocketWriteTimeout = time.Second })
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	s, _ := dial(t, srv.URL, clerk)
	// About 10 KB an event: the province's tree, 20 times.
	var sel strings.Builder
	for i := range 20 {
		sel.WriteString(" p" + string(rune('a'+i)) + ": parent { parent { children { code name level children { code name level } } } }")
	}
	const subs = 50
	for i := range subs {
		s.subscribe(string(rune('A'+i)), `subscription { submissionChanged(regionCode: "419902") { region {`+sel.String()+` } } }`)
	}
	waitSubscribers(t, hub, subs)
	// 60 saves: 30 MB the client never reads, far past what the kernel buffers between them.
	var out map[string]any
	for v := range 60 {
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", v, vals{"element": "IP_BATCHES_INSPECTED", "value": v}), &out)
	}
	time.Sleep(2500 * time.Millisecond)
	// The client reads again: what was buffered, then the end of the socket.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, _, err := s.conn.Read(context.Background())
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the socket of a client that stopped reading is still open")
		}
		// Reading on, with a bound: once the kernel's buffers are drained, an open socket waits
		// for the next save, which never comes.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, _, err = s.conn.Read(ctx)
		cancel()
		if err != nil {
			if strings.Contains(err.Error(), "deadline exceeded") {
				t.Fatal("the socket of a client that stopped reading is still open")
			}
			break
		}
	}
	waitSubscribers(t, hub, 0)
}

// TestSubscriptionAttackOrigins: a socket from a browser page is accepted from the allowed
// origins exactly as written (scheme, host and port), as CORS accepts them, and from the
// server's own host; a client that sends no Origin is no page and goes on to authenticate.
func TestSubscriptionAttackOrigins(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	srv := httptest.NewServer(testenv.HandlerWith(t, e.DB, e.Cache, func(d *server.Deps) {
		d.CORSOrigins = []string{"https://dashboard.example.gov.cn"}
	}))
	t.Cleanup(srv.Close)
	own := "http://" + strings.TrimPrefix(srv.URL, "http://")
	for origin, want := range map[string]bool{
		"":                                      true,
		"https://dashboard.example.gov.cn":      true,
		"HTTPS://DASHBOARD.EXAMPLE.GOV.CN":      true,
		own:                                     true,
		"http://dashboard.example.gov.cn":       false,
		"https://dashboard.example.gov.cn:8443": false,
		"https://dashboard.example.gov.cn.evil.com": false,
		"null": false,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h})
		cancel()
		if (err == nil) != want {
			t.Errorf("socket from %q: accepted %v, want %v (%v)", origin, err == nil, want, err)
		}
		if conn != nil {
			conn.CloseNow()
		}
	}
}

// TestSubscriptionAttackForgedEvent: any login on the database may NOTIFY the channel. An
// event whose path lies in the subscriber's scope but whose code names another city's county
// must not be shown to it (it would read as that county's submission changing).
func TestSubscriptionAttackForgedEvent(t *testing.T) {
	t.Parallel()
	e, srv, hub := liveServer(t, nil)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	s, _ := dial(t, srv.URL, clerk)
	s.subscribe("a", `subscription { submissionChanged(regionCode: "419902") { region { code } action } }`)
	waitSubscribers(t, hub, 1)
	path := e.Cache.Regions().Get(countyA).Path
	forged, _ := json.Marshal(events.Event{Kind: events.KindSubmission, RegionCode: "419701", RegionPath: path, Period: "2024", Action: "APPROVE", Status: "APPROVED", Version: 9, At: time.Now()})
	if err := e.Owner.Exec(`SELECT pg_notify(?, ?)`, events.Channel, string(forged)).Error; err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0, vals{"element": "IP_BATCHES_INSPECTED", "value": 10}), &out)
	if ev := s.next("a")["submissionChanged"].(map[string]any); ev["region"].(map[string]any)["code"] != countyA || ev["action"] != "SAVE" {
		t.Errorf("东城区 was shown %v", ev)
	}
}
