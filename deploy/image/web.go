package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/yjsclient"
)

// WebDir is the web app's source, relative to the repository root; its
// build output is embedded in the frontend-service binary.
const WebDir = "services/frontend/web"

// ErrNoNPM is returned when the web app exists but npm is not on PATH.
var ErrNoNPM = errors.New("npm is not on PATH: install Node.js (with npm) to build the web app in " + WebDir)

// BuildWeb builds the web app under root (npm ci unless node_modules
// already matches the lockfile, then npm run build in
// services/frontend/web) so that the frontend binary embeds it. It does
// nothing when services/frontend/web/package.json does not exist. Image
// builds, deploys and the local environment all call it.
func BuildWeb(ctx context.Context, root string, log io.Writer) error {
	dir := filepath.Join(root, WebDir)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return ErrNoNPM
	}
	if log == nil {
		log = io.Discard
	}
	start := time.Now()
	steps := [][]string{{"ci", "--no-audit", "--no-fund"}, {"run", "build"}}
	if yjsclient.Installed(dir) {
		steps = steps[1:] // node_modules already holds exactly the lockfile's versions
	}
	for _, args := range steps {
		fmt.Fprintf(log, "==> npm %s (in %s)\n", strings.Join(args, " "), WebDir)
		cmd := exec.CommandContext(ctx, npm, args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm %s in %s: %w\n%s", strings.Join(args, " "), WebDir, err, lastLines(out.String(), 30))
		}
	}
	fmt.Fprintf(log, "==> web app built in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// lastLines is the end of s, n lines at most.
func lastLines(s string, n int) string {
	lines := bytes.Split(bytes.TrimRight([]byte(s), "\n"), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-n):], []byte("\n")))
}
