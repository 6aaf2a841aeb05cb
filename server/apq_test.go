package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// TestPersistedQueries: automatic persisted queries over POST and GET. A registered query runs
// from its hash alone; an unknown hash answers PERSISTED_QUERY_NOT_FOUND, a hash that does not
// match its query BAD_REQUEST; and a hash stands for its document before the budget, so a
// document the budget refuses is refused from its hash too.
func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	hash := func(q string) string {
		sum := sha256.Sum256([]byte(q))
		return hex.EncodeToString(sum[:])
	}
	ext := func(h string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": h}}
	}
	type answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []testenv.Error `json:"errors"`
	}
	decode := func(t *testing.T, rec *httptest.ResponseRecorder) answer {
		t.Helper()
		var a answer
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("not JSON (%d): %s", rec.Code, rec.Body.String())
		}
		return a
	}
	post := func(t *testing.T, query string, extensions map[string]any) answer {
		t.Helper()
		body := map[string]any{"extensions": extensions}
		if query != "" {
			body["query"] = query
		}
		b, _ := json.Marshal(body)
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		return decode(t, rec)
	}
	get := func(t *testing.T, extensions map[string]any) answer {
		t.Helper()
		b, _ := json.Marshal(extensions)
		req := httptest.NewRequest(http.MethodGet, "/graphql?extensions="+url.QueryEscape(string(b)), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		return decode(t, rec)
	}
	code := func(a answer) string {
		if len(a.Errors) == 0 {
			return ""
		}
		c, _ := a.Errors[0].Extensions["code"].(string)
		return c
	}

	query := `{ submissions(regionCode: "` + city + `", first: 3) { edges { node { period values { value } } } } }`
	h := hash(query)

	t.Run("UnknownHash", func(t *testing.T) {
		for name, a := range map[string]answer{"POST": post(t, "", ext(hash("never sent"))), "GET": get(t, ext(hash("never sent")))} {
			if code(a) != "PERSISTED_QUERY_NOT_FOUND" || a.Errors[0].Message != "PersistedQueryNotFound" || a.Data != nil {
				t.Errorf("%s: an unknown hash answers %+v", name, a)
			}
		}
	})
	t.Run("HashMismatch", func(t *testing.T) {
		if a := post(t, query, ext(hash("another query"))); code(a) != "BAD_REQUEST" {
			t.Errorf("a hash that does not match its query answers %+v", a)
		}
	})
	t.Run("Registered", func(t *testing.T) {
		full := post(t, query, ext(h))
		if len(full.Errors) > 0 || len(full.Data) == 0 {
			t.Fatalf("registering: %+v", full)
		}
		plain := post(t, query, nil)
		for name, a := range map[string]answer{"POST": post(t, "", ext(h)), "GET": get(t, ext(h))} {
			if len(a.Errors) > 0 || !bytes.Equal(a.Data, plain.Data) {
				t.Errorf("%s from the hash alone: %+v, want %s", name, a, plain.Data)
			}
		}
	})
	t.Run("BudgetAppliesToTheDocument", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{ region(code: "419900") { `)
		for i := 2; i < 16; i++ {
			if i%2 == 0 {
				b.WriteString("children { ")
			} else {
				b.WriteString("parent { ")
			}
		}
		b.WriteString("code" + strings.Repeat(" }", 15) + " }")
		deep := b.String()
		if a := post(t, deep, ext(hash(deep))); code(a) != "QUERY_TOO_DEEP" {
			t.Fatalf("the deep query itself answers %+v", a)
		}
		for name, a := range map[string]answer{"POST": post(t, "", ext(hash(deep))), "GET": get(t, ext(hash(deep)))} {
			if c := code(a); c != "QUERY_TOO_DEEP" && c != "PERSISTED_QUERY_NOT_FOUND" {
				t.Errorf("%s: the deep query from its hash answers %+v", name, a)
			}
			if a.Data != nil {
				t.Errorf("%s: the deep query from its hash ran: %s", name, a.Data)
			}
		}
	})
	t.Run("NoMutationOverGET", func(t *testing.T) {
		m := `mutation { closePeriod(period: "2021") { period } }`
		post(t, m, ext(hash(m))) // registers it (refused or not)
		if a := get(t, ext(hash(m))); code(a) != "METHOD_NOT_ALLOWED" {
			t.Errorf("a mutation from its hash over GET answers %+v", a)
		}
	})
}

// TestPersistedQueriesKeepShortQueries: a query longer than the caches keep still runs, but
// its hash alone is not held.
func TestPersistedQueriesKeepShortQueries(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	long := `{ plan { code } }` + "\n#" + strings.Repeat(" ", 9000)
	sum := sha256.Sum256([]byte(long))
	h := hex.EncodeToString(sum[:])
	send := func(query string) *httptest.ResponseRecorder {
		body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": h}}}
		if query != "" {
			body["query"] = query
		}
		b, _ := json.Marshal(body)
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		return rec
	}
	if rec := send(long); strings.Contains(rec.Body.String(), `"errors"`) {
		t.Fatalf("the long query: %s", rec.Body.String())
	}
	if rec := send(""); !strings.Contains(rec.Body.String(), "PERSISTED_QUERY_NOT_FOUND") {
		t.Errorf("the long query's hash alone: %s", rec.Body.String())
	}
}
