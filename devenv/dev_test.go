package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as a fake service binary for the supervisor tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("DEVENV_FAKE_SERVICE"); mode != "" {
		os.Exit(fakeService(mode))
	}
	os.Exit(m.Run())
}

// fakeService behaves like a service's "serve": health on PORT, a log line
// on SIGTERM, exit 0. In mode "crash" it fails at once; in "crash-once" it
// serves a while and then crashes, the first time it runs in its directory.
func fakeService(mode string) int {
	if mode == "crash-once" {
		if _, err := os.Stat("crashed"); err != nil {
			_ = os.WriteFile("crashed", nil, 0o600)
			go func() {
				time.Sleep(1500 * time.Millisecond)
				fmt.Println(`{"msg":"panic: boom"}`)
				os.Exit(2)
			}()
		}
	}
	if mode == "crash" {
		fmt.Println(`{"msg":"starting"}`)
		// Long enough for the other fake to be serving; no newline, so the
		// supervisor must flush the partial line.
		time.Sleep(time.Second)
		fmt.Fprint(os.Stderr, "config: DATABASE_URL is required")
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"status":"healthy"}`) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println(`{"msg":"listening"}`)
	<-ctx.Done()
	fmt.Println(`{"msg":"draining"}`)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return 1
	}
	return 0
}

func TestPrefixWriter(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var out bytes.Buffer
	w := newPrefixWriter(&mu, &out, "[user-service] ")
	for _, chunk := range []string{`{"a":`, "1}\n{\"b\":2}\n{\"c\"", ":3}\n", "tail without newline"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := out.String(), "[user-service] {\"a\":1}\n[user-service] {\"b\":2}\n[user-service] {\"c\":3}\n"; got != want {
		t.Errorf("before Flush:\n%q\nwant\n%q", got, want)
	}
	w.Flush()
	if !strings.HasSuffix(out.String(), "[user-service] tail without newline\n") {
		t.Errorf("Flush did not write the partial line: %q", out.String())
	}

	out.Reset()
	long := strings.Repeat("x", maxLine+10)
	_, _ = w.Write([]byte(long))
	if got := strings.Count(out.String(), "[user-service] "); got != 1 {
		t.Errorf("an over-long partial line was held back (%d prefixed lines written)", got)
	}
}

// syncBuffer is the supervisor's stdout; reads take the same lock as its writes.
type syncBuffer struct {
	mu  *sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) { return b.buf.Write(p) } // callers hold mu
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var testPorts = struct {
	sync.Mutex
	*portPicker
}{portPicker: newPortPicker()}

func freePort(t *testing.T) int {
	t.Helper()
	testPorts.Lock()
	defer testPorts.Unlock()
	p, err := testPorts.next()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fakeProcess(t *testing.T, mu *sync.Mutex, out *syncBuffer, name, mode string) *process {
	t.Helper()
	s := Service{Name: name, Port: freePort(t)}
	return &process{
		svc:    s,
		label:  s.Binary(),
		bin:    os.Args[0],
		dir:    t.TempDir(),
		env:    append(os.Environ(), "DEVENV_FAKE_SERVICE="+mode, "PORT="+strconv.Itoa(s.Port)),
		stdout: newPrefixWriter(mu, out, "["+s.Binary()+"] "),
		stderr: newPrefixWriter(mu, out, "["+s.Binary()+"] "),
	}
}

func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output never contained %q:\n%s", want, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The supervisor tests install signal handlers, so they do not run in parallel.

func TestSuperviseStopsServicesWithSIGTERM(t *testing.T) {
	var mu sync.Mutex
	out := &syncBuffer{mu: &mu}
	e := &Env{Stdout: out, Stderr: out}
	procs := []*process{fakeProcess(t, &mu, out, "user", "serve"), fakeProcess(t, &mu, out, "question", "serve")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- e.supervise(ctx, procs, &mu, "", nil) }()

	waitFor(t, out, "Press Ctrl-C to stop.")
	for _, p := range procs {
		row := regexp.MustCompile(`(?m)^` + p.svc.Binary() + ` +127\.0\.0\.1:` + strconv.Itoa(p.svc.Port) + ` +` + regexp.QuoteMeta(p.svc.LocalURL()) + ` +1/1$`)
		if !row.MatchString(out.String()) {
			t.Errorf("status table does not show %s healthy:\n%s", p.svc.Binary(), out.String())
		}
	}
	cancel() // what a signal does, without signalling the test binary
	if err := <-errc; err != nil {
		t.Fatalf("supervise() = %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`[user-service] {"msg":"listening"}`,
		`[user-service] {"msg":"draining"}`,
		`[question-service] {"msg":"draining"}`,
		"all services stopped",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSuperviseStopsAllWhenOneExits(t *testing.T) {
	var mu sync.Mutex
	out := &syncBuffer{mu: &mu}
	e := &Env{Stdout: out, Stderr: out}
	procs := []*process{fakeProcess(t, &mu, out, "user", "serve"), fakeProcess(t, &mu, out, "chat", "crash")}
	err := e.supervise(context.Background(), procs, &mu, "", nil)
	if err == nil || !strings.Contains(err.Error(), "chat-service exited unexpectedly: exit status 3") {
		t.Fatalf("supervise() = %v, want chat-service's exit reported\n%s", err, out.String())
	}
	for _, want := range []string{
		"[chat-service] config: DATABASE_URL is required\n",
		`[user-service] {"msg":"draining"}`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestStartupExitFailsFast: an instance that dies before it is healthy is
// reported with its exit status at once, not as "no answer" after
// healthTimeout.
func TestStartupExitFailsFast(t *testing.T) {
	var mu sync.Mutex
	out := &syncBuffer{mu: &mu}
	procs := []*process{fakeProcess(t, &mu, out, "user", "serve"), fakeProcess(t, &mu, out, "chat", "crash")}
	exits := make(chan exit, 8)
	started, err := startAll(procs, exits)
	defer stopAll(started, nil, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = awaitStartup(context.Background(), started, exits)
	var x *startupExit
	if !errors.As(err, &x) || x.label != "chat-service" || x.status != "exit status 3" {
		t.Fatalf("awaitStartup() = %v, want chat-service's exit status 3", err)
	}
	if d := time.Since(start); d > healthTimeout/2 {
		t.Fatalf("the exit was reported after %s", d)
	}

	// Both healthy: the health results, no error.
	out2 := &syncBuffer{mu: &mu}
	ok := []*process{fakeProcess(t, &mu, out2, "user", "serve"), fakeProcess(t, &mu, out2, "question", "serve")}
	started2, err := startAll(ok, exits)
	defer stopAll(started2, nil, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	for len(exits) > 0 { // the crash above
		<-exits
	}
	rs, err := awaitStartup(context.Background(), started2, exits)
	if err != nil || len(rs) != 2 || !rs[0].ok || !rs[1].ok {
		t.Fatalf("awaitStartup() = %+v, %v; want both healthy", rs, err)
	}
}

// TestRestartIsNotAFailure: a restarted instance comes back healthy on the
// same port, and neither its stop nor the final stop reads as a crash.
func TestRestartIsNotAFailure(t *testing.T) {
	var mu sync.Mutex
	out := &syncBuffer{mu: &mu}
	p := fakeProcess(t, &mu, out, "user", "serve")
	exits := make(chan exit, 8)
	started, err := startAll([]*process{p}, exits)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r := waitHealthy(ctx, p.svc); !r.ok {
		t.Fatalf("not healthy: %s", r.detail)
	}
	firstPID := p.cmd.Process.Pid
	routedAsked := false
	if err := p.restart(ctx, exits, func(*process) bool { routedAsked = true; return true }); err != nil {
		t.Fatal(err)
	}
	if p.cmd.Process.Pid == firstPID || !routedAsked {
		t.Fatalf("restart did not start a new process (%d) or ask the gateway (%v)", p.cmd.Process.Pid, routedAsked)
	}
	if x := <-exits; !x.requested || x.err != nil {
		t.Fatalf("the restart's exit: requested %v, err %v", x.requested, x.err)
	}
	if unclean := stopAll(started, nil, func(string, ...any) {}); len(unclean) > 0 {
		t.Fatalf("unclean: %v", unclean)
	}
	if x := <-exits; !x.requested {
		t.Fatal("the final stop read as a crash")
	}
}

func TestStatusTableGroupsInstances(t *testing.T) {
	t.Parallel()
	user := Service{Name: "user", Port: 8101, Prefix: "/user-service-api"}
	chat := Service{Name: "chat", Port: 8106, Prefix: "/chat-service-api"}
	user2, chat2 := user, chat
	user2.Port, chat2.Port = 8201, 8206
	got := statusTable([]healthResult{
		{svc: user, ok: true}, {svc: user2, ok: true},
		{svc: chat, ok: true}, {svc: chat2, detail: "503 Service Unavailable"},
	}, "http://localhost:8080")
	for _, want := range []string{
		"SERVICE        INSTANCES             URL                                      HEALTHY",
		"user-service   127.0.0.1:8101,8201   http://localhost:8080/user-service-api   2/2",
		"chat-service   127.0.0.1:8106,8206   http://localhost:8080/chat-service-api   1/2 (8206: 503 Service Unavailable after 15s)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestRestartPolicyBacksOff(t *testing.T) {
	t.Parallel()
	r := newRestartPolicy()
	p, q := &process{}, &process{}
	var got []time.Duration
	for range 7 {
		got = append(got, r.next(p, time.Second))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("delays %v, want %v s", got, want)
		}
	}
	if d := r.next(q, 0); d != time.Second {
		t.Fatalf("another instance starts at %v", d)
	}
	if d := r.next(p, 2*time.Minute); d != time.Second {
		t.Fatalf("after running a while: %v, want the delay reset to 1s", d)
	}
}

// TestSuperviseRestartsACrashedInstance: once everything is up, an
// instance that crashes is started again and the others keep running.
func TestSuperviseRestartsACrashedInstance(t *testing.T) {
	var mu sync.Mutex
	out := &syncBuffer{mu: &mu}
	e := &Env{Stdout: out, Stderr: out}
	procs := []*process{fakeProcess(t, &mu, out, "user", "serve"), fakeProcess(t, &mu, out, "chat", "crash-once")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- e.supervise(ctx, procs, &mu, "", nil) }()
	waitFor(t, out, "chat-service exited unexpectedly (exit status 2); restarting it in 1s")
	waitFor(t, out, "chat-service restarted")
	r := waitHealthy(ctx, procs[1].svc)
	if !r.ok {
		t.Fatalf("the restarted instance is not healthy: %s\n%s", r.detail, out.String())
	}
	if strings.Contains(out.String(), "stopping the others") || strings.Contains(out.String(), `[user-service] {"msg":"draining"}`) {
		t.Fatalf("the crash stopped the others:\n%s", out.String())
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("supervise() = %v\n%s", err, out.String())
	}
}
