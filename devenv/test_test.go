package devenv

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSplitFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty gives no flags", "", nil},
		{"words split on spaces", "-run Foo  -v", []string{"-run", "Foo", "-v"}},
		{"single quotes group a pattern", "-run 'TestA|TestB' -v", []string{"-run", "TestA|TestB", "-v"}},
		{"double quotes group a pattern", `-run "Test A"`, []string{"-run", "Test A"}},
		{"quotes inside a word", `-run=Test'A B'`, []string{"-run=TestA B"}},
		{"an empty quoted argument survives", `-run ''`, []string{"-run", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := splitFlags(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitFlags(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if _, err := splitFlags("-run 'Foo"); err == nil || !strings.Contains(err.Error(), "unterminated") {
		t.Errorf("unterminated quote: error = %v", err)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	err := summarize(&b, "test", []result{
		{module: Module{Dir: ".", Path: "example.com/root"}},
		{module: Module{Dir: "libs", Path: "example.com/root/libs"}, failed: []string{"go test"}},
		{module: Module{Dir: "services/user", Path: "example.com/root/services/user"}, skipped: true},
	})
	if err == nil || !strings.Contains(err.Error(), "libs") || strings.Contains(err.Error(), "services/user") {
		t.Errorf("summarize() error = %v, want one naming only libs", err)
	}
	out := b.String()
	for _, want := range []string{"example.com/root  ", "example.com/root/libs", "FAIL", "(go test failed)", "(no packages)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// TestTestPrepare: every module's preparing step names a module of the
// workspace and a package that is there.
func TestTestPrepare(t *testing.T) {
	t.Parallel()
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := Modules(root)
	if err != nil {
		t.Fatal(err)
	}
	for dir, p := range servicePrepare {
		if _, ok := testPrepare[dir]; !ok {
			t.Errorf("servicePrepare: %s has no testPrepare steps", dir)
		}
		if len(p.steps) == 0 || p.makes == "" {
			t.Errorf("servicePrepare %s: no steps or no file they make", dir)
		}
	}
	for dir, steps := range testPrepare {
		if !slices.ContainsFunc(mods, func(m Module) bool { return m.Dir == dir }) {
			t.Errorf("testPrepare: %s is not a module of go.work", dir)
		}
		for _, s := range steps {
			if len(s.args) < 2 || s.args[0] != "run" {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, dir, filepath.FromSlash(s.args[1]), "main.go")); err != nil {
				t.Errorf("testPrepare %s: %q: %v", dir, s.name, err)
			}
		}
	}
}
