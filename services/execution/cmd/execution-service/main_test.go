package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/execution/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/execution/runtimes"
)

const (
	internalToken = "e2e-internal-token-0123456789"
	prefix        = "/execution-service-api"
	// runLimit is generous: on a loaded machine an interpreter start alone
	// has taken over a second, and only the endless loops should stop.
	runLimit = raceScale * 5 * time.Second
)

// stack is two instances of run() on :0 sharing a database and Redis,
// with the other services faked (libs/internalapi/fake).
type stack struct {
	t         *testing.T
	tokens    *apitest.Tokens
	peers     *fake.Server
	a, b      *servicetest.Instance
	twoSum    string // a question with 2 visible and 2 hidden cases
	noCases   string
	sessionID string
	ann, bob  user
}

type user struct{ id, token string }

func newStack(t *testing.T, env map[string]string) *stack {
	t.Helper()
	dir, err := runtimes.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/" + runtimes.GojaWasm); err != nil {
		t.Fatalf("run `go run ./runtimes/prepare` first: %v", err)
	}
	s := &stack{t: t, tokens: apitest.NewTokens(t), peers: fake.New(internalToken)}
	s.peers.Serve(t)
	s.twoSum, s.noCases = uuid.NewString(), uuid.NewString()
	s.peers.AddQuestion(internalapi.Question{ID: s.twoSum, Slug: "two-sum", Title: "Two Sum", Difficulty: "easy", Topics: []string{"arrays"}})
	s.peers.AddQuestion(internalapi.Question{ID: s.noCases, Slug: "no-cases", Title: "No Cases", Difficulty: "easy", Topics: []string{"arrays"}})
	c := func(in, out string, hidden bool) internalapi.TestCase {
		return internalapi.TestCase{Input: json.RawMessage(in), Expected: json.RawMessage(out), Hidden: hidden}
	}
	s.peers.SetTests(s.twoSum, internalapi.QuestionTests{Signature: "twoSum(nums int[], target int) int[]", Compare: "unordered", Cases: []internalapi.TestCase{
		c(`[[2,7,11,15],9]`, `[0,1]`, false), c(`[[3,2,4],6]`, `[1,2]`, false),
		c(`[[3,3],6]`, `[0,1]`, true), c(`[[1,5,90,4],94]`, `[2,3]`, true),
	}})
	s.ann.id, s.ann.token = s.tokens.User(t)
	s.bob.id, s.bob.token = s.tokens.User(t)
	s.peers.SetUser(s.ann.id, "ann")
	s.peers.SetUser(s.bob.id, "bob")
	s.sessionID = uuid.NewString()
	s.peers.AddSession(internalapi.Session{ID: s.sessionID, UserIDs: [2]string{s.ann.id, s.bob.id}, QuestionID: s.twoSum, Language: "python"})

	_, keyPrefix := redistest.New(t)
	merged := map[string]string{
		"DATABASE_URL":       pgtest.NewURL(t, migrations.FS),
		"REDIS_URL":          redistest.URL(),
		"REDIS_KEY_PREFIX":   keyPrefix,
		"INTERNAL_API_TOKEN": internalToken,
		"JWT_PUBLIC_KEYS":    s.tokens.PublicKeys(),
		"RUN_TIME_LIMIT":     runLimit.String(),
		"SUBMIT_TIME_LIMIT":  "5s",
		"RUN_CONCURRENCY":    "2",
	}
	for k, v := range s.peers.Env() {
		merged[k] = v
	}
	for k, v := range env {
		merged[k] = v
	}
	s.a = servicetest.Start(t, run, merged)
	s.b = servicetest.Start(t, run, merged)
	for _, in := range []*servicetest.Instance{s.a, s.b} {
		apitest.Eventually(t, 90*time.Second, "interpreters compiled", func() bool {
			return apitest.Call(t, "GET", in.URL+"/health/ready", "", nil).Status == http.StatusOK
		})
	}
	return s
}

