package devenv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Lint checks formatting of every Go file in the repository, then runs go vet
// and staticcheck (a tool dependency of the root module) in every workspace
// module, and type-checks and lints the web app.
func (e *Env) Lint(ctx context.Context) error {
	mods, err := Modules(e.Root)
	if err != nil {
		return err
	}
	fmtErr := e.gofmt(ctx)

	var results []result
	for _, m := range mods {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// go.work makes the root module's tool directive visible from every module.
		results = append(results, e.runModule(ctx, m, nil, []step{
			{"go vet", []string{"vet", "./..."}},
			{"staticcheck", []string{"tool", "staticcheck", "./..."}},
		}))
	}
	// The web app: tsc --noEmit and eslint.
	if r, ok := e.runWeb(ctx, "lint"); ok {
		results = append(results, r)
	}
	return errors.Join(fmtErr, e.actionlint(ctx), summarize(e.Stdout, "lint", results))
}

// actionlint checks the GitHub workflows (a tool dependency of the root module).
func (e *Env) actionlint(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(e.Root, ".github", "workflows")); err != nil {
		return nil
	}
	e.logf("actionlint .github/workflows")
	if err := e.command(ctx, ".", nil, "go", "tool", "actionlint").Run(); err != nil {
		return fmt.Errorf("actionlint: %w", err)
	}
	return nil
}

// gofmt reports the Go files whose formatting differs from gofmt's.
func (e *Env) gofmt(ctx context.Context) error {
	files, err := e.goFiles(ctx)
	if err != nil {
		return err
	}
	e.logf("gofmt -l (%d files)", len(files))
	if len(files) == 0 {
		return nil
	}
	goroot, err := e.output(ctx, ".", "go", "env", "GOROOT")
	if err != nil {
		return err
	}
	gofmt := filepath.Join(goroot, "bin", "gofmt")
	var bad []string
	for chunk := range slices.Chunk(files, 200) {
		out, err := e.output(ctx, ".", gofmt, append([]string{"-l"}, chunk...)...)
		if err != nil {
			return err // syntax errors and the like
		}
		bad = append(bad, strings.Fields(out)...)
	}
	if len(bad) > 0 {
		for _, f := range bad {
			fmt.Fprintf(e.Stdout, "    needs gofmt: %s\n", f)
		}
		return fmt.Errorf("%d file(s) need formatting: gofmt -w %s", len(bad), strings.Join(bad, " "))
	}
	return nil
}

// goFiles lists the .go files git tracks or would track (untracked but not
// ignored), relative to the root; outside a git checkout it walks the tree.
func (e *Env) goFiles(ctx context.Context) ([]string, error) {
	var files []string
	out, err := e.output(ctx, ".", "git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.go")
	if err == nil {
		for _, f := range strings.Split(out, "\n") {
			if f == "" || skipForFormat(f) {
				continue
			}
			if _, err := os.Stat(filepath.Join(e.Root, f)); err == nil { // deleted but still in the index
				files = append(files, f)
			}
		}
		slices.Sort(files)
		return slices.Compact(files), nil
	}
	err = filepath.WalkDir(e.Root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != e.Root && (strings.HasPrefix(name, ".") || name == "node_modules") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(e.Root, path)
		if !d.IsDir() && strings.HasSuffix(name, ".go") && !skipForFormat(filepath.ToSlash(rel)) {
			files = append(files, rel)
		}
		return nil
	})
	return files, err
}

// skipForFormat is true for files the go tool itself ignores.
func skipForFormat(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if part == "testdata" || part == "vendor" || part == "node_modules" {
			return true
		}
	}
	return false
}
