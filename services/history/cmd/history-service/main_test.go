package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

const internalToken = "e2e-internal-token-0123456789"

// TestEndToEnd boots the real run() on :0 against a fresh database, with
// question-service down at first, and walks a user's history through HTTP.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p := fake.New(internalToken)
	peersURL := p.Serve(t)
	question := internalapi.Question{ID: uuid.NewString(), Slug: "lru-cache", Title: "LRU Cache", Difficulty: "medium", Topics: []string{"design", "hash-table"}}
	p.AddQuestion(question)
	ann, bob := uuid.New(), uuid.New()
	p.SetUser(ann.String(), "ann")
	p.SetUser(bob.String(), "bob")
	p.SetDown(internalapi.QuestionService, http.StatusServiceUnavailable)

	svc := servicetest.Start(t, run, map[string]string{
		"DATABASE_URL":            pgtest.NewURL(t, migrations.FS),
		"INTERNAL_API_TOKEN":      internalToken,
		"JWT_PUBLIC_KEYS":         base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"QUESTION_SERVICE_URL":    peersURL,
		"USER_SERVICE_URL":        peersURL,
		"SNAPSHOT_RETRY_INTERVAL": "50ms",
		"SNAPSHOT_RETRY_BACKOFF":  "50ms",
	})
	tok, _, err := auth.NewSigner(priv, nil).Sign(ann.String(), auth.RoleUser, "")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, token string, body any) (int, []byte) {
		t.Helper()
		r := apitest.Call(t, method, svc.URL+path, token, body)
		return r.Status, []byte(r.Raw)
	}

	if code, body := call("GET", "/history-service-api/health/ready", "", nil); code != 200 || !strings.Contains(string(body), `"database":"ok"`) {
		t.Fatalf("ready: %d %s", code, body)
	}

	ended := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	rec := map[string]any{
		"session_id": uuid.NewString(), "user_id": ann.String(), "partner_id": bob.String(),
		"question_id": question.ID, "language": "go", "code": "package main\n",
		"started_at": ended.Add(-25 * time.Minute).Format(time.RFC3339), "ended_at": ended.Format(time.RFC3339),
	}
	code, body := call("POST", "/history-service-api/internal/attempts", internalToken, rec)
	if code != 201 || !strings.Contains(string(body), `"snapshot":"pending"`) {
		t.Fatalf("record while question-service is down: %d %s", code, body)
	}
	var created struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &created)
	if code, _ := call("POST", "/history-service-api/internal/attempts", internalToken, rec); code != 200 {
		t.Fatalf("repeat: %d, want 200", code)
	}
	if code, _ := call("POST", "/history-service-api/internal/attempts", tok, rec); code != 401 {
		t.Fatalf("user token on an internal route: %d, want 401", code)
	}

	p.SetDown(internalapi.QuestionService, 0)
	var got struct {
		Question struct {
			Title    *string `json:"title"`
			Snapshot string  `json:"snapshot"`
		} `json:"question"`
		Partner struct {
			Username *string `json:"username"`
		} `json:"partner"`
		Code string `json:"code"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		code, body := call("GET", "/history-service-api/attempts/"+created.ID, tok, nil)
		if code != 200 {
			t.Fatalf("get: %d %s", code, body)
		}
		_ = json.Unmarshal(body, &got)
		if got.Question.Snapshot == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("snapshot never filled: %s", body)
		}
	}
	if *got.Question.Title != "LRU Cache" || got.Partner.Username == nil || *got.Partner.Username != "bob" || got.Code != "package main\n" {
		t.Fatalf("attempt %+v", got)
	}

	code, body = call("GET", "/history-service-api/attempts?limit=5&difficulty=medium", tok, nil)
	if code != 200 || !strings.Contains(string(body), created.ID) {
		t.Fatalf("list: %d %s", code, body)
	}
	code, body = call("GET", "/history-service-api/stats", tok, nil)
	if code != 200 || !strings.Contains(string(body), `"total":1`) || !strings.Contains(string(body), `"medium":1`) || !strings.Contains(string(body), `"design":1`) {
		t.Fatalf("stats: %d %s", code, body)
	}
	code, body = call("GET", "/history-service-api/internal/users/"+ann.String()+"/attempted-question-ids", internalToken, nil)
	if code != 200 || !strings.Contains(string(body), question.ID) {
		t.Fatalf("attempted question ids: %d %s", code, body)
	}
	if code, _ := call("GET", "/history-service-api/stats", "", nil); code != 401 {
		t.Fatalf("stats without a token: %d", code)
	}

	// The binary's own health check probes the running instance.
	u, _ := url.Parse(svc.URL)
	port := u.Port()
	if err := run(context.Background(), []string{"healthcheck"}, func(k string) string {
		return map[string]string{"PORT": port}[k]
	}, io.Discard); err != nil {
		t.Fatalf("healthcheck: %v", err)
	}

	// Access logs are JSON lines and never carry the token.
	for _, line := range svc.Logs() {
		if strings.Contains(line, tok) || strings.Contains(line, internalToken) {
			t.Fatalf("a token reached the logs: %s", line)
		}
	}
	if err := svc.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestMigrateSubcommand(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t, nil)
	env := map[string]string{"DATABASE_URL": dbURL, "ENVIRONMENT": "test"}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	for i := range 2 { // a second run finds nothing to do
		if err := run(context.Background(), []string{"migrate"}, getenv, &out); err != nil {
			t.Fatalf("migrate run %d: %v", i, err)
		}
	}
	if !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("output %s", out.String())
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"unknown subcommand":                       {[]string{"frobnicate"}, nil, "unknown command"},
		"serve without a database":                 {[]string{"serve"}, map[string]string{"ENVIRONMENT": "test"}, "DATABASE_URL"},
		"production without the internal token":    {nil, map[string]string{"ENVIRONMENT": "production", "DATABASE_URL": "postgres://x"}, "INTERNAL_API_TOKEN"},
		"bench data outside local or test":         {[]string{"gen-bench-data"}, map[string]string{"ENVIRONMENT": "staging", "DATABASE_URL": "postgres://x", "INTERNAL_API_TOKEN": strings.Repeat("x", 32), "REDIS_URL": "redis://127.0.0.1:1/0"}, "only with ENVIRONMENT=local"},
		"a malformed retry interval":               {nil, map[string]string{"DATABASE_URL": "postgres://x", "SNAPSHOT_RETRY_INTERVAL": "often"}, "SNAPSHOT_RETRY_INTERVAL"},
		"healthcheck with nothing listening fails": {[]string{"healthcheck"}, map[string]string{"PORT": strconv.Itoa(closedPort(t))}, "healthcheck"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "postgres://x") {
				t.Fatalf("error echoes the database URL: %v", err)
			}
		})
	}
}

// closedPort returns a port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
