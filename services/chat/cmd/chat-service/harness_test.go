package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/chat/internal/postgres/migrations"
)

const internalToken = "chat-e2e-internal-token-0123456789"

// world is one test's surroundings: PostgreSQL, a Redis prefix, the
// collaboration-service and user-service fake and a token signer.
type world struct {
	t      testing.TB
	env    map[string]string
	signer *auth.Signer
	priv   ed25519.PrivateKey
	rdb    *redis.Client
	prefix string
	dbURL  string

	deps *fake.Server // collaboration-service and user-service
}

func newWorld(t testing.TB) *world {
	t.Helper()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := redistest.New(t)
	w := &world{t: t, signer: auth.NewSigner(priv, nil), priv: priv, rdb: rdb, prefix: prefix, deps: fake.Start(t, internalToken)}
	w.dbURL = pgtest.NewURL(t, migrations.FS)

	w.env = map[string]string{
		"DATABASE_URL":              w.dbURL,
		"REDIS_URL":                 redistest.URL(),
		"REDIS_KEY_PREFIX":          prefix,
		"INTERNAL_API_TOKEN":        internalToken,
		"JWT_PUBLIC_KEYS":           base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"COLLABORATION_SERVICE_URL": w.deps.URL,
		"USER_SERVICE_URL":          w.deps.URL,
		"CHAT_PRESENCE_TTL":         "1500ms",
	}
	return w
}

// start boots a replica with the world's environment plus extra.
func (w *world) start(extra ...string) *servicetest.Instance {
	w.t.Helper()
	env := make(map[string]string, len(w.env)+len(extra)/2)
	for k, v := range w.env {
		env[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return servicetest.Start(w.t, run, env)
}

// user makes a user known to user-service and returns its id and a token.
func (w *world) user(name string) (id, token string) {
	w.t.Helper()
	id = uuid.NewString()
	w.deps.SetUser(id, name)
	tok, _, err := w.signer.Sign(id, auth.RoleUser, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return id, tok
}

// tokenExpiringIn signs a token for user id that expires after d.
func (w *world) tokenExpiringIn(id string, d time.Duration) string {
	w.t.Helper()
	// Signed "earlier", so its 15-minute life ends d from now.
	signer := auth.NewSigner(w.priv, func() time.Time { return time.Now().Add(d - 15*time.Minute) })
	tok, exp, err := signer.Sign(id, auth.RoleUser, "")
	if err != nil || time.Until(exp) > d+time.Second {
		w.t.Fatalf("sign: %v (expires %v)", err, exp)
	}
	return tok
}

// room creates a collaboration session of users.
func (w *world) room(status string, users ...string) string {
	id := uuid.NewString()
	w.deps.AddSession(internalapi.Session{ID: id, UserIDs: [2]string(users), QuestionID: uuid.NewString(), Language: "go", Status: status})
	return id
}

func (w *world) db() *pgxpool.Pool {
	w.t.Helper()
	pool, err := postgres.Connect(context.Background(), w.dbURL)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(pool.Close)
	return pool
}

// frame is any server frame.
type frame struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	ClientID string `json:"client_id"`
	From     struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"from"`
	Text    string `json:"text"`
	SentAt  string `json:"sent_at"`
	UserID  string `json:"user_id"`
	State   string `json:"state"`
	Code    string `json:"code"`
	Message string `json:"message"`
	raw     string
}

// client is a test WebSocket client that reads frames in the background.
type client struct {
	t      testing.TB
	c      *websocket.Conn
	frames chan frame
	closed chan error // the read error that ended the socket
}

func wsURL(base, room string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/chat-service-api/rooms/" + room + "/ws"
}

// dial connects with the token as ?token=.
func dial(t testing.TB, base, room, token string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, wsURL(base, room)+"?token="+token, nil)
	if err != nil {
		body := ""
		if resp != nil && resp.Body != nil {
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
		}
		t.Fatalf("dial: %v %s", err, body)
	}
	return newClient(t, c)
}

func newClient(t testing.TB, c *websocket.Conn) *client {
	cl := &client{t: t, c: c, frames: make(chan frame, 4096), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				cl.closed <- err
				close(cl.frames)
				return
			}
			var f frame
			if err := json.Unmarshal(b, &f); err != nil {
				f.Type = "undecodable"
			}
			f.raw = string(b)
			cl.frames <- f
		}
	}()
	t.Cleanup(func() { _ = c.CloseNow() })
	return cl
}

func (cl *client) sendRaw(s string) {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cl.c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		cl.t.Fatalf("write: %v", err)
	}
}

func (cl *client) send(clientID, text string) {
	cl.t.Helper()
	b, _ := json.Marshal(map[string]string{"type": "message", "client_id": clientID, "text": text})
	cl.sendRaw(string(b))
}

// next returns the next frame for which keep is true, skipping others.
func (cl *client) next(keep func(frame) bool) frame {
	cl.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-cl.frames:
			if !ok {
				cl.t.Fatalf("socket closed while waiting: %v", <-cl.closed)
			}
			if keep(f) {
				return f
			}
			cl.t.Logf("skipped %s", f.raw)
		case <-timeout:
			cl.t.Fatal("no matching frame within 10s")
		}
	}
}

func isType(typ string) func(frame) bool { return func(f frame) bool { return f.Type == typ } }

func presenceOf(user string) func(frame) bool {
	return func(f frame) bool { return f.Type == "presence" && f.UserID == user }
}

// quiet asserts no frame of typ arrives within d.
func (cl *client) quiet(typ string, d time.Duration) {
	cl.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case f, ok := <-cl.frames:
			if !ok {
				return
			}
			if f.Type == typ {
				cl.t.Fatalf("unexpected %s frame: %s", typ, f.raw)
			}
		case <-timeout:
			return
		}
	}
}

// getJSON GETs url with a bearer token and decodes the JSON answer.
func getJSON(t testing.TB, url, token string, out any) int {
	t.Helper()
	r := apitest.Call(t, http.MethodGet, url, token, nil)
	r.Decode(t, out)
	return r.Status
}

type historyPage struct {
	Items      []frame `json:"items"`
	HasMore    bool    `json:"has_more"`
	NextBefore string  `json:"next_before"`
}

func history(t testing.TB, base, room, token, query string) historyPage {
	t.Helper()
	var p historyPage
	if code := getJSON(t, base+"/chat-service-api/rooms/"+room+"/messages"+query, token, &p); code != 200 {
		t.Fatalf("history %s: %d", query, code)
	}
	return p
}
