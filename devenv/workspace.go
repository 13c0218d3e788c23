package devenv

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
)

// Module is one module of the workspace.
type Module struct {
	Dir  string // relative to the repository root, slash-separated; "." for the root module
	Path string // module path from its go.mod
}

// Modules returns the modules listed in root/go.work, in file order. A use
// entry with glob characters (./services/*) stands for every matching
// directory that has a go.mod.
func Modules(root string) ([]Module, error) {
	name := filepath.Join(root, "go.work")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork(name, quoteGlobs(data), nil)
	if err != nil {
		return nil, err
	}
	var (
		mods []Module
		seen = map[string]bool{}
	)
	add := func(dir string) error {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if seen[rel] {
			return nil
		}
		seen[rel] = true
		gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			return fmt.Errorf("go.work uses %s: %w", rel, err)
		}
		path := modfile.ModulePath(gomod)
		if path == "" {
			return fmt.Errorf("%s/go.mod has no module line", rel)
		}
		mods = append(mods, Module{Dir: rel, Path: path})
		return nil
	}
	for _, u := range wf.Use {
		p := filepath.FromSlash(u.Path)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if !strings.ContainsAny(u.Path, "*?[") {
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("go.work: use %s: %w", u.Path, err)
		}
		slices.Sort(matches)
		for _, m := range matches {
			if _, err := os.Stat(filepath.Join(m, "go.mod")); err != nil {
				continue // a directory without a module yet
			}
			if err := add(m); err != nil {
				return nil, err
			}
		}
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("%s lists no modules", name)
	}
	return mods, nil
}

// globUse matches a use entry that is a bare glob, alone on its line or after
// "use": the go.work lexer would read the "/*" of ./services/* as a comment.
var globUse = regexp.MustCompile(`(?m)^(\s*(?:use\s+)?)([^\s"'` + "`" + `]*[*?\[][^\s"'` + "`" + `]*)[ \t]*$`)

// quoteGlobs quotes bare glob entries so go.work parses.
func quoteGlobs(data []byte) []byte {
	return globUse.ReplaceAll(data, []byte(`$1"$2"`))
}