type runJSON struct {
	ID                string  `json:"id"`
	UserID            string  `json:"user_id"`
	Username          string  `json:"username"`
	SessionID         *string `json:"session_id"`
	Verdict           string  `json:"verdict"`
	Message           string  `json:"message"`
	TimeMS            float64 `json:"time_ms"`
	MemoryBytes       uint64  `json:"memory_bytes"`
	FirstFailedHidden *int    `json:"first_failed_hidden"`
	Cases             []map[string]json.RawMessage
	Error             *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Line    *int   `json:"line"`
	} `json:"error"`
}

func (s *stack) post(in *servicetest.Instance, u user, body map[string]any) apitest.Response {
	s.t.Helper()
	return apitest.Call(s.t, "POST", in.URL+prefix+"/runs", u.token, body)
}

func (s *stack) mustRun(in *servicetest.Instance, u user, body map[string]any) runJSON {
	s.t.Helper()
	r := s.post(in, u, body)
	if r.Status != http.StatusCreated {
		s.t.Fatalf("POST /runs %v: %d %s", body, r.Status, r.Raw)
	}
	var out runJSON
	r.Decode(s.t, &out)
	return out
}

const pyTwoSum = "def two_sum(nums, target):\n    seen = {}\n    for i, n in enumerate(nums):\n        print('at', i)\n        if target - n in seen:\n            return [seen[target - n], i]\n        seen[n] = i\n"

