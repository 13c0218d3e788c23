package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/user/internal/postgres/migrations"
)

func postJSON(t *testing.T, url string, body any, hdr ...string) (int, map[string]any) {
	t.Helper()
	r := apitest.Call(t, http.MethodPost, url, "", body, hdr...)
	return r.Status, r.Body
}

func getJSON(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	r := apitest.Call(t, http.MethodGet, url, token, nil)
	return r.Status, r.Body
}

func testEnv(t *testing.T) map[string]string {
	t.Helper()
	_, prefix := redistest.New(t)
	return map[string]string{
		"DATABASE_URL":       pgtest.NewURL(t, migrations.FS),
		"REDIS_URL":          redistest.URL(),
		"REDIS_KEY_PREFIX":   prefix,
		"INTERNAL_API_TOKEN": "e2e-internal-token-0123456789",
	}
}

// TestEndToEnd boots two replicas through run() with no JWT_SIGNING_KEY: the
// local key they generate is shared through the database, so a token from
// one verifies on the other.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	a := servicetest.Start(t, run, env)
	b := servicetest.Start(t, run, env)

	code, body := getJSON(t, a.URL+"/user-service-api/health", "")
	if code != 200 || body["status"] != "healthy" || body["service"] != "user-service" {
		t.Fatalf("health: %d %v", code, body)
	}
	code, body = postJSON(t, a.URL+"/user-service-api/auth/signup", map[string]string{"username": "e2e_user", "email": "e2e@example.com", "password": "End-to-end-secret-9"})
	if code != 201 {
		t.Fatalf("signup: %d %v", code, body)
	}
	tok := body["access_token"].(string)
	code, body = getJSON(t, b.URL+"/user-service-api/users/me", tok)
	if code != 200 || body["username"] != "e2e_user" {
		t.Fatalf("token from replica A on replica B: %d %v", code, body)
	}
	code, body = postJSON(t, b.URL+"/user-service-api/auth/login", map[string]string{"identifier": "e2e@example.com", "password": "End-to-end-secret-9"})
	if code != 200 {
		t.Fatalf("login on B: %d %v", code, body)
	}
	for _, line := range append(a.Logs(), b.Logs()...) {
		if strings.Contains(line, "End-to-end-secret-9") || strings.Contains(line, tok) {
			t.Fatalf("a secret reached the log: %s", line)
		}
	}
}

func TestProductionRefusesToStartWithoutSecrets(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ENVIRONMENT": "production", "DATABASE_URL": "postgres://x@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "JWT_SIGNING_KEY") || !strings.Contains(err.Error(), "INTERNAL_API_TOKEN") {
		t.Fatalf("err = %v", err)
	}
}

// TestPromote: registering an address is never enough to become admin
// (emails are unverified; the old ADMIN_EMAILS variable is ignored); the
// operator's promote command, by username or email, is the only way.
func TestPromote(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	env["ADMIN_EMAILS"] = "boss@example.com"
	in := servicetest.Start(t, run, env)
	code, body := postJSON(t, in.URL+"/user-service-api/auth/signup", map[string]string{"username": "future_admin", "email": "Boss@Example.com", "password": "Promotion-secret-5"})
	if code != 201 {
		t.Fatalf("signup: %d %v", code, body)
	}
	if role := body["user"].(map[string]any)["role"]; role != "user" {
		t.Fatalf("signing up with a listed address made the account %v", role)
	}
	code, body = postJSON(t, in.URL+"/user-service-api/auth/login", map[string]string{"identifier": "boss@example.com", "password": "Promotion-secret-5"})
	if code != 200 || body["user"].(map[string]any)["role"] != "user" {
		t.Fatalf("signing in with a listed address: %d %v", code, body)
	}
	for _, id := range []string{"Future_Admin", "BOSS@example.com"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"promote", id}, func(k string) string { return env[k] }, &out); err != nil {
			t.Fatalf("promote %s: %v", id, err)
		}
		if !strings.Contains(out.String(), "future_admin") {
			t.Fatalf("promote %s said %q", id, out.String())
		}
	}
	code, body = postJSON(t, in.URL+"/user-service-api/auth/login", map[string]string{"identifier": "future_admin", "password": "Promotion-secret-5"})
	if code != 200 || body["user"].(map[string]any)["role"] != "admin" {
		t.Fatalf("after promote: %d %v", code, body)
	}
	for _, id := range []string{"nobody@example.com", "nobody"} {
		if err := run(context.Background(), []string{"promote", id}, func(k string) string { return env[k] }, io.Discard); err == nil {
			t.Fatalf("promoting unknown %s succeeded", id)
		}
	}
}

