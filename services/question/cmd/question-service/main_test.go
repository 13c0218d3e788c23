package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
)

type env map[string]string

func (e env) get(k string) string { return e[k] }

func call(t *testing.T, method, u, token, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestEndToEnd migrates and seeds a fresh database through run(), serves it
// on :0 as in production, and walks the API as the matcher, a user and an
// admin would.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewURL(t, nil)
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(priv, nil)
	user, _, _ := signer.Sign("6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", auth.RoleUser, "")
	admin, _, _ := signer.Sign("7a1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a2", auth.RoleAdmin, "")
	const internal = "e2e-internal-token-0123456789"
	e := env{
		"DATABASE_URL":       dbURL,
		"ENVIRONMENT":        "test",
		"JWT_PUBLIC_KEYS":    base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"INTERNAL_API_TOKEN": internal,
	}
	for _, cmd := range []string{"migrate", "migrate", "seed", "seed"} {
		var out bytes.Buffer
		if err := run(ctx, []string{cmd}, e.get, &out); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out.String())
		}
	}

	in := servicetest.Start(t, run, e)
	api := in.URL + "/question-service-api"

	resp, b := call(t, "GET", in.URL+"/health/ready", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"database":"ok"`) {
		t.Fatalf("ready: %d %s", resp.StatusCode, b)
	}
	if resp, _ := call(t, "GET", api+"/health", "", ""); resp.StatusCode != 200 {
		t.Fatalf("prefixed health: %d", resp.StatusCode)
	}
	port, _ := strconv.Atoi(in.URL[strings.LastIndexByte(in.URL, ':')+1:])
	if err := run(ctx, []string{"healthcheck"}, env{"PORT": strconv.Itoa(port)}.get, io.Discard); err != nil {
		t.Fatalf("healthcheck: %v", err)
	}

	// The seed is there and covers every topic at every difficulty.
	var topics []struct {
		Slug         string         `json:"slug"`
		Count        int            `json:"count"`
		ByDifficulty map[string]int `json:"by_difficulty"`
	}
	resp, b = call(t, "GET", api+"/topics", user, "")
	if err := json.Unmarshal(b, &topics); err != nil || resp.StatusCode != 200 || len(topics) != 16 {
		t.Fatalf("topics: %d %s", resp.StatusCode, b)
	}
	for _, tp := range topics {
		if tp.ByDifficulty["easy"] == 0 || tp.ByDifficulty["medium"] == 0 || tp.ByDifficulty["hard"] == 0 {
			t.Errorf("topic %s lacks a difficulty: %v", tp.Slug, tp.ByDifficulty)
		}
	}

	// The matcher (internal token) asks for a random question, excluding one.
	var picked struct {
		ID, Slug, Difficulty string
		Topics               []string
	}
	resp, b = call(t, "GET", api+"/questions/random?difficulty=medium&topic=graphs&exclude=number-of-islands", internal, "")
	if err := json.Unmarshal(b, &picked); err != nil || resp.StatusCode != 200 || picked.Slug != "course-schedule" {
		t.Fatalf("random: %d %s", resp.StatusCode, b)
	}

	// A user lists, searches and reads, revalidating with the ETag.
	var page struct {
		Items []struct{ Slug string } `json:"items"`
		Total int                     `json:"total"`
	}
	resp, b = call(t, "GET", api+"/questions?"+url.Values{"q": {"palindrome"}, "limit": {"3"}}.Encode(), user, "")
	if err := json.Unmarshal(b, &page); err != nil || resp.StatusCode != 200 || page.Total < 3 || len(page.Items) != 3 {
		t.Fatalf("search: %d %s", resp.StatusCode, b)
	}
	resp, _ = call(t, "GET", api+"/questions/"+picked.ID, user, "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("get: %d, ETag %q", resp.StatusCode, etag)
	}
	if resp, _ := call(t, "GET", api+"/questions/course-schedule", user, "", "If-None-Match", etag); resp.StatusCode != 304 {
		t.Fatalf("revalidation: %d", resp.StatusCode)
	}

	// An admin adds, edits and removes a question; a user may not.
	newQ := `{"title":"Count the Vowels","difficulty":"easy","topics":["strings"],"description":"Count vowels in ` + "`s`" + `.",
		"examples":[{"input":"s = \"peer\"","output":"2","explanation":""}],"constraints":["1 <= s.length <= 100"],"hints":[],
		"starter_code":{"python":"def count_vowels(s: str) -> int:\n    pass\n"}}`
	if resp, _ := call(t, "POST", api+"/questions", user, newQ); resp.StatusCode != 403 {
		t.Fatalf("user create: %d", resp.StatusCode)
	}
	resp, b = call(t, "POST", api+"/questions", admin, newQ)
	if resp.StatusCode != 201 {
		t.Fatalf("admin create: %d %s", resp.StatusCode, b)
	}
	if resp, _ := call(t, "POST", api+"/questions", admin, newQ); resp.StatusCode != 409 {
		t.Fatalf("duplicate create: %d", resp.StatusCode)
	}
	if resp, b := call(t, "PUT", api+"/questions/count-the-vowels", admin, strings.Replace(newQ, `"easy"`, `"medium"`, 1)); resp.StatusCode != 200 || !strings.Contains(string(b), `"difficulty":"medium"`) {
		t.Fatalf("update: %d %s", resp.StatusCode, b)
	}
	if resp, _ := call(t, "DELETE", api+"/questions/count-the-vowels", admin, ""); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "GET", api+"/questions/count-the-vowels", user, ""); resp.StatusCode != 404 {
		t.Fatalf("deleted question: %d", resp.StatusCode)
	}

	// Requests were logged, and no token ever reached the log.
	logs := strings.Join(in.Logs(), "\n")
	if !strings.Contains(logs, `"route":"/question-service-api/questions/:id"`) {
		t.Fatalf("no access log line for the get route:\n%s", logs)
	}
	for _, secret := range []string{user, admin, internal} {
		if strings.Contains(logs, secret) {
			t.Fatal("a token was logged")
		}
	}
	if err := in.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestRunRejectsBadInvocations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	good := env{"DATABASE_URL": "postgres://127.0.0.1:1/none", "ENVIRONMENT": "test"}
	cases := []struct {
		name string
		args []string
		env  env
		want string
	}{
		{"unknown command", []string{"frobnicate"}, good, "unknown command"},
		{"arguments to migrate", []string{"migrate", "now"}, good, "takes no arguments"},
		{"missing DATABASE_URL", []string{"migrate"}, env{"ENVIRONMENT": "test"}, "DATABASE_URL"},
		{"production without secrets", []string{"serve"}, env{"DATABASE_URL": "postgres://x/y", "ENVIRONMENT": "production"}, "INTERNAL_API_TOKEN"},
		{"bench data in production", []string{"gen-bench-data", "10"}, env{"DATABASE_URL": "postgres://x/y", "ENVIRONMENT": "production", "INTERNAL_API_TOKEN": "0123456789abcdef0123", "REDIS_URL": "redis://127.0.0.1:1/0"}, "refused"},
		{"bench data without a count", []string{"gen-bench-data"}, good, "usage"},
		{"bench data with a bad count", []string{"gen-bench-data", "-5"}, good, "whole number"},
		{"bad JWT_PUBLIC_KEYS", []string{"serve"}, env{"DATABASE_URL": pgtest.AdminURL(), "ENVIRONMENT": "test", "JWT_PUBLIC_KEYS": "nope"}, "JWT_PUBLIC_KEYS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := run(ctx, tc.args, tc.env.get, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"help"}, good.get, &out); err != nil || !strings.Contains(out.String(), "gen-bench-data") {
		t.Fatalf("help: %v %q", err, out.String())
	}
}

func TestGenBenchData(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t, migrations.FS)
	e := env{"DATABASE_URL": dbURL, "ENVIRONMENT": "test"}
	for range 2 { // a second run adds more rather than clashing
		if err := run(context.Background(), []string{"gen-bench-data", "500"}, e.get, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed"}, e.get, &out); err != nil {
		t.Fatalf("seed after bench data: %v", err)
	}
	if !strings.Contains(out.String(), `"inserted":`) || strings.Contains(out.String(), `"inserted":0,`) {
		t.Fatalf("seed log: %s", out.String())
	}
}
