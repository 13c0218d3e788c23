package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
)

// goClient is a bare WebSocket client for tests that need no CRDT.
type goClient struct {
	ws     *websocket.Conn
	closed chan websocket.StatusCode // the close code, once the server closed
}

func (e *env) dial(base, sid, user string) *goClient {
	e.t.Helper()
	ws, err := dialWS(base, sid, e.token(user), "")
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	g := &goClient{ws: ws, closed: make(chan websocket.StatusCode, 1)}
	go func() {
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				g.closed <- websocket.CloseStatus(err)
				return
			}
		}
	}()
	e.t.Cleanup(func() { _ = ws.CloseNow() })
	return g
}

func dialWS(base, sid, token, subprotocol string) (*websocket.Conn, error) {
	url := strings.Replace(base, "http://", "ws://", 1) + api + "/sessions/" + sid + "/ws"
	opts := &websocket.DialOptions{}
	if subprotocol != "" {
		opts.Subprotocols = []string{subprotocol}
	} else if token != "" {
		url += "?token=" + token
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(8 << 20)
	return ws, nil
}

// waitClosed returns the close code the server sent.
func (g *goClient) waitClosed(t testing.TB) websocket.StatusCode {
	t.Helper()
	select {
	case code := <-g.closed:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not close the socket")
		return 0
	}
}

func TestCreateSessionIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	a, b, q := uuid.NewString(), uuid.NewString(), uuid.NewString()
	body := map[string]any{"match_id": "match-1", "user_ids": []string{a, b}, "question_id": q, "language": ""}

	first := call(t, "POST", r.URL+api+"/internal/sessions", internalToken, body)
	if first.Status != 201 || first.Body["session_id"] == nil {
		t.Fatalf("first create: %d %s", first.Status, first.Raw)
	}
	again := call(t, "POST", r.URL+api+"/internal/sessions", internalToken, body)
	if again.Status != 200 || again.Body["session_id"] != first.Body["session_id"] {
		t.Fatalf("retry: %d %s, want 200 with %v", again.Status, again.Raw, first.Body["session_id"])
	}
	sid := first.Body["session_id"].(string)
	got := call(t, "GET", r.URL+api+"/internal/sessions/"+sid, internalToken, nil)
	if got.Status != 200 || got.Body["id"] != sid || got.Body["language"] != "python" || got.Body["status"] != "active" ||
		got.Body["question_id"] != q || fmt.Sprint(got.Body["user_ids"]) != fmt.Sprint([]any{a, b}) ||
		got.Body["created_at"] == nil || got.Body["ended_at"] != nil || fmt.Sprint(got.Body["left_user_ids"]) != "[]" {
		t.Fatalf("internal get: %d %s", got.Status, got.Raw)
	}

	cases := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
		field  string
	}{
		{"same match with other users is a conflict", internalToken, map[string]any{"match_id": "match-1", "user_ids": []string{a, uuid.NewString()}, "question_id": q, "language": "go"}, 409, "conflict", ""},
		{"missing match id", internalToken, map[string]any{"user_ids": []string{a, b}, "question_id": q}, 400, "validation_failed", "match_id"},
		{"one user", internalToken, map[string]any{"match_id": "m2", "user_ids": []string{a}, "question_id": q}, 400, "validation_failed", "user_ids"},
		{"the same user twice", internalToken, map[string]any{"match_id": "m2", "user_ids": []string{a, a}, "question_id": q}, 400, "validation_failed", "user_ids"},
		{"user id not a UUID", internalToken, map[string]any{"match_id": "m2", "user_ids": []string{a, "bob"}, "question_id": q}, 400, "validation_failed", "user_ids[1]"},
		{"question id not a UUID", internalToken, map[string]any{"match_id": "m2", "user_ids": []string{a, b}, "question_id": "two-sum"}, 400, "validation_failed", "question_id"},
		{"unknown language", internalToken, map[string]any{"match_id": "m2", "user_ids": []string{a, b}, "question_id": q, "language": "cobol"}, 400, "validation_failed", "language"},
		{"unknown field", internalToken, map[string]any{"match_id": "m2", "user_ids": []string{a, b}, "question_id": q, "extra": 1}, 400, "validation_failed", "extra"},
		{"not JSON", internalToken, "match", 400, "invalid_request", ""},
		{"no token", "", body, 401, "unauthenticated", ""},
		{"a user's token is not the internal token", e.token(a), body, 401, "unauthenticated", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, "POST", r.URL+api+"/internal/sessions", tc.token, tc.body)
			if res.Status != tc.status || res.ErrCode() != tc.code {
				t.Fatalf("got %d %s, want %d %s", res.Status, res.Raw, tc.status, tc.code)
			}
			if tc.field != "" && !strings.Contains(res.Raw, `"field":"`+tc.field+`"`) {
				t.Fatalf("details do not name %s: %s", tc.field, res.Raw)
			}
		})
	}
}

func TestSessionIsVisibleToItsParticipantsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	sid, a, b := createSession(t, r.URL)
	stranger := uuid.NewString()

	for _, user := range []string{a, b} {
		got := call(t, "GET", r.URL+api+"/sessions/"+sid, e.token(user), nil)
		if got.Status != 200 || got.Body["id"] != sid || got.Body["status"] != "active" || got.Body["code"] != "" {
			t.Fatalf("participant: %d %s", got.Status, got.Raw)
		}
		cur := call(t, "GET", r.URL+api+"/sessions/current", e.token(user), nil)
		if cur.Status != 200 || cur.Body["id"] != sid {
			t.Fatalf("current: %d %s", cur.Status, cur.Raw)
		}
		// What matching-service asks before queueing a ticket.
		in := call(t, "GET", r.URL+api+"/internal/users/"+user+"/current-session", internalToken, nil)
		if in.Status != 200 || in.Body["id"] != sid || in.Body["status"] != "active" {
			t.Fatalf("internal current session: %d %s", in.Status, in.Raw)
		}
	}
	cases := []struct {
		name, path, token string
		status            int
	}{
		{"a stranger does not see it", "/sessions/" + sid, e.token(stranger), 404},
		{"a stranger has no current session", "/sessions/current", e.token(stranger), 404},
		{"an id that is not a UUID", "/sessions/nope", e.token(a), 404},
		{"an unknown session", "/sessions/" + uuid.NewString(), e.token(a), 404},
		{"no token", "/sessions/" + sid, "", 401},
		{"the internal route refuses a user token", "/internal/sessions/" + sid, e.token(a), 401},
		{"the internal route knows no unknown session", "/internal/sessions/" + uuid.NewString(), internalToken, 404},
		{"a stranger is in no session", "/internal/users/" + stranger + "/current-session", internalToken, 404},
		{"a user id that is not a UUID is in no session", "/internal/users/nope/current-session", internalToken, 404},
		{"the internal current session refuses a user token", "/internal/users/" + a + "/current-session", e.token(a), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, "GET", r.URL+api+tc.path, tc.token, nil)
			if res.Status != tc.status || res.ErrCode() == "" {
				t.Fatalf("got %d %s, want %d with an error body", res.Status, res.Raw, tc.status)
			}
		})
	}
	health := call(t, "GET", r.URL+api+"/health", "", nil)
	if health.Status != 200 || fmt.Sprint(health.Body["checks"]) != "map[database:ok redis:ok]" {
		t.Fatalf("health: %d %s", health.Status, health.Raw)
	}
}

