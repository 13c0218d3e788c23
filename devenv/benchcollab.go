package devenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/peerprep/peerprep/loadgen/matchload"
)

// BenchCollab runs the editor benchmark for the current process.
func BenchCollab(ctx context.Context) error { return run(ctx, (*Env).BenchCollab) }

// collabDir holds the Node load client and the stock y-websocket server.
const collabDir = "loadgen/collab"

// BenchCollab puts BENCH_ROOMS (200) rooms × 2 real yjs + y-websocket
// clients × BENCH_RATE (5) updates/s for BENCH_DURATION (20 s) on (a)
// collaboration-service (2 replicas on the private platform, the two
// clients of a room on different replicas) and (b) the stock y-websocket
// 1.5.4 server, alternating, three times each, and prints the latency from
// one client's change to the partner seeing it, with CPU-s per process.
func (e *Env) BenchCollab(ctx context.Context) error {
	rooms, rate, dur := 200, 5, 20*time.Second
	if v, err := strconv.Atoi(e.Getenv("BENCH_ROOMS")); err == nil && v > 0 {
		rooms = v
	}
	if v, err := strconv.Atoi(e.Getenv("BENCH_RATE")); err == nil && v > 0 {
		rate = v
	}
	if v, err := time.ParseDuration(e.Getenv("BENCH_DURATION")); err == nil && v > 0 {
		dur = v
	}
	if err := e.command(ctx, collabDir, nil, "npm", "ci", "--no-audit", "--no-fund").Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w", collabDir, err)
	}
	dir, client, done, err := e.prepareLoadClient(ctx, "benchcollab")
	if err != nil {
		return err
	}
	defer done()

	return e.withTestPlatform(ctx, "benchcollab", func(ctx context.Context, pl *platform, _ chan exit) error {
		usersFile := filepath.Join(dir, "users.json")
		if _, err := e.matchload(ctx, client, pl, nil, "signup", "-n", strconv.Itoa(2*rooms), "-c", "8", "-out", usersFile); err != nil {
			return err
		}
		var users []matchload.User
		b, err := os.ReadFile(usersFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &users); err != nil {
			return err
		}
		var collab []*process
		for _, p := range pl.procs {
			if p.svc.Name == "collaboration" {
				collab = append(collab, p)
			}
		}
		if len(collab) < 2 {
			return fmt.Errorf("bench:collab needs 2 collaboration-service instances, has %d", len(collab))
		}
		type side struct {
			URL   string `json:"url"`
			Room  string `json:"room"`
			Token string `json:"token,omitempty"`
		}
		type room struct {
			A side `json:"a"`
			B side `json:"b"`
		}
		ours := make([]room, rooms)
		for i := range ours {
			sid, err := createSession(ctx, collab[0].svc.LocalURL(), pl.wiring.InternalToken, users[2*i].ID, users[2*i+1].ID)
			if err != nil {
				return err
			}
			ws := func(p *process) string {
				return "ws://" + p.svc.Addr() + "/collaboration-service-api/sessions/" + sid
			}
			ours[i] = room{side{ws(collab[0]), "ws", users[2*i].Token}, side{ws(collab[1]), "ws", users[2*i+1].Token}}
		}
		ports := newPortPicker()
		var rows []collabRow
		for round := range 3 {
			// (a) collaboration-service
			r, err := e.collabRun(ctx, dir, pl, fmt.Sprintf("collaboration-service, run %d", round+1), ours, rate, dur, collab, nil)
			if err != nil {
				return err
			}
			rows = append(rows, r)
			// (b) the stock server, fresh each run
			port, err := ports.next()
			if err != nil {
				return err
			}
			srv := exec.CommandContext(ctx, "node", "node_modules/y-websocket/bin/server.js")
			srv.Dir = filepath.Join(e.Root, collabDir)
			srv.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT="+strconv.Itoa(port))
			if err := srv.Start(); err != nil {
				return err
			}
			if _, err := waitListening(ctx, "127.0.0.1:"+strconv.Itoa(port)); err != nil {
				_ = srv.Process.Kill()
				_ = srv.Wait()
				return err
			}
			stock := make([]room, rooms)
			for i := range stock {
				u := "ws://127.0.0.1:" + strconv.Itoa(port)
				stock[i] = room{side{u, "room" + strconv.Itoa(i) + "-" + strconv.Itoa(round), ""}, side{u, "room" + strconv.Itoa(i) + "-" + strconv.Itoa(round), ""}}
			}
			r, err = e.collabRun(ctx, dir, pl, fmt.Sprintf("y-websocket 1.5.4 server, run %d", round+1), stock, rate, dur, nil, srv.Process)
			_ = srv.Process.Kill()
			_ = srv.Wait()
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		fmt.Fprint(e.Stdout, collabTable(rows, rooms, rate, dur))
		return nil
	})
}

