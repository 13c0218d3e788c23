package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/yjsclient"
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
		var out strings.Builder
		if err := yjsclient.Install(context.Background(), yclientDir, &out); err != nil {
			npmErr = fmt.Errorf("%w\n%s", err, out.String())
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
}

// yclient is one Node editor process, failing the test on any error.
type yclient struct {
	t    testing.TB
	name string
	*yjsclient.Client
}

// newClient starts a client for session sid on base as user; mode is
// "query" (token in ?token=) or "subprotocol" (bearer.<jwt>).
func (e *env) newClient(base, sid, user, name, mode string) *yclient {
	t := e.t
	t.Helper()
	needNode(t)
	url := strings.Replace(base, "http://", "ws://", 1) + api + "/sessions/" + sid
	c, err := yjsclient.Start(yclientDir, url, e.token(user), name, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &yclient{t: t, name: name, Client: c}
}

// do sends a command and waits for its answer.
func (c *yclient) do(op string, args map[string]any) map[string]any {
	c.t.Helper()
	res, err := c.Do(context.Background(), op, args)
	if err != nil {
		dbg, _ := c.Do(context.Background(), "debug", nil)
		c.t.Fatalf("%s: %s: %v (client state %v)", c.name, op, err, dbg)
	}
	return res
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

func (c *yclient) closeCodes() []int { return c.CloseCodes() }
