package main

// Load and latency measurements for docs/benchmarks.md (issue 6). They
// run only with PEERPREP_LOAD=1, against replicas built from this package
// with `go build` (no race detector), on 127.0.0.1 only:
//
//	PEERPREP_LOAD=1 go test -run 'TestLoad' -count=1 -timeout 15m -v ./cmd/collaboration-service/
//
// Tunables: LOAD_SESSIONS (200), LOAD_RATE (updates/s per client, 5),
// LOAD_SECONDS (measured seconds, 30), LOAD_IDLE_CONNS (1000),
// LOAD_SAME_REPLICA=1 (TestLoadPropagation: both clients on replica 1).

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	pgstore "github.com/peerprep/peerprep/services/collaboration/internal/postgres"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

func needLoad(t *testing.T) {
	if os.Getenv("PEERPREP_LOAD") != "1" {
		t.Skip("set PEERPREP_LOAD=1 to run the load measurements")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// serverBinary builds collaboration-service once for the measurements.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "collab-bench")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "collaboration-service")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// procStat is a process's CPU time and memory, from /proc.
type procStat struct {
	cpu      time.Duration // user + system
	rss, hwm int64         // bytes
}

func readProc(t *testing.T, pid int) procStat {
	t.Helper()
	var st procStat
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	st.cpu = time.Duration(ut+stt) * 10 * time.Millisecond // USER_HZ = 100
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(status), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fs[1], 10, 64)
		switch fs[0] {
		case "VmRSS:":
			st.rss = kb << 10
		case "VmHWM:":
			st.hwm = kb << 10
		}
	}
	return st
}

// machineBusy returns the busy and total jiffies of all CPUs (/proc/stat).
func machineBusy(t *testing.T) (busy, total int64) {
	t.Helper()
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:]
	for i, v := range f {
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// loadConn is a bare client speaking the y-websocket framing.
type loadConn struct {
	ws *websocket.Conn
}

// join dials and reads the join messages up to the server's step 1, which
// it answers with reply (a stand-in full state).
func join(ctx context.Context, base, sid, token string, reply []byte) (*loadConn, int, error) {
	ws, err := dialWS(base, sid, token, "")
	if err != nil {
		return nil, 0, err
	}
	n := 0
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return nil, n, err
		}
		n++
		if bytes.Equal(b, yproto.Step1Empty) {
			break
		}
	}
	if err := ws.Write(ctx, websocket.MessageBinary, yproto.Step2(reply)); err != nil {
		return nil, n, err
	}
	return &loadConn{ws: ws}, n, nil
}

const probeMagic = 0x59e0

// probe is an update payload carrying its send time, 32 bytes like a
// typical keystroke update.
func probe(client uint32, seq uint32) []byte {
	b := make([]byte, 32)
	binary.LittleEndian.PutUint16(b, probeMagic)
	binary.LittleEndian.PutUint64(b[2:], uint64(time.Now().UnixNano()))
	binary.LittleEndian.PutUint32(b[10:], client)
	binary.LittleEndian.PutUint32(b[14:], seq)
	return b
}