type collabRow struct {
	name            string
	Sent, Received  int
	P50, P99, Max   float64
	server, client  float64
	redis, postgres float64
	load0, load1    string
	stock           bool
}

// collabRun runs the Node client once against rooms; the server's CPU is
// that of servers (collaboration instances) or proc (the stock server).
func (e *Env) collabRun(ctx context.Context, dir string, pl *platform, name string, rooms any, rate int, dur time.Duration, servers []*process, proc *os.Process) (collabRow, error) {
	cfg, _ := json.Marshal(map[string]any{"rate": rate, "seconds": dur.Seconds(), "rooms": rooms})
	path := filepath.Join(dir, "collab.json")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		return collabRow{}, err
	}
	e.logf("benchcollab: %s", name)
	serverCPU := func() float64 {
		if proc != nil {
			return processCPU(proc.Pid)
		}
		var s float64
		for _, p := range servers {
			s += processCPU(p.cmd.Process.Pid)
		}
		return s
	}
	row := collabRow{name: name, load0: loadavg(), stock: proc != nil}
	before, s0 := readCPU(pl), serverCPU()
	cmd := exec.CommandContext(ctx, "node", "load.mjs", path)
	cmd.Dir = filepath.Join(e.Root, collabDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return row, fmt.Errorf("load.mjs: %w\n%s", err, stderr.String())
	}
	after := readCPU(pl).minus(before)
	row.server, row.load1 = serverCPU()-s0, loadavg()
	row.client = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	row.redis, row.postgres = after["redis"], after["postgres"]
	var res struct {
		Sent, Received int
		P50, P99, Max  float64
	}
	if err := json.Unmarshal(bytes.TrimSpace(firstLine(out)), &res); err != nil {
		return row, fmt.Errorf("load.mjs said %q: %w", out, err)
	}
	row.Sent, row.Received, row.P50, row.P99, row.Max = res.Sent, res.Received, res.P50, res.P99, res.Max
	return row, nil
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

func collabTable(rows []collabRow, rooms, rate int, dur time.Duration) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\neditor: %d rooms × 2 yjs + y-websocket clients × %d updates/s for %s; latency from one client's change to the partner seeing it\n\n", rooms, rate, dur)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tsent\treceived\tp50 ms\tp99 ms\tmax ms\tserver CPU-s\tserver ms/update\tredis CPU-s\tpostgres CPU-s\tclient CPU-s\tload avg before → after\t")
	var sum [2][3]float64 // p50, p99, server CPU per update, by ours/stock
	var n [2]float64
	for _, r := range rows {
		perUpdate := r.server / float64(max(r.Sent, 1)) * 1000
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.1f\t%.1f\t%.3f\t%.1f\t%.1f\t%.1f\t%s → %s\t\n", r.name, r.Sent, r.Received, r.P50, r.P99, r.Max,
			r.server, perUpdate, r.redis, r.postgres, r.client, r.load0, r.load1)
		k := 0
		if r.stock {
			k = 1
		}
		sum[k][0] += r.P50
		sum[k][1] += r.P99
		sum[k][2] += perUpdate
		n[k]++
	}
	tw.Flush()
	if n[0] > 0 && n[1] > 0 {
		fmt.Fprintf(&b, "\nratio collaboration-service / stock server (means of the runs): p50 %.2f×, p99 %.2f×, server CPU per update %.2f×\n",
			(sum[0][0]/n[0])/(sum[1][0]/n[1]), (sum[0][1]/n[0])/(sum[1][1]/n[1]), (sum[0][2]/n[0])/(sum[1][2]/n[1]))
	}
	b.WriteString("redis/postgres: every such process on the machine (other work included).\n")
	return b.String()
}

// createSession makes a session for users a and b through
// collaboration-service's internal API.
func createSession(ctx context.Context, base, token, a, b string) (string, error) {
	body, _ := json.Marshal(map[string]any{"match_id": uuid4(), "user_ids": []string{a, b}, "question_id": uuid4(), "language": ""})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/collaboration-service-api/internal/sessions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		SessionID string `json:"session_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create session: status %d (%v)", resp.StatusCode, err)
	}
	return out.SessionID, nil
}

func uuid4() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// waitListening waits until addr accepts a TCP connection.
func waitListening(ctx context.Context, addr string) (time.Duration, error) {
	return waitReady(ctx, "http://"+addr+"/", time.Now())
}
