package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
)

type env map[string]string

func (e env) get(k string) string { return e[k] }

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

	r := apitest.Call(t, "GET", in.URL+"/health/ready", "", "")
	if r.Status != 200 || !strings.Contains(r.Raw, `"database":"ok"`) {
		t.Fatalf("ready: %d %s", r.Status, r.Raw)
	}
	if r := apitest.Call(t, "GET", api+"/health", "", ""); r.Status != 200 {
		t.Fatalf("prefixed health: %d", r.Status)
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
	r = apitest.Call(t, "GET", api+"/topics", user, "")
	if err := json.Unmarshal([]byte(r.Raw), &topics); err != nil || r.Status != 200 || len(topics) != 16 {
		t.Fatalf("topics: %d %s", r.Status, r.Raw)
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
	r = apitest.Call(t, "GET", api+"/questions/random?difficulty=medium&topic=graphs&exclude=number-of-islands", internal, "")
	if err := json.Unmarshal([]byte(r.Raw), &picked); err != nil || r.Status != 200 || picked.Slug != "course-schedule" {
		t.Fatalf("random: %d %s", r.Status, r.Raw)
	}

	// A user lists, searches and reads, revalidating with the ETag.
	var page struct {
		Items []struct{ Slug string } `json:"items"`
		Total int                     `json:"total"`
	}
	r = apitest.Call(t, "GET", api+"/questions?"+url.Values{"q": {"palindrome"}, "limit": {"3"}}.Encode(), user, "")
	if err := json.Unmarshal([]byte(r.Raw), &page); err != nil || r.Status != 200 || page.Total < 3 || len(page.Items) != 3 {
		t.Fatalf("search: %d %s", r.Status, r.Raw)
	}
	r = apitest.Call(t, "GET", api+"/questions/"+picked.ID, user, "")
	etag := r.Header.Get("ETag")
	if r.Status != 200 || etag == "" {
		t.Fatalf("get: %d, ETag %q", r.Status, etag)
	}
	if r := apitest.Call(t, "GET", api+"/questions/course-schedule", user, "", "If-None-Match", etag); r.Status != 304 {
		t.Fatalf("revalidation: %d", r.Status)
	}

	// An admin adds, edits and removes a question; a user may not.
	newQ := `{"title":"Count the Vowels","difficulty":"easy","topics":["strings"],"description":"Count vowels in ` + "`s`" + `.",
		"examples":[{"input":"s = \"peer\"","output":"2","explanation":""}],"constraints":["1 <= s.length <= 100"],"hints":[],
		"starter_code":{"python":"def count_vowels(s: str) -> int:\n    pass\n"}}`
	if r := apitest.Call(t, "POST", api+"/questions", user, newQ); r.Status != 403 {
		t.Fatalf("user create: %d", r.Status)
	}
	r = apitest.Call(t, "POST", api+"/questions", admin, newQ)
	if r.Status != 201 {
		t.Fatalf("admin create: %d %s", r.Status, r.Raw)
	}
	if r := apitest.Call(t, "POST", api+"/questions", admin, newQ); r.Status != 409 {
		t.Fatalf("duplicate create: %d", r.Status)
	}
	if r := apitest.Call(t, "PUT", api+"/questions/count-the-vowels", admin, strings.Replace(newQ, `"easy"`, `"medium"`, 1)); r.Status != 200 || !strings.Contains(r.Raw, `"difficulty":"medium"`) {
		t.Fatalf("update: %d %s", r.Status, r.Raw)
	}
	if r := apitest.Call(t, "DELETE", api+"/questions/count-the-vowels", admin, ""); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := apitest.Call(t, "GET", api+"/questions/count-the-vowels", user, ""); r.Status != 404 {
		t.Fatalf("deleted question: %d", r.Status)
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