// TestSocketRefusedBeforeUpgrade: every refusal is an HTTP error with the
// JSON error body, decided before the WebSocket upgrade.
func TestSocketRefusedBeforeUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	sid, a, b := createSession(t, r.URL)
	ended, c, d := createSession(t, r.URL)
	for _, u := range []string{c, d} {
		if res := call(t, "POST", r.URL+api+"/sessions/"+ended+"/leave", e.token(u), nil); res.Status != 200 {
			t.Fatalf("leave: %d %s", res.Status, res.Raw)
		}
	}
	left, f, _ := createSession(t, r.URL)
	if res := call(t, "POST", r.URL+api+"/sessions/"+left+"/leave", e.token(f), nil); res.Status != 200 {
		t.Fatalf("leave: %d %s", res.Status, res.Raw)
	}
	otherKey, _ := auth.GenerateKey()
	forged, _, _ := auth.NewSigner(otherKey, nil).Sign(a, auth.RoleUser, "")

	cases := []struct {
		name    string
		session string
		token   string
		upgrade bool
		status  int
		code    string
		origin  string
	}{
		{"no token", sid, "", true, 401, "unauthenticated", ""},
		{"a malformed token", sid, "not-a-jwt", true, 401, "unauthenticated", ""},
		{"a token signed by another key", sid, forged, true, 401, "unauthenticated", ""},
		{"not a participant (as if unknown: existence does not leak)", sid, e.token(uuid.NewString()), true, 404, "not_found", ""},
		{"an unknown session", uuid.NewString(), e.token(a), true, 404, "not_found", ""},
		{"an id that is not a UUID", "nope", e.token(a), true, 404, "not_found", ""},
		{"an ended session", ended, e.token(c), true, 410, "gone", ""},
		{"a participant who left", left, e.token(f), true, 410, "gone", ""},
		{"not a WebSocket request", sid, e.token(b), false, 426, "upgrade_required", ""},
		{"a page on another site", sid, e.token(b), true, 403, "forbidden", "https://evil.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := r.URL + api + "/sessions/" + tc.session + "/ws"
			if tc.token != "" {
				url += "?token=" + tc.token
			}
			req, _ := http.NewRequest("GET", url, nil)
			if tc.upgrade {
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", "websocket")
				req.Header.Set("Sec-WebSocket-Version", "13")
				req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(raw), `"code":"`+tc.code+`"`) ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("got %d %s %s, want %d %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw, tc.status, tc.code)
			}
		})
	}

	t.Run("a page served from the service's own host may connect", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		url := strings.Replace(r.URL, "http://", "ws://", 1) + api + "/sessions/" + sid + "/ws?token=" + e.token(b)
		ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {r.URL}}})
		if err != nil {
			t.Fatal(err)
		}
		ws.CloseNow()
	})
	t.Run("the bearer subprotocol is accepted and echoed", func(t *testing.T) {
		t.Parallel()
		proto := "bearer." + e.token(b)
		ws, err := dialWS(r.URL, sid, "", proto)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		if ws.Subprotocol() != proto {
			t.Fatalf("subprotocol %q", ws.Subprotocol())
		}
	})
	for _, line := range r.logs() {
		if strings.Contains(line, e.token(a)) || strings.Contains(line, forged) {
			t.Fatalf("a token reached the log: %s", line)
		}
	}
}

