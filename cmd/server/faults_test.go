package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"planapi/pgcluster"
	"planapi/pgcluster/pgtest"
)

// TestBodyLimit: a 50 MB malformed body is refused with 413 and a code, whether its length is
// announced or not, and none of it reaches the log.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	name := srv.CreateDatabase(t, "")
	r := MustStart(t, map[string]string{"DATABASE_URL": srv.DSN(name), "APP_DATABASE_URL": srv.AppDSN(name),
		"JWT_SECRET": "body-limit-secret-0123456789abcdefghij", "DATA_DIR": t.TempDir()})
	if !strings.Contains(r.out.String(), "MAX_BODY_BYTES  1048576") {
		t.Errorf("configuration printout lacks MAX_BODY_BYTES:\n%s", r.out.String())
	}
	const size = 50 << 20
	for _, tc := range []struct {
		name    string
		chunked bool
	}{{"ContentLength", false}, {"Chunked", true}} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(r.out.String())
			// Malformed: an opening brace and then 50 MB of x.
			body := io.MultiReader(strings.NewReader(`{"query":"`), io.LimitReader(repeat('x'), size))
			req, _ := http.NewRequest(http.MethodPost, r.base+"/graphql", body)
			if !tc.chunked {
				req.ContentLength = size + int64(len(`{"query":"`))
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), `"code":"PAYLOAD_TOO_LARGE"`) {
				t.Fatalf("status %d, body %.300s", resp.StatusCode, b)
			}
			time.Sleep(100 * time.Millisecond) // let any log line land
			if grown := len(r.out.String()) - before; grown >= 1024 {
				t.Errorf("the log grew by %d bytes:\n%.2000s", grown, r.out.String()[before:])
			}
		})
	}
}

type repeatReader byte

func repeat(b byte) io.Reader { return repeatReader(b) }

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestDatabaseDown: with PostgreSQL killed, requests answer 503 UNAVAILABLE with Retry-After
// (not 200 INTERNAL); the server starts its private PostgreSQL again by itself and serves.
func TestDatabaseDown(t *testing.T) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	dataDir := t.TempDir()
	r := MustStart(t, map[string]string{"DATA_DIR": dataDir})
	m := adminTokenRE.FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("no admin token printed:\n%s", r.out.String())
	}
	token := m[1]
	const q = `{ submissions(regionCode: "419900", first: 1) { totalCount } }`
	ask := func() (int, string, http.Header) {
		body := `{"query":` + strconv.Quote(q) + `}`
		req, _ := http.NewRequest(http.MethodPost, r.base+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if code, body, _ := ask(); code != 200 || !strings.Contains(body, "totalCount") {
		t.Fatalf("before: %d %s", code, body)
	}

	pidFile, err := os.ReadFile(filepath.Join(dataDir, "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill postgres: %v", err)
	}
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}

	unavailable := 0
	deadline := time.Now().Add(90 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("no 503 and then serving again within 90 s (%d unavailable answers):\n%s", unavailable, r.out.String())
		}
		code, body, h := ask()
		if code == 200 && strings.Contains(body, "totalCount") && !strings.Contains(body, "errors") {
			if unavailable > 0 {
				break
			}
			// A backend of the killed server may answer once more before it notices.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if code != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"UNAVAILABLE"`) || h.Get("Retry-After") == "" {
			t.Fatalf("while PostgreSQL is down: %d %v %s", code, h, body)
		}
		unavailable++
		time.Sleep(100 * time.Millisecond)
	}
	// The restart is logged once the new postmaster is up, which may be just after it
	// answered its first connection.
	out := r.out.String()
	for wait := time.Now().Add(10 * time.Second); !strings.Contains(out, "restarted on port") && time.Now().Before(wait); out = r.out.String() {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out, "restarted on port") {
		t.Errorf("no restart in the log:\n%s", out)
	}
	if strings.Contains(out, `level=ERROR msg="internal error"`) {
		t.Errorf("the outage was logged as internal errors:\n%s", out)
	}
	if bytes.Contains([]byte(out), []byte("exited unexpectedly")) == false {
		t.Errorf("the death of PostgreSQL was not logged:\n%s", out)
	}
}
