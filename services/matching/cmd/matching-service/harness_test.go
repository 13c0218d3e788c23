package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/matching/internal/redisq"
)

const (
	internalToken = "matching-e2e-internal-token-0123456789"
	prefix        = "/matching-service-api"
)

// env is what every replica of one test shares: Redis (a key prefix), the
// stand-in services and the token signing key.
type env struct {
	vars   map[string]string
	deps   *fake.Server
	signer *auth.Signer
	rdb    *redis.Client
	store  *redisq.Store // for checks against Redis itself
}

func newEnv(t testing.TB, overrides map[string]string) *env {
	t.Helper()
	return newEnvDeps(t, overrides, newDeps(t))
}

// newEnvWithEmpty is newEnv where the topics/difficulties named
// ("math/hard") have no questions.
func newEnvWithEmpty(t testing.TB, empty ...string) *env {
	t.Helper()
	return newEnvDeps(t, nil, newDeps(t, empty...))
}

// newDeps starts the other services' fake: every UUID is a user, and each
// topic and difficulty has fake.QuestionsPer questions, except those named
// in empty ("math/hard").
func newDeps(t testing.TB, empty ...string) *fake.Server {
	f := fake.Start(t, internalToken)
	f.AnyUser.Store(true)
	f.SeedBank(empty...)
	return f
}

func newEnvDeps(t testing.TB, overrides map[string]string, deps *fake.Server) *env {
	t.Helper()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{deps: deps, signer: auth.NewSigner(priv, nil)}
	e.vars = map[string]string{
		"INTERNAL_API_TOKEN": internalToken,
		"JWT_PUBLIC_KEYS":    base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"RELAX_AFTER":        "10s",
		"MATCH_TIMEOUT":      "30s",
		"LOG_LEVEL":          "info", // servicetest waits for the "listening" line
	}
	if overrides["REDIS_URL"] == "" {
		rdb, p := redistest.New(t)
		e.rdb = rdb
		e.vars["REDIS_URL"], e.vars["REDIS_KEY_PREFIX"] = redistest.URL(), p
	}
	maps.Copy(e.vars, deps.Env())
	maps.Copy(e.vars, overrides)
	if e.rdb == nil {
		opts, err := redis.ParseURL(e.vars["REDIS_URL"])
		if err != nil {
			t.Fatal(err)
		}
		e.rdb = redis.NewClient(opts)
		t.Cleanup(func() { e.rdb.Close() })
	}
	p := e.vars["REDIS_KEY_PREFIX"]
	if p == "" {
		p = "peerprep:"
	}
	e.store = redisq.New(e.rdb, p, redisq.Options{})
	return e
}

func (e *env) start(t testing.TB) *servicetest.Instance {
	t.Helper()
	return servicetest.Start(t, run, e.vars)
}

// user is a signed-in user.
type user struct {
	ID, Token string
}

func (e *env) user(t testing.TB) user {
	t.Helper()
	id := uuid.NewString()
	tok, _, err := e.signer.Sign(id, auth.RoleUser, "")
	if err != nil {
		t.Fatal(err)
	}
	return user{ID: id, Token: tok}
}

type response = apitest.Response

var call = apitest.Call

func queue(t testing.TB, base string, u user, difficulty, topic, language string) response {
	t.Helper()
	body := map[string]any{"difficulty": difficulty, "topic": topic}
	if language != "" {
		body["language"] = language
	}
	return call(t, http.MethodPost, base+prefix+"/tickets", u.Token, body)
}

func mustQueue(t testing.TB, base string, u user, difficulty, topic, language string) string {
	t.Helper()
	r := queue(t, base, u, difficulty, topic, language)
	if r.Status != http.StatusAccepted || r.Str("status") != "queued" || r.Str("ticket_id") == "" {
		t.Fatalf("queue: %d %s", r.Status, r.Raw)
	}
	return r.Str("ticket_id")
}

// event is one WebSocket message.
type event struct {
	Type       string `json:"type"`
	TicketID   string `json:"ticket_id"`
	Relaxed    bool   `json:"relaxed"`
	MatchID    string `json:"match_id"`
	SessionID  string `json:"session_id"`
	QuestionID string `json:"question_id"`
	Reason     string `json:"reason"`
	Mode       string `json:"mode"`
	Role       string `json:"role"`
	Partner    struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"partner"`
	Criteria struct {
		Difficulty, Topic, Language string
	} `json:"criteria"`
	at time.Time
}

// socket is a test client's WebSocket.
type socket struct {
	c      *websocket.Conn
	events chan event
	closed chan websocket.StatusCode
}

func dial(t testing.TB, base string, u user) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(base, "http") + prefix + "/ws?token=" + u.Token
	c, resp, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	s := &socket{c: c, events: make(chan event, 64), closed: make(chan websocket.StatusCode, 1)}
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				s.closed <- websocket.CloseStatus(err)
				close(s.events)
				return
			}
			var e event
			if json.Unmarshal(data, &e) == nil {
				e.at = time.Now()
				s.events <- e
			}
		}
	}()
	t.Cleanup(func() { _ = c.CloseNow() })
	return s
}

// next returns the next event, failing after d.
func (s *socket) next(t testing.TB, d time.Duration) event {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			t.Fatal("socket closed while waiting for an event")
		}
		return e
	case <-time.After(d):
		t.Fatalf("no event within %v", d)
	}
	return event{}
}

// until skips events until one of type typ arrives.
func (s *socket) until(t testing.TB, typ string, d time.Duration) event {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		e := s.next(t, time.Until(deadline))
		if e.Type == typ {
			return e
		}
	}
}

// quiet asserts no event arrives within d.
func (s *socket) quiet(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if ok {
			t.Fatalf("unexpected event %+v", e)
		}
	case <-time.After(d):
	}
}

// closeCode waits for the server to close the socket.
func (s *socket) closeCode(t testing.TB, d time.Duration) websocket.StatusCode {
	t.Helper()
	for {
		select {
		case code := <-s.closed:
			return code
		case _, ok := <-s.events:
			if !ok {
				return <-s.closed
			}
		case <-time.After(d):
			t.Fatal("socket not closed")
		}
	}
}
