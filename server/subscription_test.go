package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"planapi/auth"
	"planapi/events"
	"planapi/server"
	"planapi/testenv"
)

// socket is a graphql-transport-ws client for the tests.
type socket struct {
	tb   testing.TB
	conn *websocket.Conn
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dial opens a socket and sends connection_init with the token; ok reports connection_ack.
func dial(tb testing.TB, url, token string) (*socket, bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	s := &socket{tb: tb, conn: conn}
	tb.Cleanup(func() { conn.CloseNow() })
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + token}})
	if err := conn.Write(ctx, websocket.MessageText, init); err != nil {
		tb.Fatalf("connection_init: %v", err)
	}
	m, err := s.read(5 * time.Second)
	return s, err == nil && m.Type == "connection_ack"
}

func (s *socket) subscribe(id, query string) {
	s.tb.Helper()
	b, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": map[string]string{"query": query}})
	if err := s.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		s.tb.Fatalf("subscribe: %v", err)
	}
}

// read returns the next message other than keep-alives, or an error (the socket closed, or
// nothing came within wait).
func (s *socket) read(wait time.Duration) (wsMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			return wsMessage{}, err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return m, err
		}
		if m.Type == "ka" || m.Type == "ping" || m.Type == "pong" {
			continue
		}
		return m, nil
	}
}

// next reads the next event of subscription id and returns its data.
func (s *socket) next(id string) map[string]any {
	s.tb.Helper()
	m, err := s.read(10 * time.Second)
	if err != nil {
		s.tb.Fatalf("no event: %v", err)
	}
	if m.Type != "next" || m.ID != id {
		s.tb.Fatalf("got %s %s %s, want next for %s", m.Type, m.ID, m.Payload, id)
	}
	var p struct {
		Data   map[string]any
		Errors []any
	}
	json.Unmarshal(m.Payload, &p)
	if len(p.Errors) > 0 {
		s.tb.Fatalf("event with errors: %s", m.Payload)
	}
	return p.Data
}

// TestSubscriptionAcrossReplicas: two handlers (two replicas) on one database, each with its
// own listener. A save through one is delivered to a subscriber of the other; a subscriber
// outside the saving county's line hears nothing of it; a county watching its city's totals
// hears of publications only; a bad token closes the socket.
func TestSubscriptionAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	replica := func() (*httptest.Server, *events.Hub) {
		hub, err := events.Start(ctx, e.AppDSN, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(testenv.HandlerWithEvents(t, e.DB, e.Cache, hub))
		t.Cleanup(srv.Close)
		return srv, hub
	}
	a, hubA := replica()
	b, hubB := replica()
	MustOpen(t, e, "2024")

	reviewer, ok := dial(t, b.URL, e.Token(t, city, auth.RoleReviewer))
	if !ok {
		t.Fatal("the reviewer's socket was not acknowledged")
	}
	reviewer.subscribe("city", `subscription { submissionChanged(regionCode: "419900") { region { code } period action status version } }`)
	neighbour, _ := dial(t, b.URL, e.Token(t, countyB, auth.RoleReporter))
	neighbour.subscribe("own", `subscription { submissionChanged(regionCode: "419903") { region { code } action } }`)
	county, _ := dial(t, a.URL, e.Token(t, countyA, auth.RoleReporter))
	county.subscribe("totals", `subscription { totalsChanged(regionCode: "419900", period: "2024") { region { code } period reason } }`)
	// The subscriptions start on their replicas.
	for deadline := time.Now().Add(10 * time.Second); hubA.Subscribers() < 1 || hubB.Subscribers() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("subscriptions not started: %d on a, %d on b", hubA.Subscribers(), hubB.Subscribers())
		}
	}

	// 东城区 saves through replica a: the city's reviewer on replica b hears it.
	var out map[string]any
	e.MustOK(t, e.Token(t, countyA, auth.RoleReporter), saveMutation, saveVars(countyA, "2024", 0, vals{"element": "IP_BATCHES_INSPECTED", "value": 10}), &out)
	ev := reviewer.next("city")["submissionChanged"].(map[string]any)
	if ev["region"].(map[string]any)["code"] != countyA || ev["action"] != "SAVE" || ev["period"] != "2024" || ev["status"] != "DRAFT" {
		t.Errorf("the reviewer heard %v", ev)
	}
	// 西城区 hears only its own: its first event is its own save, not 东城区's.
	e.MustOK(t, e.Token(t, countyB, auth.RoleReporter), saveMutation, saveVars(countyB, "2024", 0, vals{"element": "IP_BATCHES_INSPECTED", "value": 20}), &out)
	if ev := neighbour.next("own")["submissionChanged"].(map[string]any); ev["region"].(map[string]any)["code"] != countyB {
		t.Errorf("西城区 heard %v", ev)
	}
	// A county watching its city's totals hears the city publish, and nothing of a neighbour's
	// approval before that (its first event is the publication).
	MustInsertSubmission(t, e, "419921", "2024", "SUBMITTED", map[string]float64{"IP_BATCHES_INSPECTED": 5})
	e.MustOK(t, e.Token(t, city, auth.RoleReviewer), `mutation { approveSubmission(regionCode: "419921", period: "2024", expectedVersion: 1) { status } }`, nil, &out)
	MustPublish(t, e, city, "2024")
	if ev := county.next("totals")["totalsChanged"].(map[string]any); ev["reason"] != "PUBLISH" {
		t.Errorf("the county watching its city's totals heard %v first", ev)
	}

	t.Run("OutOfScopeRefused", func(t *testing.T) {
		s, _ := dial(t, a.URL, e.Token(t, countyA, auth.RoleReporter))
		s.subscribe("x", `subscription { submissionChanged(regionCode: "419903") { action } }`)
		m, err := s.read(5 * time.Second)
		if err != nil || (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), `"code":"NOT_FOUND"`) {
			t.Errorf("a sibling's submissions: %s %s %v", m.Type, m.Payload, err)
		}
	})
	t.Run("BadTokenClosesTheSocket", func(t *testing.T) {
		s, ok := dial(t, a.URL, "not-a-token")
		if ok {
			t.Fatal("a bad token was acknowledged")
		}
		if _, err := s.read(5 * time.Second); websocket.CloseStatus(err) == -1 && !strings.Contains(err.Error(), "closed") && !strings.Contains(err.Error(), "EOF") {
			t.Errorf("the socket stayed open after a bad token: %v", err)
		}
	})
}

// TestSubscriptionOrigins: a browser's socket from an allowed origin (CORS_ORIGINS) is accepted,
// one from another origin refused.
func TestSubscriptionOrigins(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	srv := httptest.NewServer(testenv.HandlerWith(t, e.DB, e.Cache, func(d *server.Deps) {
		d.CORSOrigins = []string{"https://dashboard.example.gov.cn"}
	}))
	t.Cleanup(srv.Close)
	for origin, want := range map[string]bool{"https://dashboard.example.gov.cn": true, "https://evil.example.com": false} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: map[string][]string{"Origin": {origin}}})
		cancel()
		if (err == nil) != want {
			t.Errorf("socket from %s: accepted %v, want %v (%v)", origin, err == nil, want, err)
		}
		if conn != nil {
			conn.CloseNow()
		}
	}
}
