package devenv

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

func TestStampVersion(t *testing.T) {
	t.Parallel()
	const sha = "0a9f45e2d3c4b5a6978877665544332211000fed"
	tests := []struct {
		name, sha, status, want string
	}{
		{"clean tree gives the bare SHA", sha, "", sha},
		{"modified file marks it dirty", sha, " M go.mod", sha + "-dirty"},
		{"untracked file marks it dirty", sha, "?? devenv/", sha + "-dirty"},
		{"no SHA means dev", "", "", "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := stampVersion(tt.sha, tt.status); got != tt.want {
				t.Errorf("stampVersion(%q, %q) = %q, want %q", tt.sha, tt.status, got, tt.want)
			}
		})
	}
}

func TestVersionFromGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	e := &Env{Root: root, Getenv: os.Getenv, Environ: os.Environ, Stdout: io.Discard, Stderr: io.Discard}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}

	// A directory that is not a checkout; TempDir is outside any repository.
	if got := e.Version(ctx); got != "dev" {
		t.Errorf("outside a checkout: Version() = %q, want dev", got)
	}
	git("init", "-q")
	if got := e.Version(ctx); got != "dev" {
		t.Errorf("before the first commit: Version() = %q, want dev", got)
	}
	if err := os.WriteFile(filepath.Join(root, "a.go"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "a.go")
	git("commit", "-q", "-m", "first")
	clean := e.Version(ctx)
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(clean) {
		t.Errorf("clean checkout: Version() = %q, want a bare SHA", clean)
	}
	if err := os.WriteFile(filepath.Join(root, "b.go"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := e.Version(ctx); got != clean+"-dirty" {
		t.Errorf("with an untracked file: Version() = %q, want %q", got, clean+"-dirty")
	}
}

func TestBinaries(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{
		"services/user/cmd/user-service/main.go":           "package main\n",
		"services/chat/cmd/chat-service/main.go":           "package main\n",
		"services/chat/cmd/chat-loadtest/main.go":          "package main\n", // not a service binary
		"services/question/go.mod":                         "module q\n",     // no cmd yet
		"services/history/cmd/history-service.txt":         "a file, not a directory\n",
		"services/matching/cmd/matching-service/README.md": "no Go files yet\n",
	})
	got, err := Binaries(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Binary{
		{Name: "chat-service", ModuleDir: "services/chat"},
		{Name: "user-service", ModuleDir: "services/user"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Binaries() = %v, want %v", got, want)
	}
	if out := got[1].Output(); out != "services/user/bin/user-service" {
		t.Errorf("Output() = %s", out)
	}
}
