package devenv

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultChromium is where Debian's chromium package puts the browser.
const defaultChromium = "/usr/bin/chromium"

// ScreenshotDir is where the browser tests save a screenshot per step,
// relative to the root (CI uploads it; docs/screenshots/ keeps the main
// pages).
const ScreenshotDir = WebDir + "/test-results/screenshots"

// browserTests runs the web app's browser tests (npm run test:browser:
// playwright-core driving Debian's Chromium, two people in two contexts)
// against the platform at base. control, when set, is the platform's
// control endpoint (startControl) for the tests that restart a service.
func (e *Env) browserTests(ctx context.Context, base, control string) error {
	if !e.hasWebApp() {
		return nil
	}
	if e.Getenv("PEERPREP_BROWSER_TESTS") == "0" {
		e.logf("browser tests skipped (PEERPREP_BROWSER_TESTS=0)")
		return nil
	}
	chromium := cmp.Or(e.Getenv("CHROMIUM_PATH"), defaultChromium)
	if _, err := os.Stat(chromium); err != nil {
		return fmt.Errorf("the browser tests need Chromium at %s (apt-get install chromium, or set CHROMIUM_PATH): %w", chromium, err)
	}
	if err := e.installWeb(ctx); err != nil {
		return err
	}
	shots := filepath.Join(e.Root, filepath.FromSlash(ScreenshotDir))
	if err := os.MkdirAll(shots, 0o755); err != nil {
		return err
	}
	e.logf("browser tests against %s (screenshots in %s)", base, ScreenshotDir)
	start := time.Now()
	env := []string{"CI=true", "PEERPREP_E2E_URL=" + base, "CHROMIUM_PATH=" + chromium, "PEERPREP_SCREENSHOT_DIR=" + shots}
	if control != "" {
		env = append(env, "PEERPREP_E2E_CONTROL_URL="+control)
	}
	if err := e.command(ctx, WebDir, env, "npm", "run", "test:browser").Run(); err != nil {
		return fmt.Errorf("browser tests: %w", err)
	}
	e.logf("browser tests passed in %s", fmtDuration(time.Since(start)))
	return nil
}

// startControl serves the test platform's control endpoint on loopback:
//   - POST /restart?service=<name> restarts every instance of that service
//     in turn (SIGTERM, drain, start, routed again) and answers
//     {"restarted":N} once all are back. Restarts never overlap.
//   - POST /promote?username=<name> makes that account an admin, in
//     user-service's database (the browser tests need an admin without
//     ADMIN_EMAILS); it takes effect at the user's next token.
//   - POST /attempts with a JSON array of history-service attempt bodies
//     records each through history-service's internal API (so its
//     running totals stay right) and answers {"recorded":N}.
func (e *Env) startControl(ctx context.Context, pl *platform, exits chan exit) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("POST /restart", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("service")
		mu.Lock()
		defer mu.Unlock()
		n, err := pl.restartService(ctx, name, exits, func(label string, d time.Duration) {
			e.logf("control: restarted %s in %s", label, fmtDuration(d))
		})
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]int{"restarted": n})
	})
	mux.HandleFunc("POST /promote", func(w http.ResponseWriter, r *http.Request) {
		n, err := pl.promote(r.Context(), r.URL.Query().Get("username"))
		writeControl(w, map[string]int{"promoted": n}, err)
	})
	mux.HandleFunc("POST /attempts", func(w http.ResponseWriter, r *http.Request) {
		var bodies []json.RawMessage
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(&bodies); err != nil {
			writeControl(w, nil, fmt.Errorf("body: %w", err))
			return
		}
		n, err := pl.recordAttempts(r.Context(), bodies)
		writeControl(w, map[string]int{"recorded": n}, err)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// restartService restarts every instance of the named service ("chat" or
// "chat-service") one at a time, waiting until each is routed again.
func (pl *platform) restartService(ctx context.Context, name string, exits chan<- exit, done func(label string, d time.Duration)) (int, error) {
	n := 0
	for _, p := range pl.procs {
		if p.svc.Name != name && p.svc.Binary() != name {
			continue
		}
		t := time.Now()
		if err := p.restart(ctx, exits, pl.routed); err != nil {
			return n, err
		}
		n++
		done(p.label, time.Since(t))
	}
	if n == 0 {
		return 0, errors.New("no service named " + name)
	}
	return n, nil
}

func writeControl(w http.ResponseWriter, ok any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(ok)
}

// promote sets role admin on the account named username in user-service's
// database and returns how many accounts changed (0 or 1).
func (pl *platform) promote(ctx context.Context, username string) (int, error) {
	if username == "" {
		return 0, errors.New("username is required")
	}
	dbURL, err := serviceDatabaseURL(pl.wiring.AdminDatabaseURL, pl.wiring.databaseName(Service{Name: "user"}))
	if err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("user database: %w", err)
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(ctx, `UPDATE users SET role = 'admin' WHERE username = $1`, username)
	if err != nil {
		return 0, fmt.Errorf("promote %s: %w", username, err)
	}
	if tag.RowsAffected() == 0 {
		return 0, fmt.Errorf("no account named %q", username)
	}
	return int(tag.RowsAffected()), nil
}

// recordAttempts posts each body to history-service's internal
// POST /internal/attempts on one of its ready instances, eight at a time.
func (pl *platform) recordAttempts(ctx context.Context, bodies []json.RawMessage) (int, error) {
	url := pl.instanceURL("history") + "/history-service-api/internal/attempts"
	client := &http.Client{Timeout: 30 * time.Second}
	var (
		mu       sync.Mutex
		recorded int
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan json.RawMessage)
	for range 8 {
		wg.Go(func() {
			for b := range work {
				err := postAttempt(ctx, client, url, pl.wiring.InternalToken, b)
				mu.Lock()
				if err == nil {
					recorded++
				} else if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	wg.Wait()
	return recorded, firstErr
}

func postAttempt(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		return fmt.Errorf("record attempt: %d %s", res.StatusCode, msg)
	}
	return nil
}