// TestGracefulShutdown runs the real binary, sends SIGTERM while signups are
// in flight, and checks: readiness 503 while draining, every request
// answered, exit code 0.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "user-service")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := testEnv(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "PORT=0", "SHUTDOWN_DRAIN=1s", "ENVIRONMENT=test")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	url := waitListening(t, stdout)

	var wg sync.WaitGroup
	codes := make([]int, 12)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := postJSON(t, url+"/user-service-api/auth/signup", map[string]string{
				"username": "inflight_" + string(rune('a'+i)), "email": "inflight" + string(rune('a'+i)) + "@example.com", "password": "In-flight-secret-7"})
			codes[i] = code
		}()
	}
	time.Sleep(5 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if code, _ := getJSON(t, url+"/health/ready", ""); code != 503 {
		t.Fatalf("readiness while draining = %d, want 503", code)
	}
	wg.Wait()
	for i, c := range codes {
		if c != 201 {
			t.Fatalf("in-flight signup %d answered %d", i, c)
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not exit within 20 s of SIGTERM")
	}
}

func waitListening(t *testing.T, r io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		dec := json.NewDecoder(r)
		for {
			var m map[string]any
			if dec.Decode(&m) != nil {
				return
			}
			if m["msg"] == "listening" {
				select {
				case found <- "http://" + strings.Replace(m["addr"].(string), "[::]", "127.0.0.1", 1):
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("binary never logged its address")
		return ""
	}
}

// TestKeyRotation: mid-rotation, one replica signs with the old key and
// publishes the new one, the other signs with the new key and publishes the
// old one; each accepts the other's tokens, both JWKS list both keys with
// the signing key first, and a token from any other key is refused.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey, stranger := mustKey(t), mustKey(t), mustKey(t)
	envOld, envNew := testEnv(t), map[string]string{}
	for k, v := range envOld {
		envNew[k] = v
	}
	envOld["JWT_SIGNING_KEY"], envOld["JWT_EXTRA_PUBLIC_KEYS"] = pemOf(t, oldKey), pubOf(newKey)
	envNew["JWT_SIGNING_KEY"], envNew["JWT_EXTRA_PUBLIC_KEYS"] = pemOf(t, newKey), pubOf(oldKey)
	a := servicetest.Start(t, run, envOld)
	b := servicetest.Start(t, run, envNew)

	tokens := map[string]string{}
	var someUser string
	for name, in := range map[string]*servicetest.Instance{"old": a, "new": b} {
		code, body := postJSON(t, in.URL+"/user-service-api/auth/signup", map[string]string{
			"username": "rot_" + name, "email": "rot_" + name + "@example.com", "password": "Rotation-secret-" + name + "-42"})
		if code != 201 {
			t.Fatalf("signup on %s: %d %v", name, code, body)
		}
		tokens[name] = body["access_token"].(string)
		someUser = body["user"].(map[string]any)["id"].(string)
	}
	for _, in := range []*servicetest.Instance{a, b} {
		for name, tok := range tokens {
			if code, body := getJSON(t, in.URL+"/user-service-api/users/me", tok); code != 200 {
				t.Fatalf("token signed with the %s key refused: %d %v", name, code, body)
			}
		}
	}
	for in, first := range map[*servicetest.Instance]ed25519.PrivateKey{a: oldKey, b: newKey} {
		_, body := getJSON(t, in.URL+"/user-service-api/.well-known/jwks.json", "")
		keys, _ := body["keys"].([]any)
		if len(keys) != 2 || keys[0].(map[string]any)["kid"] != auth.KeyID(auth.Public(first)) {
			t.Fatalf("JWKS: %v", body)
		}
	}
	forged, _, err := auth.NewSigner(stranger, nil).Sign(someUser, auth.RoleUser, "")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := getJSON(t, a.URL+"/user-service-api/users/me", forged); code != 401 {
		t.Fatalf("a token from an unpublished key: %d", code)
	}
	if err := run(context.Background(), []string{"serve"}, func(k string) string {
		if k == "JWT_EXTRA_PUBLIC_KEYS" {
			return "not-a-key"
		}
		return envOld[k]
	}, io.Discard); err == nil || !strings.Contains(err.Error(), "JWT_EXTRA_PUBLIC_KEYS") {
		t.Fatalf("a malformed JWT_EXTRA_PUBLIC_KEYS: %v", err)
	}
}

func mustKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemOf(t *testing.T, k ed25519.PrivateKey) string {
	t.Helper()
	s, err := auth.MarshalPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pubOf(k ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(auth.Public(k))
}
