package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"planapi/auth"
	"planapi/db"
	"planapi/testenv"
)

// TestLogSQLLogsEveryStatement runs requests on a pool opened as LOG_SQL=1 opens it and finds
// in the log every statement the service ran: the transaction, the scope, gorm's queries and
// the hand-written roll-up statement that goes past gorm.
func TestLogSQLLogsEveryStatement(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	var logged testenv.Buffer
	ctx := context.Background()
	app, err := db.Open(ctx, e.AppDSN, db.Options{MaxOpenConns: 2, LogSQL: true, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(app)
	h := testenv.Handler(t, app, e.Cache)
	tok := e.Token(t, city, auth.RoleAnalyst)
	for _, q := range []string{
		`{ dashboard(regionCode: "419900", period: "2022") { rows { total { value } } } }`,
		`{ submissions(regionCode: "419902", first: 1) { edges { node { values { value } } } } }`,
	} {
		body, _ := json.Marshal(map[string]any{"query": q})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body.String())
		}
	}
	log := logged.String()
	for _, want := range []string{
		"set_config('planapi.scope'",                 // the scope, hand-written
		"plan_cache_mode",                            // the roll-up's settings
		"targets AS (",                               // the roll-up statement itself, run past gorm
		`submissions\" WHERE plan_id =`,              // gorm's builder (the log escapes its quotes)
		"FROM data_values WHERE submission_id = ANY", // the values, scanned by hand (store.valuesIn)
		"commit", // transaction control
	} {
		if !strings.Contains(strings.ToLower(log), strings.ToLower(want)) {
			t.Errorf("LOG_SQL log lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%.5000s", log)
	}
}
