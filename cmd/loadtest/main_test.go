package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestSmoke drives a stand-in GraphQL server for a moment: every operation is sent and
// counted, a CONFLICT is counted apart and not as an error, and the clerk retries with the
// current version the server answered. Under a second; the real server is measured by hand
// (README "Speed, measured").
func TestSmoke(t *testing.T) {
	var mu sync.Mutex
	version := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if r.Header.Get("Authorization") == "" {
			w.Write([]byte(`{"errors":[{"message":"no token","extensions":{"code":"UNAUTHENTICATED"}}]}`))
			return
		}
		switch {
		case strings.Contains(req.Query, "saveDataValues"):
			mu.Lock()
			defer mu.Unlock()
			reg := req.Variables["r"].(string)
			if int(req.Variables["v"].(float64)) != version[reg] {
				json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": "stale",
					"extensions": map[string]any{"code": "CONFLICT", "currentVersion": version[reg]}}}})
				return
			}
			version[reg]++
			json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"saveDataValues": map[string]any{"version": version[reg]}}})
		case strings.Contains(req.Query, "submission(regionCode"):
			w.Write([]byte(`{"data":{"submission":null}}`))
		default:
			w.Write([]byte(`{"data":{}}`))
		}
	}))
	defer srv.Close()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-url", srv.URL, "-duration", "300ms", "-c", "8", "-n", "400",
		"-mix", "save=3,dashboard=1,list=1", "-city-token", "x",
		"-clerk-tokens", "419902=a,419903=b,419921=c,419922=d,419923=e"}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out.String(), errOut.String())
	}
	for _, op := range []string{"save", "dashboard", "list"} {
		if !strings.Contains(out.String(), "\n"+op+" ") {
			t.Errorf("no %s line:\n%s", op, out.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(version) == 0 {
		t.Errorf("nothing saved:\n%s", out.String())
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1/graphql", "http://example.com/graphql"} {
		if loopback(u) == nil {
			t.Errorf("%s accepted", u)
		}
	}
	for _, u := range []string{"http://localhost:8080/graphql", "http://127.0.0.1:5000/graphql", "http://[::1]:8080/"} {
		if err := loopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}
