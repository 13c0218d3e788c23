package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/collaboration/internal/postgres/migrations"
)

// childEnv makes the test binary run the service instead of the tests, so
// a test can SIGKILL a replica.
const childEnv = "COLLAB_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, []string{"serve"}, os.Getenv, os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const internalToken = "test-internal-token-0123456789"

// env is one test's world: a fresh database, its own Redis key prefix (or
// private Redis server), a signing key and a history-service fake.
type env struct {
	t       testing.TB
	vars    map[string]string
	priv    ed25519.PrivateKey
	history *fake.Server
	redis   *redistest.Server // set when the test owns its Redis
}

type envOption func(*env)

// privateRedis gives the test a redis-server of its own to flush or restart.
func privateRedis() envOption {
	return func(e *env) {
		e.redis = redistest.NewServer(e.t)
		e.vars["REDIS_URL"] = e.redis.URL()
		e.vars["REDIS_KEY_PREFIX"] = "peerprep:"
	}
}

func withVar(k, v string) envOption { return func(e *env) { e.vars[k] = v } }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, prefix := redistest.New(t)
	e := &env{t: t, priv: priv, history: fake.Start(t, internalToken)}
	e.vars = map[string]string{
		"DATABASE_URL":        pgtest.NewURL(t, migrations.FS),
		"REDIS_URL":           redistest.URL(),
		"REDIS_KEY_PREFIX":    prefix,
		"INTERNAL_API_TOKEN":  internalToken,
		"JWT_PUBLIC_KEYS":     base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"HISTORY_SERVICE_URL": e.history.URL,
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

func (e *env) token(user string) string {
	tok, _, err := auth.NewSigner(e.priv, nil).Sign(user, auth.RoleUser, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// replica is one running instance of the service.
type replica struct {
	URL  string
	pid  int // for process replicas
	stop func() error
	kill func()          // SIGKILL, for child replicas
	logs func() []string // for in-process replicas
}

// start runs a replica in this process.
func (e *env) start() *replica {
	e.t.Helper()
	in := servicetest.Start(e.t, run, e.vars)
	e.t.Cleanup(func() {
		if e.t.Failed() {
			for _, l := range in.Logs() {
				if !strings.Contains(l, `"level":"INFO"`) || os.Getenv("COLLAB_TEST_LOGS") != "" {
					e.t.Log(in.URL, l)
				}
			}
		}
	})
	return &replica{URL: in.URL, stop: in.Stop, logs: in.Logs}
}

// startChild runs a replica as a separate process that can be killed.
func (e *env) startChild() *replica { return e.startProcess("") }

// startProcess runs a replica from the binary bin, or from this test
// binary when bin is "".
func (e *env) startProcess(bin string) *replica {
	t := e.t
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if bin != "" {
		cmd = exec.Command(bin, "serve")
	}
	cmd.Env = append(os.Environ(), childEnv+"=1", "PORT=0", "SHUTDOWN_DRAIN=0s", "ENVIRONMENT=test")
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		show := os.Getenv("COLLAB_TEST_LOGS") != ""
		for sc.Scan() {
			if show && !bytes.Contains(sc.Bytes(), []byte(`"msg":"request"`)) {
				fmt.Fprintln(os.Stderr, sc.Text())
			}
			var m struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Msg == "listening" {
				select {
				case addr <- m.Addr:
				default:
				}
			}
		}
	}()
	var once sync.Once
	kill := func() { once.Do(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) }
	t.Cleanup(kill)
	select {
	case a := <-addr:
		r := &replica{URL: "http://" + strings.Replace(a, "[::]", "127.0.0.1", 1), kill: kill, pid: cmd.Process.Pid}
		r.stop = func() error {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			err := cmd.Wait()
			once.Do(func() {})
			return err
		}
		waitLive(t, r.URL)
		return r
	case <-time.After(30 * time.Second):
		kill()
		t.Fatalf("child replica did not start: %s", stderr.String())
		return nil
	}
}

func waitLive(t testing.TB, base string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/health/live"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s never became live", base)
}

const api = "/collaboration-service-api"

type response = apitest.Response

var call = apitest.Call

// createSession asks for the session of a new match between two new users.
func createSession(t testing.TB, base string) (sid, a, b string) {
	t.Helper()
	a, b = uuid.NewString(), uuid.NewString()
	r := call(t, "POST", base+api+"/internal/sessions", internalToken, map[string]any{
		"match_id": uuid.NewString(), "user_ids": []string{a, b}, "question_id": uuid.NewString(), "language": "",
	})
	if r.Status != 201 {
		t.Fatalf("create session: %d %s", r.Status, r.Raw)
	}
	return r.Body["session_id"].(string), a, b
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func openDB(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	db, err := postgres.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// flushRedis empties the test's private Redis.
func flushRedis(t testing.TB, e *env) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: e.redis.Addr})
	defer rdb.Close()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}
