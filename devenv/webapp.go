package devenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/peerprep/peerprep/deploy/image"
	"github.com/peerprep/peerprep/libs/yjsclient"
)

// WebDir is the web app's Vite project, relative to the root.
const WebDir = image.WebDir

// webBuildOutput is where `npm run build` writes the app that
// frontend-service embeds, relative to WebDir.
const webBuildOutput = "build/app"

// webStamp records the sources the last build was made from.
const webStamp = "build/.sources-sha256"

// hasWebApp reports whether the tree has the web app's project.
func (e *Env) hasWebApp() bool {
	_, err := os.Stat(filepath.Join(e.Root, WebDir, "package.json"))
	return err == nil
}

// installWeb makes sure the web app's packages match its lockfile (npm ci,
// skipped when they already do, as for the editor client).
func (e *Env) installWeb(ctx context.Context) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return errors.New("the web app needs Node 20+ and npm (apt-get install nodejs npm)")
	}
	return yjsclient.Install(ctx, filepath.Join(e.Root, WebDir), e.Stdout)
}

// BuildWeb builds the web app into WebDir/build/app, where
// frontend-service embeds it from (image.BuildWeb: npm ci, npm run build),
// unless its sources are unchanged since the last build. Without the
// project (a tree before the web app) it does nothing.
func (e *Env) BuildWeb(ctx context.Context) error {
	if !e.hasWebApp() {
		return nil
	}
	dir := filepath.Join(e.Root, WebDir)
	sum, err := webSourcesSum(dir)
	if err != nil {
		return fmt.Errorf("reading the web app's sources: %w", err)
	}
	if old, err := os.ReadFile(filepath.Join(dir, webStamp)); err == nil && string(old) == sum {
		if _, err := os.Stat(filepath.Join(dir, webBuildOutput, "index.html")); err == nil {
			e.logf("web app unchanged since its last build (%s)", filepath.Join(WebDir, webBuildOutput))
			return nil
		}
	}
	if err := image.BuildWeb(ctx, e.Root, e.Stdout); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, webStamp), []byte(sum), 0o644)
}

// webSkip are the directories of the web project that are not sources of
// the build: dependencies, outputs, test results.
var webSkip = []string{"node_modules", "build", "test-results", "coverage", "e2e"}

// webSourcesSum hashes every source file's path and content.
func webSourcesSum(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel != "." && (slices.Contains(webSkip, d.Name()) && filepath.Dir(rel) == "." || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
		_, err = io.Copy(h, f)
		return err
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// runWeb runs npm scripts of the web app (all of them, even when one
// fails) as one row of the test or lint summary; ok is false when the tree
// has no web app yet.
func (e *Env) runWeb(ctx context.Context, scripts ...string) (r result, ok bool) {
	if !e.hasWebApp() {
		return result{}, false
	}
	start := time.Now()
	r.module = Module{Dir: WebDir, Path: WebDir + " (npm)"}
	if err := e.installWeb(ctx); err != nil {
		fmt.Fprintln(e.Stderr, err)
		r.failed = append(r.failed, "npm ci")
	} else {
		for _, s := range scripts {
			e.logf("%s: npm run %s", WebDir, s)
			if err := e.command(ctx, WebDir, []string{"CI=true"}, "npm", "run", s).Run(); err != nil {
				r.failed = append(r.failed, "npm run "+s)
			}
		}
	}
	r.duration = time.Since(start)
	return r, true
}
