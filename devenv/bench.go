package devenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/peerprep/peerprep/loadgen"
)

// BenchUser measures user-service as issue 2 asks: cold start to ready,
// GET /users/me with a valid token and GET /health/ready, each at 64
// connections for 10 s, against a fresh database. It uses wrk when it is
// installed (it costs the server less CPU on a 2-core machine) and the Go
// load generator otherwise. Every request goes to 127.0.0.1.
func (e *Env) BenchUser(ctx context.Context) error {
	deps, err := e.EnsureDeps(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "peerprep-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "user-service")
	build := e.command(ctx, "services/user", []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath", "-o", bin, "./cmd/user-service")
	if err := build.Run(); err != nil {
		return fmt.Errorf("build user-service: %w", err)
	}
	dbURL, err := freshDatabase(ctx, deps.DatabaseURL, "peerprep_bench_user")
	if err != nil {
		return err
	}
	const port = "18181"
	env := append(e.Environ(), "ENVIRONMENT=local", "PORT="+port, "DATABASE_URL="+dbURL, "REDIS_URL="+deps.RedisURL,
		"REDIS_KEY_PREFIX=bench:"+randomToken()[:8]+":", "SHUTDOWN_DRAIN=0s", "INTERNAL_API_TOKEN="+randomToken())
	if out, err := runWith(ctx, env, bin, "migrate"); err != nil {
		return fmt.Errorf("migrate: %w\n%s", err, out)
	}
	base := "http://127.0.0.1:" + port

	// Cold start: process start to the first 200 from /health/ready, five times.
	var starts []time.Duration
	for range 5 {
		cmd := exec.CommandContext(ctx, bin, "serve")
		cmd.Env = env
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		d, err := waitReady(ctx, base+"/health/ready", t0)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if err != nil {
			return err
		}
		starts = append(starts, d)
	}
	slices.Sort(starts)
	e.logf("cold start (process start → /health/ready 200), 5 runs: min %s, median %s, max %s",
		starts[0].Round(time.Millisecond), starts[2].Round(time.Millisecond), starts[4].Round(time.Millisecond))

	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = env // request logs go to /dev/null: encoding them is still paid
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	if _, err := waitReady(ctx, base+"/health/ready", time.Now()); err != nil {
		return err
	}
	token, err := benchSignup(ctx, base)
	if err != nil {
		return err
	}
	auth := "Authorization: Bearer " + token
	for _, target := range []struct{ name, url, header string }{
		{"GET /user-service-api/users/me", base + "/user-service-api/users/me", auth},
		{"GET /health/ready", base + "/health/ready", ""},
	} {
		if err := e.load(ctx, target.name, target.url, target.header); err != nil {
			return err
		}
	}
	return nil
}

// load runs 64 connections for 10 s at url with wrk, or loadgen without it.
func (e *Env) load(ctx context.Context, name, target, header string) error {
	if wrk, err := exec.LookPath("wrk"); err == nil {
		args := []string{"-t2", "-c64", "-d10s", "--latency"}
		if header != "" {
			args = append(args, "-H", header)
		}
		out, err := exec.CommandContext(ctx, wrk, append(args, target)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("wrk: %w\n%s", err, out)
		}
		shown := strings.Join(args, " ")
		if header != "" {
			shown = strings.Replace(shown, header, "'Authorization: Bearer <token>'", 1)
		}
		e.logf("%s — wrk %s URL\n%s", name, shown, summariseWrk(string(out)))
		return nil
	}
	h := http.Header{}
	if k, v, ok := strings.Cut(header, ":"); ok {
		h.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := loadgen.Run(ctx, loadgen.Config{URLs: []string{target}, Header: h, Connections: 64, Duration: 10 * time.Second})
	if err != nil {
		return err
	}
	e.logf("%s — loadgen -c 64 -d 10s (install wrk for a lighter generator)\n  %s", name, res)
	return nil
}

// summariseWrk keeps the lines that carry the numbers.
func summariseWrk(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		for _, p := range []string{"50%", "90%", "99%", "Requests/sec", "requests in", "Non-2xx", "Socket errors"} {
			if strings.HasPrefix(t, p) || strings.Contains(t, "requests in") {
				keep = append(keep, "  "+t)
				break
			}
		}
	}
	return strings.Join(keep, "\n")
}

func waitReady(ctx context.Context, target string, since time.Time) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		resp, err := client.Get(target)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(since), nil
			}
		}
	}
	return 0, fmt.Errorf("%s never answered 200", target)
}

func benchSignup(ctx context.Context, base string) (string, error) {
	body := `{"username":"bench_` + randomToken()[:8] + `","email":"b` + randomToken()[:8] + `@example.com","password":"Load-testing-secret-1"}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/user-service-api/auth/signup", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("signup for the benchmark failed: status %d", resp.StatusCode)
	}
	return out.AccessToken, nil
}

// freshDatabase drops and recreates name and returns its URL.
func freshDatabase(ctx context.Context, adminURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+id); err != nil {
		return "", err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func runWith(ctx context.Context, env []string, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
