package devenv

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeTree creates files (path → content) under a new temporary root.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestModules(t *testing.T) {
	t.Parallel()
	services := map[string]string{
		"go.mod":                   "module example.com/root\n",
		"libs/go.mod":              "module example.com/root/libs\n",
		"services/user/go.mod":     "module example.com/root/services/user\n",
		"services/chat/go.mod":     "module example.com/root/services/chat\n",
		"services/draft/README.md": "not a module yet\n",
	}
	all := []Module{
		{Dir: ".", Path: "example.com/root"},
		{Dir: "libs", Path: "example.com/root/libs"},
		{Dir: "services/chat", Path: "example.com/root/services/chat"},
		{Dir: "services/user", Path: "example.com/root/services/user"},
	}
	tests := []struct {
		name   string
		gowork string
		want   []Module
	}{
		{
			name:   "modules come in go.work order with their module paths",
			gowork: "go 1.26\n\nuse (\n\t.\n\t./libs\n\t./services/user\n)\n",
			want:   []Module{all[0], all[1], all[3]},
		},
		{
			name:   "single-line use directives",
			gowork: "go 1.26\nuse ./services/user\nuse .\n",
			want:   []Module{all[3], all[0]},
		},
		{
			name:   "a bare glob expands to every directory with a go.mod, sorted",
			gowork: "go 1.26\n\nuse (\n\t.\n\t./libs\n\t./services/*\n)\n",
			want:   all,
		},
		{
			name:   "a quoted glob expands too",
			gowork: "go 1.26\nuse \"./services/*\"\n",
			want:   []Module{all[2], all[3]},
		},
		{
			name:   "a module listed twice appears once",
			gowork: "go 1.26\nuse (\n\t./services/user\n\t./services/*\n)\n",
			want:   []Module{all[3], all[2]},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"go.work": tt.gowork}
			for k, v := range services {
				files[k] = v
			}
			root := writeTree(t, files)
			got, err := Modules(root)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Modules() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestModulesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"a listed directory without go.mod is an error", map[string]string{
			"go.work": "go 1.26\nuse ./libs\n",
		}, "go.work uses libs"},
		{"a go.mod without module line is an error", map[string]string{
			"go.work": "go 1.26\nuse .\n", "go.mod": "go 1.26\n",
		}, "no module line"},
		{"a go.work with no modules is an error", map[string]string{
			"go.work": "go 1.26\n",
		}, "lists no modules"},
		{"no go.work is an error", map[string]string{"go.mod": "module x\n"}, "go.work"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Modules(writeTree(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Modules() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFindRoot(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"go.work": "go 1.26\n", "services/user/cmd/x.go": ""})
	got, err := FindRoot(filepath.Join(root, "services", "user", "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	if got != root {
		t.Errorf("FindRoot() = %s, want %s", got, root)
	}
}