// TestLoadPropagation: LOAD_SESSIONS sessions, their two clients on two
// different replicas, each client sending LOAD_RATE updates a second; the
// time from a client's send to its partner's receipt.
func TestLoadPropagation(t *testing.T) {
	needLoad(t)
	sessions, rate, seconds := envInt("LOAD_SESSIONS", 200), envInt("LOAD_RATE", 5), envInt("LOAD_SECONDS", 30)
	e := newEnv(t, withVar("LOG_LEVEL", "info"))
	bin := serverBinary(t)
	r1, r2 := e.startProcess(bin), e.startProcess(bin)

	type pair struct{ sid, a, b string }
	pairs := make([]pair, sessions)
	for i := range pairs {
		pairs[i].sid, pairs[i].a, pairs[i].b = createSession(t, r1.URL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	blob := bytes.Repeat([]byte{7}, 2048) // answered to full-state requests: compaction runs for real
	conns := make([]*loadConn, 2*sessions)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	start := time.Now()
	second := r2.URL
	if os.Getenv("LOAD_SAME_REPLICA") == "1" { // both clients of a session on replica 1
		second = r1.URL
	}
	for i, p := range pairs {
		for j, side := range []struct{ base, user string }{{r1.URL, p.a}, {second, p.b}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				c, _, err := join(ctx, side.base, p.sid, e.token(side.user), blob)
				if err != nil {
					t.Errorf("join: %v", err)
					return
				}
				conns[2*i+j] = c
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d clients joined in %s", len(conns), time.Since(start).Round(time.Millisecond))

	// Every probe carries its send time; those sent inside the measured
	// window are counted, wherever they arrive, so a lost update shows.
	type sample struct{ sentAt, lat int64 }
	var (
		mu      sync.Mutex
		samples []sample
		sends   []int64
	)
	for i, c := range conns {
		go func() { // reader
			var local []sample
			defer func() { mu.Lock(); samples = append(samples, local...); mu.Unlock() }()
			for {
				_, b, err := c.ws.Read(ctx)
				if err != nil {
					return
				}
				if bytes.Equal(b, yproto.Step1Empty) {
					_ = c.ws.Write(ctx, websocket.MessageBinary, yproto.Step2(blob))
					continue
				}
				ms, err := yproto.Parse(b)
				if err != nil || len(ms) != 1 || ms[0].Type != yproto.TypeSync || len(ms[0].Payload) != 32 ||
					binary.LittleEndian.Uint16(ms[0].Payload) != probeMagic {
					continue
				}
				sentAt := int64(binary.LittleEndian.Uint64(ms[0].Payload[2:]))
				local = append(local, sample{sentAt, time.Now().UnixNano() - sentAt})
			}
		}()
		go func() { // writer: rate a second, phases spread
			var local []int64
			defer func() { mu.Lock(); sends = append(sends, local...); mu.Unlock() }()
			every := time.Second / time.Duration(rate)
			time.Sleep(rand.N(every))
			tick := time.NewTicker(every)
			defer tick.Stop()
			for seq := uint32(0); ; seq++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				p := probe(uint32(i), seq)
				if err := c.ws.Write(ctx, websocket.MessageBinary, yproto.Update(p)); err != nil {
					return
				}
				local = append(local, int64(binary.LittleEndian.Uint64(p[2:])))
			}
		}()
	}
	time.Sleep(5 * time.Second) // warm up
	before := []procStat{readProc(t, r1.pid), readProc(t, r2.pid)}
	busy0, total0 := machineBusy(t)
	t0 := time.Now()
	time.Sleep(time.Duration(seconds) * time.Second)
	t1 := time.Now()
	wall := t1.Sub(t0)
	after := []procStat{readProc(t, r1.pid), readProc(t, r2.pid)}
	busy1, total1 := machineBusy(t)
	time.Sleep(2 * time.Second) // the last probes of the window arrive
	cancel()
	for _, c := range conns {
		_ = c.ws.CloseNow()
	}
	time.Sleep(300 * time.Millisecond)

	in := func(at int64) bool { return at >= t0.UnixNano() && at < t1.UnixNano() }
	mu.Lock()
	var lat []time.Duration
	for _, s := range samples {
		if in(s.sentAt) {
			lat = append(lat, time.Duration(s.lat))
		}
	}
	sent := 0
	for _, at := range sends {
		if in(at) {
			sent++
		}
	}
	mu.Unlock()
	slices.Sort(lat)
	n := len(lat)
	if n == 0 {
		t.Fatal("no samples")
	}
	pct := func(p float64) time.Duration { return lat[min(n-1, int(float64(n)*p))].Round(10 * time.Microsecond) }
	t.Logf("%d sessions × 2 clients × %d updates/s, %s measured: %d updates sent, %d received by the partner (%.1f/s)",
		sessions, rate, wall.Round(time.Millisecond), sent, n, float64(n)/wall.Seconds())
	t.Logf("propagation p50 %s  p90 %s  p99 %s  p99.9 %s  max %s", pct(0.50), pct(0.90), pct(0.99), pct(0.999), lat[n-1].Round(10*time.Microsecond))
	if n != sent {
		t.Errorf("%d updates sent but %d received", sent, n)
	}
	for i := range before {
		cpu := after[i].cpu - before[i].cpu
		t.Logf("replica %d: CPU %.0f%% of one core (%s in %s), RSS %s, peak RSS %s",
			i+1, 100*cpu.Seconds()/wall.Seconds(), cpu, wall.Round(time.Millisecond), mib(after[i].rss), mib(after[i].hwm))
	}
	t.Logf("whole machine (2 cores: replicas, Redis, PostgreSQL, this load generator, anything else): %.0f%% busy",
		100*float64(busy1-busy0)/float64(total1-total0))
	if p99 := pct(0.99); p99 > 25*time.Millisecond {
		t.Errorf("p99 propagation %s exceeds 25 ms", p99)
	}
}

// TestLoadIdleMemory: RSS of a replica holding LOAD_IDLE_CONNS idle sockets,
// per socket.
func TestLoadIdleMemory(t *testing.T) {
	needLoad(t)
	n := envInt("LOAD_IDLE_CONNS", 1000)
	e := newEnv(t)
	r := e.startProcess(serverBinary(t))
	type pair struct{ sid, a, b string }
	pairs := make([]pair, n/2)
	for i := range pairs {
		pairs[i].sid, pairs[i].a, pairs[i].b = createSession(t, r.URL)
	}
	// Warm the process up with one session's worth of traffic first, so the
	// baseline includes the runtime, pools and buffers every replica has.
	ctx := context.Background()
	warm, _, err := join(ctx, r.URL, pairs[0].sid, e.token(pairs[0].a), yproto.EmptyUpdate)
	if err != nil {
		t.Fatal(err)
	}
	_ = warm.ws.Close(websocket.StatusNormalClosure, "")
	time.Sleep(3 * time.Second)
	base := readProc(t, r.pid)

	conns := make([]*loadConn, 0, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, p := range pairs {
		for _, u := range []string{p.a, p.b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				c, _, err := join(ctx, r.URL, p.sid, e.token(u), yproto.EmptyUpdate)
				if err != nil {
					t.Errorf("join: %v", err)
					return
				}
				go func() { // answer pings; idle otherwise
					for {
						if _, _, err := c.ws.Read(ctx); err != nil {
							return
						}
					}
				}()
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	time.Sleep(10 * time.Second) // settle: join buffers collected
	held := readProc(t, r.pid)
	per := float64(held.rss-base.rss) / float64(len(conns))
	t.Logf("%d idle sockets (%d sessions): RSS %s before, %s with them: %.1f KiB per socket (peak RSS %s)",
		len(conns), len(pairs), mib(base.rss), mib(held.rss), per/1024, mib(held.hwm))
	for _, c := range conns {
		_ = c.ws.CloseNow()
	}
	if per > 50*1024 {
		t.Errorf("%.1f KiB per idle socket exceeds 50 KB", per/1024)
	}
}

// TestLoadJoinLargeDocument: a session whose stored history is 50,000
// keystroke updates (real Yjs updates made by the Node packages); the time
// until a joining client has the whole document.
func TestLoadJoinLargeDocument(t *testing.T) {
	needLoad(t)
	needNode(t)
	const n = 50000
	file := filepath.Join(t.TempDir(), "updates.bin")
	gen := exec.Command("node", "gen-updates.mjs", strconv.Itoa(n), file)
	gen.Dir = yclientDir
	info, err := gen.Output()
	if err != nil {
		t.Fatalf("gen-updates: %v", err)
	}
	t.Logf("generated: %s", bytes.TrimSpace(info))
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The typist below types far faster than a person: no update quota.
	e := newEnv(t, withVar("LOG_LEVEL", os.Getenv("LOAD_LOG_LEVEL")), withVar("UPDATE_RATE", "1e9"), withVar("UPDATE_BURST", "1e9"))
	r := e.startProcess(serverBinary(t))
	sid, a, b := createSession(t, r.URL)

	// Store the history as the persister would have.
	db := openDB(t, e.vars["DATABASE_URL"])
	store := pgstore.New(db)
	var ups []doc.Update
	for i := 0; len(raw) > 0; i++ {
		l := binary.LittleEndian.Uint32(raw)
		id := doc.StreamID{Ms: int64(i + 1)}
		ups = append(ups, doc.Update{SessionID: sid, EntryID: doc.EntryID(id, "bench"), Stream: id, Data: raw[4 : 4+l]})
		raw = raw[4+l:]
	}
	for len(ups) > 0 {
		k := min(len(ups), 5000)
		if err := store.PersistUpdates(context.Background(), ups[:k]); err != nil {
			t.Fatal(err)
		}
		ups = ups[k:]
	}

	goJoin := func(label string) {
		var times []time.Duration
		msgs := 0
		for range 5 {
			t0 := time.Now()
			c, m, err := join(context.Background(), r.URL, sid, e.token(a), yproto.EmptyUpdate)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(t0))
			msgs = m
			_ = c.ws.Close(websocket.StatusNormalClosure, "")
		}
		slices.Sort(times)
		t.Logf("%s, Go client (framing only): %d messages; join to full document: median %s, max %s",
			label, msgs, times[2].Round(100*time.Microsecond), times[4].Round(100*time.Microsecond))
	}
	nodeJoin := func(label string, wantLen int) {
		c := e.newClient(r.URL, sid, b, "bench", "query")
		t0 := time.Now()
		c.do("connect", nil)
		c.do("waitText", map[string]any{"length": wantLen, "contains": []string{}, "timeout": 60000})
		t.Logf("%s, Node y-websocket client: connect to text complete (Yjs applying it included): %s",
			label, time.Since(t0).Round(time.Millisecond))
		c.Close()
	}
	goJoin("50,000 stored updates")
	// A real client joining answers the server's step 1 with its whole
	// document, which then replaces the 50,000 updates.
	nodeJoin("50,000 stored updates", 48000)
	var rows int
	apitest.EventuallyNil(t, 10*time.Second, func() error {
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM doc_updates WHERE session_id = $1`, sid).Scan(&rows); err != nil {
			return err
		}
		if rows > 2 {
			return fmt.Errorf("%d rows", rows)
		}
		return nil
	})
	t.Logf("after the first real join the history is %d stored update(s)", rows)
	goJoin("compacted")
	nodeJoin("compacted", 48000)

	// The way such a history really comes about: 50,000 keystrokes typed
	// through the service by a y-websocket client, which the service asks
	// for its full state every COMPACT_EVERY (1000) updates.
	sid, a, b = createSession(t, r.URL)
	typist := e.newClient(r.URL, sid, a, "typist", "query")
	typist.connect()
	t0 := time.Now()
	// In bursts of 100 keystrokes, so the client also reads what the
	// server sends (a person types far slower than this).
	typist.do("type", map[string]any{"text": strings.Repeat("x = y + 1;\n", n/11+1)[:n], "yieldEvery": 100})
	watcher := e.newClient(r.URL, sid, b, "watcher", "query")
	watcher.connect()
	watcher.do("waitText", map[string]any{"length": n, "contains": []string{}, "timeout": 120000})
	t.Logf("typed %d keystrokes through the service in %s", n, time.Since(t0).Round(time.Millisecond))
	// Both stay a little while, as people do: the last full-state requests
	// are answered and the covered updates deleted.
	apitest.EventuallyNil(t, 60*time.Second, func() error {
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM doc_updates WHERE session_id = $1`, sid).Scan(&rows); err != nil {
			return err
		}
		if rows > 2000 {
			return fmt.Errorf("%d stored updates", rows)
		}
		return nil
	})
	typist.Close()
	watcher.Close()
	t.Logf("after typing, the stored history is %d update(s)", rows)
	goJoin("50,000 keystrokes typed through the service")
	nodeJoin("50,000 keystrokes typed through the service", n)
}
