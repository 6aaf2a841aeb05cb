package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/server"
	"planapi/testenv"
)

// TestIntrospectionCanBeTurnedOff: INTROSPECTION=0 refuses __schema, even to an
// authenticated caller, while data queries still work.
func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	keys, _ := auth.LoadKeySet(testenv.Secret, "")
	v, _ := auth.NewVerifier(auth.VerifierConfig{Keys: keys})
	h := server.New(server.Deps{DB: e.DB, Cache: e.Cache, Verifier: v, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Introspection: false})
	post := func(token, q string) string {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader([]byte(`{"query":"`+q+`"}`)))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	tok := e.Token(t, city, auth.RoleAdmin)
	if body := post(tok, "{ __schema { queryType { name } } }"); !strings.Contains(body, "未开放架构查询") || !strings.Contains(body, `"FORBIDDEN"`) {
		t.Errorf("introspection with INTROSPECTION=0: %s", body)
	}
	if body := post("", "{ __schema { queryType { name } } }"); !strings.Contains(body, "未开放架构查询") || !strings.Contains(body, `"FORBIDDEN"`) {
		t.Errorf("anonymous introspection with INTROSPECTION=0: %s", body)
	}
	if body := post(tok, "{ plan { code } }"); !strings.Contains(body, "MS14FYP") {
		t.Errorf("data query with INTROSPECTION=0: %s", body)
	}
}
