package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/redistest"
)

// TestLoad is the load target, run only with PEERPREP_LOAD=1 and
// without -race:
//
//	PEERPREP_LOAD=1 go test -run TestLoad -count=1 -v ./cmd/matching-service/
//
// It builds the service, runs two replicas as separate processes on
// 127.0.0.1 against one Redis and the stand-in services, opens one
// WebSocket per user (half on each replica) and measures RSS per 1,000 idle
// sockets; then 1,000 users (500 compatible pairs, the two of a pair on
// different replicas) queue within one second, and for every match the
// time from the second ticket's POST to both sockets receiving `matched`
// (question pick and session creation included) is measured.
func TestLoad(t *testing.T) {
	if os.Getenv("PEERPREP_LOAD") != "1" {
		t.Skip("set PEERPREP_LOAD=1 to run the load test")
	}
	const users = 1000
	bin := filepath.Join(t.TempDir(), "matching-service")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(priv, nil)
	deps := newDeps(t)
	_, keyPrefix := redistest.New(t)
	env := append(os.Environ(), "ENVIRONMENT=test", "PORT=0", "SHUTDOWN_DRAIN=0s", "LOG_LEVEL=info",
		"REDIS_URL="+redistest.URL(), "REDIS_KEY_PREFIX="+keyPrefix, "INTERNAL_API_TOKEN="+internalToken,
		"JWT_PUBLIC_KEYS="+base64.StdEncoding.EncodeToString(auth.Public(priv)), "RELAX_AFTER=10s", "MATCH_TIMEOUT=30s")
	for k, v := range deps.Env() {
		env = append(env, k+"="+v)
	}
	var reps [2]*proc
	for i := range reps {
		reps[i] = startProc(t, bin, env)
	}
	time.Sleep(time.Second)
	rss0 := reps[0].rss(t) + reps[1].rss(t)

	type client struct {
		u       user
		sock    *socket
		rep     int
		posted  time.Time
		matched event
	}
	cs := make([]*client, users)
	var dialWG sync.WaitGroup
	for i := range cs {
		id := uuid.NewString()
		tok, _, err := signer.Sign(id, auth.RoleUser, "")
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = &client{u: user{ID: id, Token: tok}, rep: i % 2}
	}
	sem := make(chan struct{}, 50)
	for _, c := range cs {
		dialWG.Add(1)
		sem <- struct{}{}
		go func() {
			defer dialWG.Done()
			defer func() { <-sem }()
			c.sock = dial(t, reps[c.rep].url, c.u)
		}()
	}
	dialWG.Wait()
	time.Sleep(2 * time.Second) // let the sockets settle
	rss1 := reps[0].rss(t) + reps[1].rss(t)

	// Pair p is users 2p and 2p+1 (on different replicas) with criteria of
	// their own among the 240 combinations with a language (no two of which
	// are compatible, so every combination holds an even number of users
	// and everyone is matched whatever the arrival order), queued 1 ms
	// apart; pairs start 2 ms apart, so all 1,000 tickets arrive within one
	// second.
	langs := []string{"python", "javascript", "java", "cpp", "go"}
	cpu0 := reps[0].cpu(t) + reps[1].cpu(t)
	start := time.Now()
	var postWG sync.WaitGroup
	postLat := make([]time.Duration, users)
	for i, c := range cs {
		p := i / 2
		combo := p % 240
		d, tp, l := []string{"easy", "medium", "hard"}[combo%3], internalapi.Topics[(combo/3)%16], langs[combo/48]
		postWG.Add(1)
		go func() {
			defer postWG.Done()
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Millisecond)))
			c.posted = time.Now()
			r := queue(t, reps[c.rep].url, c.u, d, tp, l)
			postLat[i] = time.Since(c.posted)
			if r.Status != 202 {
				t.Errorf("queue: %d %s", r.Status, r.Raw)
			}
		}()
	}
	postWG.Wait()
	queuedIn := time.Since(start)
	var recvWG sync.WaitGroup
	for _, c := range cs {
		recvWG.Add(1)
		go func() {
			defer recvWG.Done()
			c.matched = c.sock.until(t, "matched", 20*time.Second)
		}()
	}
	recvWG.Wait()
	cpu := reps[0].cpu(t) + reps[1].cpu(t) - cpu0

	byUser := map[string]*client{}
	for _, c := range cs {
		byUser[c.u.ID] = c
	}
	var lat []time.Duration
	seen := map[string]bool{}
	for _, c := range cs {
		m := c.matched
		if seen[m.MatchID] {
			continue
		}
		seen[m.MatchID] = true
		o := byUser[m.Partner.ID]
		if o == nil || o.matched.MatchID != m.MatchID || o.matched.Partner.ID != c.u.ID {
			t.Fatalf("inconsistent match %+v / %+v", m, o)
		}
		lat = append(lat, maxTime(m.at, o.matched.at).Sub(maxTime(c.posted, o.posted)))
	}
	if len(lat) != users/2 {
		t.Fatalf("%d matches, want %d", len(lat), users/2)
	}
	rss2 := reps[0].rss(t) + reps[1].rss(t)
	pct := func(d []time.Duration, p float64) time.Duration {
		slices.Sort(d)
		return d[min(len(d)-1, int(float64(len(d))*p))]
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("machine load (shared machine): %s", strings.TrimSpace(string(load)))
	t.Logf("queued %d tickets in %v; %d matches, every user matched", users, queuedIn.Round(time.Millisecond), len(lat))
	t.Logf("second POST → both sockets matched: p50 %v  p90 %v  p99 %v  max %v",
		pct(lat, .50), pct(lat, .90), pct(lat, .99), pct(lat, 1))
	t.Logf("CPU used by both replicas during the run: %v", cpu)
	t.Logf("POST /tickets: p50 %v  p99 %v", pct(postLat, .50), pct(postLat, .99))
	time.Sleep(200 * time.Millisecond)
	var setup []time.Duration
	for _, r := range reps {
		r.mu.Lock()
		setup = append(setup, r.setup...)
		r.mu.Unlock()
	}
	if len(setup) > 0 {
		t.Logf("pairing → match ready in Redis (ms resolution, %d matches): p50 %v  p99 %v  max %v",
			len(setup), pct(setup, .5), pct(setup, .99), pct(setup, 1))
	}
	t.Logf("RSS of both replicas: %.1f MiB at rest, %.1f MiB with %d idle sockets (%.1f MiB per 1,000), %.1f MiB after the run",
		mib(rss0), mib(rss1), users, mib(rss1-rss0)*1000/users, mib(rss2))
	if p99 := pct(lat, .99); p99 > 50*time.Millisecond {
		t.Errorf("p99 %v over the 50 ms target", p99)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// proc is a replica running as its own process.
type proc struct {
	cmd *exec.Cmd
	url string

	mu    sync.Mutex
	setup []time.Duration // "match ready" setup_ms: pairing → both tickets matched in Redis
}

func startProc(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	sc := bufio.NewScanner(out)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	addr := make(chan string, 1)
	go func() {
		for sc.Scan() {
			var m struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Msg == "listening" {
				addr <- m.Addr
				break
			}
		}
		for sc.Scan() {
			var m struct {
				Msg     string
				SetupMS int64 `json:"setup_ms"`
			}
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Msg == "match ready" {
				p.mu.Lock()
				p.setup = append(p.setup, time.Duration(m.SetupMS)*time.Millisecond)
				p.mu.Unlock()
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a := <-addr:
		_, port, _ := strings.Cut(a[strings.LastIndex(a, ":"):], ":")
		p.url = "http://127.0.0.1:" + port
	case <-ctx.Done():
		t.Fatal("replica did not start")
	}
	return p
}

// cpu is the CPU time (user + system) the process used so far.
func (p *proc) cpu(t *testing.T) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ = 100
}

// rss is the process's resident set size in bytes.
func (p *proc) rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
