package yjsclient

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestInstalled(t *testing.T) {
	t.Parallel()
	lock := `{"packages":{"":{},"node_modules/yjs":{"version":"13.6.27"}}}`
	for _, c := range []struct {
		name      string
		installed string // "" = no node_modules
		older     bool   // the installed record predates the lockfile
		want      bool
	}{
		{"fresh clone", "", false, false},
		{"same versions", lock, false, true},
		{"other version", `{"packages":{"node_modules/yjs":{"version":"13.6.1"}}}`, false, false},
		{"lockfile changed since", lock, true, false},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "package-lock.json"), lock)
		if c.installed != "" {
			rec := filepath.Join(dir, "node_modules", ".package-lock.json")
			write(t, rec, c.installed)
			if c.older {
				old := time.Now().Add(-time.Hour)
				if err := os.Chtimes(rec, old, old); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := Installed(dir); got != c.want {
			t.Errorf("%s: Installed = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestProtocol drives a stand-in client.mjs through the same line protocol
// as the real one: answers by id, errors, unprompted close events, exit.
func TestProtocol(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "client.mjs"), `
import readline from 'node:readline'
const [url, token, name, mode] = process.argv.slice(2)
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
out({ event: 'close', code: 1012 })
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line)
  if (cmd.op === 'exit') process.exit(0)
  if (cmd.op === 'fail') return out({ id: cmd.id, ok: false, error: 'asked to fail' })
  out({ id: cmd.id, ok: true, args: [url, token, name, mode], text: cmd.text })
})
`)
	c, err := Start(dir, "ws://x/sessions/1", "tok", "ada", "query")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	res, err := c.Do(ctx, "echo", map[string]any{"text": "hi"})
	if err != nil || res["text"] != "hi" || strings.Join(toStrings(res["args"]), " ") != "ws://x/sessions/1 tok ada query" {
		t.Fatalf("echo: %v %v", res, err)
	}
	if _, err := c.Do(ctx, "fail", nil); err == nil || !strings.Contains(err.Error(), "asked to fail") {
		t.Fatalf("fail: %v", err)
	}
	if codes := c.CloseCodes(); len(codes) != 1 || codes[0] != 1012 {
		t.Fatalf("close codes %v", codes)
	}
	c.Close()
	if _, err := c.Do(ctx, "echo", nil); err == nil {
		t.Fatal("a command after Close succeeded")
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
