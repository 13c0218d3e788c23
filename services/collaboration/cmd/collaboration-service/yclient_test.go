package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// yclientDir holds the Node client (real yjs + y-websocket) and its lockfile.
var yclientDir = filepath.Join("..", "..", "testdata", "yclient")

var (
	npmOnce sync.Once
	npmErr  error
)

// needNode makes sure the Node client's packages are installed: `npm ci`
// from the committed lockfile, once, skipped when node_modules already
// matches it. Without Node the test is skipped (failed under CI).
func needNode(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is required for the yjs client tests")
		}
		t.Skip("node is not installed; the yjs client tests need Node 20+")
	}
	npmOnce.Do(func() {
		lock := filepath.Join(yclientDir, "package-lock.json")
		installed := filepath.Join(yclientDir, "node_modules", ".package-lock.json")
		if upToDate(lock, installed) {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = yclientDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			npmErr = fmt.Errorf("npm ci: %v\n%s", err, out)
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
}

// upToDate reports whether npm's record of the installed tree is at least
// as new as the lockfile and lists the same packages.
func upToDate(lock, installed string) bool {
	li, err1 := os.Stat(lock)
	ii, err2 := os.Stat(installed)
	if err1 != nil || err2 != nil || ii.ModTime().Before(li.ModTime()) {
		return false
	}
	var want, have struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	for path, into := range map[string]any{lock: &want, installed: &have} {
		b, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(b, into) != nil {
			return false
		}
	}
	for name, p := range want.Packages {
		if name == "" {
			continue
		}
		if have.Packages[name].Version != p.Version {
			return false
		}
	}
	return true
}

// yclient is one Node editor process.
type yclient struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser
	next atomic.Int64

	mu      sync.Mutex
	waiting map[int64]chan map[string]any
	events  []map[string]any
	stderr  strings.Builder
}

// newClient starts a client for session sid on base as user; mode is
// "query" (token in ?token=) or "subprotocol" (bearer.<jwt>).
func (e *env) newClient(base, sid, user, name, mode string) *yclient {
	t := e.t
	t.Helper()
	needNode(t)
	url := strings.Replace(base, "http://", "ws://", 1) + api + "/sessions/" + sid
	cmd := exec.Command("node", "client.mjs", url, e.token(user), name, mode)
	cmd.Dir = yclientDir
	c := &yclient{t: t, name: name, cmd: cmd, waiting: map[int64]chan map[string]any{}}
	cmd.Stderr = &lockedWriter{c: c}
	var err error
	if c.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go c.read(out)
	t.Cleanup(c.close)
	return c
}

type lockedWriter struct{ c *yclient }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if w.c.stderr.Len() < 64<<10 {
		w.c.stderr.Write(p)
	}
	return len(p), nil
}

func (c *yclient) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		c.mu.Lock()
		if id, ok := m["id"].(float64); ok {
			if ch := c.waiting[int64(id)]; ch != nil {
				ch <- m
				delete(c.waiting, int64(id))
			}
		} else {
			c.events = append(c.events, m)
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	for id, ch := range c.waiting {
		close(ch)
		delete(c.waiting, id)
	}
	c.mu.Unlock()
}

// do sends a command and waits for its answer.
func (c *yclient) do(op string, args map[string]any) map[string]any {
	c.t.Helper()
	res, err := c.try(op, args)
	if err != nil {
		dbg, _ := c.try("debug", nil)
		c.t.Fatalf("%s: %s: %v (client state %v)", c.name, op, err, dbg)
	}
	return res
}

func (c *yclient) try(op string, args map[string]any) (map[string]any, error) {
	id := c.next.Add(1)
	msg := map[string]any{"id": id, "op": op}
	for k, v := range args {
		msg[k] = v
	}
	ch := make(chan map[string]any, 1)
	c.mu.Lock()
	c.waiting[id] = ch
	c.mu.Unlock()
	b, _ := json.Marshal(msg)
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	select {
	case res, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("client exited; stderr: %s", c.stderrText())
		}
		if res["ok"] != true {
			return res, fmt.Errorf("%v", res["error"])
		}
		return res, nil
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("no answer; stderr: %s", c.stderrText())
	}
}

func (c *yclient) stderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// connect opens the provider and waits until it is synced.
func (c *yclient) connect() {
	c.t.Helper()
	c.do("connect", nil)
	c.do("waitSynced", map[string]any{"timeout": 10000})
}

func (c *yclient) typeText(s string, delay time.Duration) {
	c.t.Helper()
	c.do("type", map[string]any{"text": s, "delay": delay.Milliseconds()})
}

// waitText waits until the text contains every part (and has length n
// when n >= 0) and returns it.
func (c *yclient) waitText(n int, parts ...string) string {
	c.t.Helper()
	args := map[string]any{"contains": append([]string{}, parts...), "timeout": 10000}
	if n >= 0 {
		args["length"] = n
	}
	return c.do("waitText", args)["text"].(string)
}

// closeCodes returns the close codes the provider reported.
func (c *yclient) closeCodes() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, e := range c.events {
		if e["event"] == "close" || e["event"] == "closed" {
			if code, ok := e["code"].(float64); ok {
				out = append(out, int(code))
			}
		}
	}
	return out
}

func (c *yclient) close() {
	_, _ = c.in.Write([]byte(`{"op":"exit"}` + "\n"))
	_ = c.in.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}
