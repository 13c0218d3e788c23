package devenv

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWebSourcesSum: the web build is redone when a source changes, and
// not for what the build, npm or the browser tests write.
func TestWebSourcesSum(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"package.json":       `{"name":"web"}`,
		"package-lock.json":  `{}`,
		"src/main.tsx":       "render()",
		"index.html":         "<div id=root>",
		"src/build/x.ts":     "a source directory that happens to be called build",
		"node_modules/a.js":  "dependency",
		"build/README.md":    "kept",
		"build/app/index.js": "output",
		"test-results/a.png": "screenshot",
	})
	sum := func() string {
		t.Helper()
		s, err := webSourcesSum(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := sum()
	for _, name := range []string{"node_modules/a.js", "build/app/index.js", "test-results/a.png"} {
		write(name, "changed")
		if sum() != base {
			t.Fatalf("changing %s asked for a new build", name)
		}
	}
	for _, name := range []string{"src/main.tsx", "src/build/x.ts", "package-lock.json"} {
		write(name, "changed "+name)
		next := sum()
		if next == base {
			t.Fatalf("changing %s did not ask for a new build", name)
		}
		base = next
	}
}
