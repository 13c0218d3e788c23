package devenv

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// versionVar is the variable the git SHA is stamped into.
const versionVar = "github.com/peerprep/peerprep/libs/buildinfo.Version"

// Binary is a service binary found under services/<name>/cmd/<name>-service.
type Binary struct {
	Name      string // "user-service"
	ModuleDir string // "services/user", relative to the root
}

// Output is where Build writes the binary, relative to the root.
func (b Binary) Output() string { return b.ModuleDir + "/bin/" + b.Name }

// Binaries returns the service binaries that exist in the tree, sorted.
func Binaries(root string) ([]Binary, error) {
	dirs, err := filepath.Glob(filepath.Join(root, "services", "*", "cmd", "*-service"))
	if err != nil {
		return nil, err
	}
	var bins []Binary
	for _, d := range dirs {
		if !hasGoFiles(d) {
			continue // a file, or a directory someone is just starting
		}
		module := filepath.Dir(filepath.Dir(d))
		rel, err := filepath.Rel(root, module)
		if err != nil {
			return nil, err
		}
		bins = append(bins, Binary{Name: filepath.Base(d), ModuleDir: filepath.ToSlash(rel)})
	}
	slices.SortFunc(bins, func(a, b Binary) int { return strings.Compare(a.Output(), b.Output()) })
	return bins, nil
}

// Build compiles every service binary as a static executable stamped with
// Version, into services/<name>/bin/<name>-service, after building the web
// app that frontend-service embeds (BuildWeb).
func (e *Env) Build(ctx context.Context) ([]Binary, error) {
	bins, err := Binaries(e.Root)
	if err != nil {
		return nil, err
	}
	if err := e.BuildWeb(ctx); err != nil {
		return nil, err
	}
	if len(bins) == 0 {
		e.logf("no services to build yet (looked for services/<name>/cmd/<name>-service)")
		return nil, nil
	}
	version := e.Version(ctx)
	env := []string{"CGO_ENABLED=0"}
	ldflags := "-s -w -X " + versionVar + "=" + version
	for _, b := range bins {
		e.logf("building %s (version %s)", b.Output(), version)
		cmd := e.command(ctx, b.ModuleDir, env, "go", "build", "-trimpath", "-ldflags", ldflags,
			"-o", "bin/"+b.Name, "./cmd/"+b.Name)
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("building %s: %w", b.Name, err)
		}
	}
	return bins, nil
}

// Version is the git SHA of HEAD, with "-dirty" when the working tree has
// changes (untracked files included, as they can change the build), or "dev"
// outside a git checkout.
func (e *Env) Version(ctx context.Context) string {
	sha, err := e.output(ctx, ".", "git", "rev-parse", "HEAD")
	if err != nil {
		return "dev"
	}
	status, err := e.output(ctx, ".", "git", "status", "--porcelain")
	if err != nil {
		status = "unknown" // cannot prove the tree is clean
	}
	return stampVersion(sha, status)
}

// hasGoFiles reports whether dir is a directory with at least one .go file.
func hasGoFiles(dir string) bool {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	return err == nil && len(files) > 0
}

func stampVersion(sha, status string) string {
	if sha == "" {
		return "dev"
	}
	if strings.TrimSpace(status) != "" {
		return sha + "-dirty"
	}
	return sha
}
