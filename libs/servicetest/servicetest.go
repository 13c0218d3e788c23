// Package servicetest boots a service's real run() on a free port for
// end-to-end tests and stops it the way ECS does: by cancelling its context
// (SIGTERM).
package servicetest

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// RunFunc is the signature of every service's run().
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error

// Instance is one running service.
type Instance struct {
	URL  string // "http://127.0.0.1:port"
	stop context.CancelFunc
	done chan error

	mu   sync.Mutex
	logs []string
}

// Logs returns the JSON log lines written so far.
func (in *Instance) Logs() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.logs...)
}

// Stop cancels run's context (as SIGTERM does) and returns run's error.
func (in *Instance) Stop() error {
	in.stop()
	select {
	case err := <-in.done:
		in.done <- err // later calls see the same result
		return err
	case <-time.After(30 * time.Second):
		return context.DeadlineExceeded
	}
}

// Start runs run("serve") with env (PORT=0 and SHUTDOWN_DRAIN=0 unless set)
// and waits until its "listening" log line names the address and
// /health/live answers. It stops the instance on cleanup.
func Start(t testing.TB, run RunFunc, env map[string]string) *Instance {
	t.Helper()
	merged := map[string]string{"PORT": "0", "SHUTDOWN_DRAIN": "0s", "ENVIRONMENT": "test", "LOG_LEVEL": "info"}
	for k, v := range env {
		merged[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	in := &Instance{stop: cancel, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			in.mu.Lock()
			in.logs = append(in.logs, line)
			in.mu.Unlock()
			var m struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "listening" && m.Addr != "" {
				select {
				case addr <- m.Addr:
				default:
				}
			}
		}
	}()
	go func() {
		err := run(ctx, []string{"serve"}, func(k string) string { return merged[k] }, pw)
		_ = pw.Close()
		in.done <- err
	}()
	select {
	case a := <-addr:
		in.URL = "http://" + strings.Replace(a, "[::]", "127.0.0.1", 1)
	case err := <-in.done:
		t.Fatalf("servicetest: run exited before listening: %v\n%s", err, strings.Join(in.Logs(), "\n"))
	case <-time.After(30 * time.Second):
		t.Fatalf("servicetest: no listening line within 30 s\n%s", strings.Join(in.Logs(), "\n"))
	}
	t.Cleanup(func() {
		if err := in.Stop(); err != nil {
			t.Errorf("servicetest: run returned %v", err)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(in.URL + "/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
	}
	t.Fatalf("servicetest: %s/health/live never answered 200", in.URL)
	return nil
}

// WaitStatus polls GET url with the bearer token until it answers want,
// failing the test after five seconds (e.g. a token revoked elsewhere,
// which reaches this process through Redis pub/sub).
func WaitStatus(t testing.TB, url, token string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		got := 0
		if resp, err := http.DefaultClient.Do(req); err == nil {
			got = resp.StatusCode
			_ = resp.Body.Close()
		}
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s answered %d, want %d", url, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