func TestRuns(t *testing.T) {
	s := newStack(t, nil)
	req := func(code, mode string) map[string]any {
		return map[string]any{"question_id": s.twoSum, "language": "python", "code": code, "mode": mode, "session_id": s.sessionID}
	}

	// A run: the visible cases, with their prints.
	r := s.mustRun(s.a, s.ann, req(pyTwoSum, "run"))
	if r.Verdict != "accepted" || len(r.Cases) != 2 || r.Username != "ann" || r.SessionID == nil || *r.SessionID != s.sessionID {
		t.Fatalf("run: %+v", r)
	}
	if string(r.Cases[0]["stdout"]) != `"at 0\nat 1\n"` || string(r.Cases[0]["actual"]) != "[0,1]" {
		t.Errorf("case 0: %v", r.Cases[0])
	}

	// A wrong submit: hidden cases show only whether they passed.
	w := s.mustRun(s.b, s.bob, req("def two_sum(nums, target):\n    return [0, 1]\n", "submit"))
	if w.Verdict != "wrong_answer" || len(w.Cases) != 4 || w.FirstFailedHidden == nil || *w.FirstFailedHidden != 3 {
		t.Fatalf("submit: %+v", w)
	}
	for _, c := range w.Cases[2:] {
		if len(c) != 3 || c["hidden"] == nil || c["passed"] == nil {
			t.Errorf("hidden case shows %v", c)
		}
	}
	raw := apitest.Call(t, "GET", s.a.URL+prefix+"/runs/"+w.ID, s.bob.token, nil).Raw
	if strings.Contains(raw, "[1,5,90,4]") || strings.Contains(raw, "[3,3]") {
		t.Errorf("a hidden input leaked: %s", raw)
	}

	// Both participants see both runs, newest first; nobody else does.
	var list struct{ Runs []runJSON }
	apitest.Call(t, "GET", s.b.URL+prefix+"/runs?session_id="+s.sessionID, s.ann.token, nil).Decode(t, &list)
	if len(list.Runs) != 2 || list.Runs[0].ID != w.ID || list.Runs[1].ID != r.ID {
		t.Errorf("session runs: %+v", list.Runs)
	}
	_, carolToken := s.tokens.User(t)
	carol := user{token: carolToken}
	for _, c := range []struct {
		method, path string
		tok          string
		status       int
	}{
		{"GET", "/runs?session_id=" + s.sessionID, carolToken, 403},
		{"GET", "/runs/" + r.ID, carolToken, 404},
		{"GET", "/runs/" + r.ID, s.bob.token, 200},
		{"GET", "/runs/" + uuid.NewString(), s.ann.token, 404},
		{"GET", "/runs?session_id=" + uuid.NewString(), s.ann.token, 404},
		{"GET", "/runs?session_id=x", s.ann.token, 400},
		{"GET", "/runs/" + r.ID, "", 401},
	} {
		if got := apitest.Call(t, c.method, s.a.URL+prefix+c.path, c.tok, nil); got.Status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, got.Status, got.Raw, c.status)
		}
	}

	// Refusals.
	for _, c := range []struct {
		name   string
		who    user
		body   map[string]any
		status int
		code   string
	}{
		{"not a participant", carol, req(pyTwoSum, "run"), 403, "forbidden"},
		{"unknown question", s.ann, map[string]any{"question_id": uuid.NewString(), "language": "python", "code": "x", "mode": "run"}, 404, "not_found"},
		{"no cases", s.ann, map[string]any{"question_id": s.noCases, "language": "python", "code": "x", "mode": "run"}, 422, "no_test_cases"},
		{"bad fields", s.ann, map[string]any{"question_id": "x", "language": "cobol", "code": "", "mode": "walk"}, 400, "validation_failed"},
		{"stdin with submit", s.ann, map[string]any{"question_id": s.twoSum, "language": "python", "code": "x", "mode": "submit", "stdin": "1"}, 400, "validation_failed"},
		{"bad stdin", s.ann, map[string]any{"question_id": s.twoSum, "language": "python", "code": "x", "mode": "run", "stdin": "[1,2]\n\"x\"\n"}, 400, "validation_failed"},
	} {
		got := s.post(s.a, c.who, c.body)
		if got.Status != c.status || got.ErrCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, got.Status, got.Raw, c.status, c.code)
		}
	}
	if got := s.post(s.a, s.ann, map[string]any{"question_id": s.twoSum, "language": "python", "code": "x", "mode": "run", "stdin": "[1,2]\n\"x\"\n"}); !strings.Contains(got.Raw, "line 2") {
		t.Errorf("bad stdin does not name the line: %s", got.Raw)
	}

	// Custom input, JavaScript, and a language that cannot run.
	c := s.mustRun(s.a, s.ann, map[string]any{"question_id": s.twoSum, "language": "javascript", "mode": "run", "stdin": "[1, 4, 5]\n9\n",
		"code": "function twoSum(nums, target) { console.log(nums.length); return [1, 2]; }"})
	if c.Verdict != "accepted" || len(c.Cases) != 1 || string(c.Cases[0]["custom"]) != "true" || string(c.Cases[0]["passed"]) != "null" ||
		string(c.Cases[0]["actual"]) != "[1,2]" || string(c.Cases[0]["stdout"]) != `"3\n"` {
		t.Errorf("custom run: %+v %v", c, c.Cases)
	}
	j := s.mustRun(s.b, s.ann, map[string]any{"question_id": s.twoSum, "language": "java", "code": "class Solution {}", "mode": "run"})
	if j.Verdict != "unsupported_language" || j.Message != "running Java is not available yet" || len(j.Cases) != 0 {
		t.Errorf("java: %+v", j)
	}
}