// TestLeaveByBothEndsSessionAndRecordsHistoryOnce follows a session from
// snapshot to departure to history, across two replicas.
func TestLeaveByBothEndsSessionAndRecordsHistoryOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)

	snap := call(t, "PUT", r1.URL+api+"/sessions/"+sid+"/snapshot", e.token(a), map[string]any{"code": "print('hi')", "language": "go"})
	if snap.Status != 204 {
		t.Fatalf("snapshot: %d %s", snap.Status, snap.Raw)
	}
	for _, bad := range []map[string]any{
		{"code": "x", "language": "cobol"}, {"language": "go"}, {"code": strings.Repeat("x", 100<<10+1), "language": "go"},
	} {
		if res := call(t, "PUT", r1.URL+api+"/sessions/"+sid+"/snapshot", e.token(a), bad); res.Status < 400 || res.Status > 413 || res.ErrCode() == "" {
			t.Fatalf("bad snapshot accepted: %d %s", res.Status, res.Raw)
		}
	}
	if res := call(t, "PUT", r1.URL+api+"/sessions/"+sid+"/snapshot", e.token(uuid.NewString()), map[string]any{"code": "", "language": "go"}); res.Status != 404 {
		t.Fatalf("stranger's snapshot: %d %s", res.Status, res.Raw)
	}

	sockA := e.dial(r2.URL, sid, a) // a on the other replica than the one a leaves through
	sockB := e.dial(r2.URL, sid, b)

	res := call(t, "POST", r1.URL+api+"/sessions/"+sid+"/leave", e.token(a), nil)
	if res.Status != 200 || res.Body["status"] != "active" || fmt.Sprint(res.Body["left_user_ids"]) != fmt.Sprint([]any{a}) {
		t.Fatalf("a leaves: %d %s", res.Status, res.Raw)
	}
	if code := sockA.waitClosed(t); code != 4403 {
		t.Fatalf("a's socket closed with %d, want 4403", code)
	}
	if cur := call(t, "GET", r1.URL+api+"/sessions/current", e.token(a), nil); cur.Status != 404 {
		t.Fatalf("a's current after leaving: %d %s", cur.Status, cur.Raw)
	}
	if in := call(t, "GET", r2.URL+api+"/internal/sessions/"+sid, internalToken, nil); fmt.Sprint(in.Body["left_user_ids"]) != fmt.Sprint([]any{a}) {
		t.Fatalf("internal get after a left: %d %s", in.Status, in.Raw)
	}
	if cur := call(t, "GET", r1.URL+api+"/sessions/current", e.token(b), nil); cur.Status != 200 {
		t.Fatalf("b's current: %d %s", cur.Status, cur.Raw)
	}
	if res := call(t, "PUT", r1.URL+api+"/sessions/"+sid+"/snapshot", e.token(a), map[string]any{"code": "late", "language": "go"}); res.Status != 410 {
		t.Fatalf("snapshot after leaving: %d %s", res.Status, res.Raw)
	}

	res = call(t, "POST", r2.URL+api+"/sessions/"+sid+"/leave", e.token(b), nil)
	if res.Status != 200 || res.Body["status"] != "ended" || res.Body["ended_at"] == nil {
		t.Fatalf("b leaves: %d %s", res.Status, res.Raw)
	}
	if code := sockB.waitClosed(t); code != 4410 {
		t.Fatalf("b's socket closed with %d, want 4410", code)
	}

	apitest.EventuallyNil(t, 10*time.Second, func() error {
		got, posts := e.history.Attempts()
		if len(got) != 2 || posts != 2 {
			return fmt.Errorf("history has %d attempts from %d posts", len(got), posts)
		}
		return nil
	})
	got, _ := e.history.Attempts()
	for _, pair := range [][2]string{{a, b}, {b, a}} {
		at := got[sid+"/"+pair[0]]
		if at["partner_id"] != pair[1] || at["code"] != "print('hi')" || at["language"] != "go" ||
			at["started_at"] == nil || at["ended_at"] == nil || at["question_id"] == nil {
			t.Fatalf("attempt of %s: %v", pair[0], at)
		}
	}

	// Ended is final: read-only, refused, idempotent.
	if res := call(t, "GET", r1.URL+api+"/sessions/"+sid, e.token(a), nil); res.Status != 200 || res.Body["status"] != "ended" || res.Body["code"] != "print('hi')" {
		t.Fatalf("ended session: %d %s", res.Status, res.Raw)
	}
	if res := call(t, "POST", r1.URL+api+"/sessions/"+sid+"/leave", e.token(b), nil); res.Status != 200 || res.Body["status"] != "ended" {
		t.Fatalf("leaving again: %d %s", res.Status, res.Raw)
	}
	if res := call(t, "PUT", r1.URL+api+"/sessions/"+sid+"/snapshot", e.token(b), map[string]any{"code": "late", "language": "go"}); res.Status != 410 {
		t.Fatalf("snapshot after the end: %d %s", res.Status, res.Raw)
	}
	time.Sleep(300 * time.Millisecond)
	if _, posts := e.history.Attempts(); posts != 2 {
		t.Fatalf("history was posted %d times", posts)
	}
}

