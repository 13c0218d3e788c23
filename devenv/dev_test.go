package devenv

import (
	"bytes"
	"context"
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
// on SIGTERM, exit 0. In mode "crash" it fails at once.
func fakeService(mode string) int {
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

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func fakeProcess(t *testing.T, mu *sync.Mutex, out *syncBuffer, name, mode string) *process {
	t.Helper()
	s := Service{Name: name, Port: freePort(t)}
	return &process{
		svc:    s,
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
	go func() { errc <- e.supervise(ctx, procs, &mu) }()

	waitFor(t, out, "Press Ctrl-C to stop.")
	for _, p := range procs {
		row := regexp.MustCompile(`(?m)^` + p.svc.Binary() + ` +` + regexp.QuoteMeta(p.svc.LocalURL()) + ` +yes$`)
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
	err := e.supervise(context.Background(), procs, &mu)
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