// TestEscapes: every escape attempt through the whole service is
// contained with the right verdict, and the service stays healthy.
func TestEscapes(t *testing.T) {
	s := newStack(t, nil)
	rssBefore := rss(t)
	body := func(lang, code string) map[string]any {
		return map[string]any{"question_id": s.twoSum, "language": lang, "code": code, "mode": "run"}
	}
	secret := "hunter2-" + uuid.NewString()
	t.Setenv("PEERPREP_TEST_SECRET", secret)
	for _, c := range []struct {
		name, lang, code string
		verdict          string
		check            func(t *testing.T, r runJSON, raw string)
	}{
		{"read /etc/passwd and the environment", "python", "import os\ndef two_sum(nums, target):\n    print(dict(os.environ))\n    return open('/etc/passwd').read()\n", "runtime_error",
			func(t *testing.T, r runJSON, raw string) {
				if strings.Contains(raw, "root:") || strings.Contains(raw, secret) || strings.Contains(raw, "DATABASE_URL") || strings.Contains(raw, internalToken) {
					t.Errorf("leaked: %s", raw)
				}
				if r.Error == nil || r.Error.Type != "FileNotFoundError" || *r.Error.Line != 4 {
					t.Errorf("error %+v", r.Error)
				}
			}},
		{"open a socket", "python", "import socket\ndef two_sum(nums, target):\n    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n    s.connect(('127.0.0.1', 5432))\n    return [0, 1]\n", "runtime_error", nil},
		{"fork", "python", "import os\ndef two_sum(nums, target):\n    os.fork()\n    return [0, 1]\n", "runtime_error", nil},
		{"ctypes", "python", "import ctypes\ndef two_sum(nums, target):\n    return [0, 1]\n", "runtime_error",
			func(t *testing.T, r runJSON, raw string) {
				if r.Error == nil || r.Error.Type != "ModuleNotFoundError" {
					t.Errorf("error %+v", r.Error)
				}
			}},
		{"os.system", "python", "import os\ndef two_sum(nums, target):\n    os.system('cat /etc/passwd')\n    return [0, 1]\n", "runtime_error", nil},
		{"memory bomb", "python", "def two_sum(nums, target):\n    hoard = []\n    while True: hoard.append(bytearray(1 << 20))\n", "memory_limit", nil},
		{"javascript memory bomb", "javascript", "function twoSum() { let s = 'x'; for (;;) s += s; }", "memory_limit", nil},
		{"100 MB print", "python", "def two_sum(nums, target):\n    line = 'x' * 99\n    for _ in range(10**6): print(line)\n    return [0, 1]\n", "",
			func(t *testing.T, r runJSON, raw string) {
				if len(raw) > 64<<10 {
					t.Errorf("response of %d bytes", len(raw))
				}
				if r.Verdict == "accepted" && string(r.Cases[0]["stdout_truncated"]) != "true" {
					t.Errorf("stdout not marked truncated: %v", r.Cases[0])
				}
				if r.Verdict != "accepted" && r.Verdict != "time_limit" {
					t.Errorf("verdict %s", r.Verdict)
				}
			}},
		{"100 MB written to fd 1", "python", "import os\ndef two_sum(nums, target):\n    line = b'x' * 99 + b'\\n'\n    for _ in range(10**6): os.write(1, line)\n    return [0, 1]\n", "runtime_error", nil},
		{"deep recursion", "python", "def two_sum(nums, target):\n    return two_sum(nums, target) + 1\n", "runtime_error",
			func(t *testing.T, r runJSON, raw string) {
				if r.Error == nil || r.Error.Type != "RecursionError" || *r.Error.Line != 2 {
					t.Errorf("error %+v", r.Error)
				}
			}},
		{"javascript deep recursion", "javascript", "function twoSum(n) {\n  return twoSum(n) + 1;\n}", "runtime_error", nil},
		{"javascript has no host", "javascript", "function twoSum() { return [typeof require, typeof process, typeof fetch, typeof __host, typeof readInput]; }", "wrong_answer",
			func(t *testing.T, r runJSON, raw string) {
				if string(r.Cases[0]["actual"]) != `["undefined","undefined","undefined","undefined","undefined"]` {
					t.Errorf("actual %s", r.Cases[0]["actual"])
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := s.post(s.a, s.ann, body(c.lang, c.code))
			if got.Status != http.StatusCreated {
				t.Fatalf("%d %s", got.Status, got.Raw)
			}
			var r runJSON
			got.Decode(t, &r)
			if c.verdict != "" && r.Verdict != c.verdict {
				t.Errorf("verdict %s (%s), want %s: %.1000s", r.Verdict, r.Message, c.verdict, got.Raw)
			}
			if c.check != nil {
				c.check(t, r, got.Raw)
			}
		})
	}

	t.Run("infinite loop", func(t *testing.T) {
		for _, lang := range []string{"python", "javascript"} {
			code := map[string]string{"python": "def two_sum(nums, target):\n    while True: pass\n", "javascript": "function twoSum() { for (;;) {} }"}[lang]
			start := time.Now()
			got := s.post(s.a, s.ann, body(lang, code))
			took := time.Since(start)
			var r runJSON
			got.Decode(t, &r)
			if r.Verdict != "time_limit" {
				t.Errorf("%s: verdict %s", lang, r.Verdict)
			}
			// The whole request: the sandbox's deadline plus the service's
			// own work (token, peers, a database insert).
			if took > runLimit+200*time.Millisecond+raceSlack {
				t.Errorf("%s: the request took %s for a %s limit", lang, took, runLimit)
			}
			t.Logf("%s: infinite loop answered in %s (limit %s)", lang, took.Round(time.Millisecond), runLimit)
		}
	})

	if got := apitest.Call(t, "GET", s.a.URL+"/health/ready", "", nil); got.Status != http.StatusOK {
		t.Errorf("after the escapes: %d %s", got.Status, got.Raw)
	}
	ok := s.mustRun(s.a, s.ann, body("python", pyTwoSum))
	if ok.Verdict != "accepted" {
		t.Errorf("after the escapes: %+v", ok)
	}
	after := rss(t)
	t.Logf("RSS: %d MiB before the escapes, %d MiB after", rssBefore>>20, after>>20)
	if after > rssBefore+256<<20 {
		t.Errorf("RSS grew from %d MiB to %d MiB", rssBefore>>20, after>>20)
	}
}

// rss is the process's resident set (both instances run in it).
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestLimits: the per-user rate limit is shared by both instances, and a
// burst of 50 runs from 10 users all end in a verdict or a 429.
func TestLimits(t *testing.T) {
	s := newStack(t, map[string]string{"RUN_RATE_BURST": "6", "RUN_RATE_PER_MINUTE": "1", "RUN_QUEUE": "4", "RUN_QUEUE_WAIT": "2s"})

	t.Run("rate limit across instances", func(t *testing.T) {
		u := user{}
		u.id, u.token = s.tokens.User(t)
		unknown := map[string]any{"question_id": uuid.NewString(), "language": "python", "code": "x", "mode": "run"}
		for i := range 6 {
			in := []*servicetest.Instance{s.a, s.b}[i%2]
			if got := s.post(in, u, unknown); got.Status != http.StatusNotFound {
				t.Fatalf("request %d: %d %s", i, got.Status, got.Raw)
			}
		}
		for _, in := range []*servicetest.Instance{s.a, s.b} {
			got := s.post(in, u, unknown)
			if got.Status != http.StatusTooManyRequests || got.ErrCode() != "rate_limited" || got.Header.Get("Retry-After") == "" {
				t.Errorf("7th request: %d %s %v", got.Status, got.Raw, got.Header)
			}
		}
	})

	t.Run("burst", func(t *testing.T) {
		users := make([]user, 10)
		for i := range users {
			users[i].id, users[i].token = s.tokens.User(t)
		}
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			counts = map[string]int{}
		)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := []*servicetest.Instance{s.a, s.b}[i%2]
				lang, code := "python", pyTwoSum
				if i%3 == 0 {
					lang, code = "javascript", "function twoSum(nums, target) { return [0, 1]; }"
				}
				got := apitest.Call(t, "POST", in.URL+prefix+"/runs", users[i%10].token,
					map[string]any{"question_id": s.twoSum, "language": lang, "code": code, "mode": "run"})
				key := strconv.Itoa(got.Status)
				switch got.Status {
				case http.StatusCreated:
					var r runJSON
					if json.Unmarshal([]byte(got.Raw), &r) != nil || r.Verdict == "" || r.Verdict == "internal_error" {
						t.Errorf("run without a verdict: %s", got.Raw)
					}
					key += " " + r.Verdict
				case http.StatusTooManyRequests:
					key += " " + got.ErrCode()
					if got.Header.Get("Retry-After") == "" {
						t.Errorf("429 without Retry-After: %s", got.Raw)
					}
				default:
					t.Errorf("burst: %d %s", got.Status, got.Raw)
				}
				mu.Lock()
				counts[key]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		t.Logf("burst of 50: %v", counts)
	})
}