// TestBothLeavingAtOnceEndsOnce: the two participants leave at the same
// moment through different replicas; each session ends and is recorded
// exactly once.
func TestBothLeavingAtOnceEndsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, r2 := e.start(), e.start()
	const n = 6
	var wg sync.WaitGroup
	for range n {
		sid, a, b := createSession(t, r1.URL)
		for _, p := range []struct{ base, user string }{{r1.URL, a}, {r2.URL, b}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if res := call(t, "POST", p.base+api+"/sessions/"+sid+"/leave", e.token(p.user), nil); res.Status != 200 {
					t.Errorf("leave: %d %s", res.Status, res.Raw)
				}
			}()
		}
	}
	wg.Wait()
	apitest.EventuallyNil(t, 10*time.Second, func() error {
		got, posts := e.history.Attempts()
		if len(got) != 2*n || posts != 2*n {
			return fmt.Errorf("history has %d attempts from %d posts, want %d", len(got), posts, 2*n)
		}
		return nil
	})
}

// TestIdleSessionEnds: a session nobody is connected to ends after
// SESSION_IDLE_TIMEOUT; one with a socket open does not. History is
// retried when it fails, and recorded once.
func TestIdleSessionEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withVar("SESSION_IDLE_TIMEOUT", "1s"))
	r1, r2 := e.start(), e.start()
	e.history.FailAttempts(1) // the first post fails: retried

	busy, a, _ := createSession(t, r1.URL)
	idle, _, _ := createSession(t, r2.URL)
	sock := e.dial(r1.URL, busy, a)

	apitest.EventuallyNil(t, 10*time.Second, func() error {
		if s := call(t, "GET", r2.URL+api+"/internal/sessions/"+idle, internalToken, nil); s.Body["status"] != "ended" {
			return fmt.Errorf("idle session is %v", s.Body["status"])
		}
		return nil
	})
	time.Sleep(1500 * time.Millisecond) // longer than the timeout: the connected one stays
	if s := call(t, "GET", r2.URL+api+"/internal/sessions/"+busy, internalToken, nil); s.Body["status"] != "active" {
		t.Fatalf("a session with a socket open ended: %s", s.Raw)
	}
	_ = sock.ws.Close(websocket.StatusNormalClosure, "")
	apitest.EventuallyNil(t, 10*time.Second, func() error {
		if s := call(t, "GET", r1.URL+api+"/internal/sessions/"+busy, internalToken, nil); s.Body["status"] != "ended" {
			return fmt.Errorf("session left idle is %v", s.Body["status"])
		}
		return nil
	})
	apitest.EventuallyNil(t, 15*time.Second, func() error {
		got, posts := e.history.Attempts()
		if len(got) != 4 || posts != 5 { // 2 sessions × 2 participants, plus the failed post
			return fmt.Errorf("history has %d attempts from %d posts", len(got), posts)
		}
		return nil
	})
}

// TestShutdownClosesSocketsWithServiceRestart: a stopping replica closes
// its sockets with 1012 so clients reconnect elsewhere.
func TestShutdownClosesSocketsWithServiceRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	sid, a, _ := createSession(t, r.URL)
	sock := e.dial(r.URL, sid, a)
	done := make(chan error, 1)
	go func() { done <- r.stop() }()
	if code := sock.waitClosed(t); code != websocket.StatusServiceRestart {
		t.Fatalf("closed with %d, want 1012", code)
	}
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("stop: %v", err)
	}
}
