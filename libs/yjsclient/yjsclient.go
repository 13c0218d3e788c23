// Package yjsclient drives the Node editor client (the real yjs and
// y-websocket packages, services/collaboration/testdata/yclient) from Go:
// one process per editor, one JSON command per line on stdin, one answer
// per line on stdout. The collaboration-service tests and the end-to-end
// journey (mage e2e) use it.
package yjsclient

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Install makes sure the client's packages are installed in dir: `npm ci`
// from the committed lockfile, skipped when node_modules already matches it.
func Install(ctx context.Context, dir string, log io.Writer) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is required for the yjs editor client (Node 20+: apt-get install nodejs npm): %w", err)
	}
	if Installed(dir) {
		return nil
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w", dir, err)
	}
	return nil
}

// Installed reports whether npm's record of the installed tree in dir is at
// least as new as the lockfile and has the same versions.
func Installed(dir string) bool {
	lock := filepath.Join(dir, "package-lock.json")
	installed := filepath.Join(dir, "node_modules", ".package-lock.json")
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
		if name != "" && have.Packages[name].Version != p.Version {
			return false
		}
	}
	return true
}

// Client is one editor process: a Y.Doc bound to a session through
// y-websocket's WebsocketProvider.
type Client struct {
	Name string
	cmd  *exec.Cmd
	in   io.WriteCloser
	next atomic.Int64
	done chan struct{}

	mu      sync.Mutex
	waiting map[int64]chan map[string]any
	events  []map[string]any
	stderr  strings.Builder
}

// Start runs `node client.mjs <sessionURL> <token> <name> <mode>` in dir.
// sessionURL is ws://host/collaboration-service-api/sessions/<id> (the
// provider appends /ws); mode is "query" (?token=) or "subprotocol"
// (bearer.<jwt>).
func Start(dir, sessionURL, token, name, mode string) (*Client, error) {
	cmd := exec.Command("node", "client.mjs", sessionURL, token, name, mode)
	cmd.Dir = dir
	c := &Client{Name: name, cmd: cmd, waiting: map[int64]chan map[string]any{}, done: make(chan struct{})}
	cmd.Stderr = stderrWriter{c}
	var err error
	if c.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the editor client: %w", err)
	}
	go c.read(out)
	return c, nil
}

type stderrWriter struct{ c *Client }

func (w stderrWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if w.c.stderr.Len() < 64<<10 {
		w.c.stderr.Write(p)
	}
	return len(p), nil
}

func (c *Client) read(out io.Reader) {
	defer close(c.done)
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

// Do sends one command ({"op": op, …args}) and waits for its answer, at
// most 60 s or until ctx ends.
func (c *Client) Do(ctx context.Context, op string, args map[string]any) (map[string]any, error) {
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
		return nil, fmt.Errorf("editor %s: %s: %w", c.Name, op, err)
	}
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	select {
	case res, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("editor %s exited during %s; stderr: %s", c.Name, op, c.Stderr())
		}
		if res["ok"] != true {
			return res, fmt.Errorf("editor %s: %s: %v", c.Name, op, res["error"])
		}
		return res, nil
	case <-timeout.C:
		return nil, fmt.Errorf("editor %s: %s: no answer in 60 s; stderr: %s", c.Name, op, c.Stderr())
	case <-ctx.Done():
		return nil, fmt.Errorf("editor %s: %s: %w", c.Name, op, ctx.Err())
	}
}

// Stderr is what the process wrote to stderr (the first 64 KiB).
func (c *Client) Stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// CloseCodes are the WebSocket close codes the provider reported.
func (c *Client) CloseCodes() []int {
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

// Close asks the process to exit, killing it after 3 s.
func (c *Client) Close() {
	_, _ = c.in.Write([]byte(`{"op":"exit"}` + "\n"))
	_ = c.in.Close()
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		_ = c.cmd.Process.Kill()
	}
	_ = c.cmd.Wait()
}
