package devenv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peerprep/peerprep/loadgen/matchload"
)

// BenchMatching runs the matching benchmark for the current process.
func BenchMatching(ctx context.Context) error { return run(ctx, (*Env).BenchMatching) }

// BenchMatching starts a private platform (2 instances of every service,
// as e2e:rolling does), signs up 1,000 users through the gateway, then
// runs cmd/matchload, a client that behaves like the web app, in a
// process of its own: sustained (400 tickets in flight for 20 s; each user
// leaves its session after `matched` and queues again) and burst (500
// pairs arriving within 1 s). Around each it reads the CPU-seconds of
// every process from /proc and prints one table.
func (e *Env) BenchMatching(ctx context.Context) error {
	inFlight, dur, pairs := 400, 20*time.Second, 500
	if v, err := strconv.Atoi(e.Getenv("BENCH_IN_FLIGHT")); err == nil && v > 1 {
		inFlight = v &^ 1
	}
	if v, err := time.ParseDuration(e.Getenv("BENCH_DURATION")); err == nil && v > 0 {
		dur = v
	}
	if v, err := strconv.Atoi(e.Getenv("BENCH_PAIRS")); err == nil && v > 0 {
		pairs = v
	}
	dir, client, done, err := e.prepareLoadClient(ctx, "benchmatch")
	if err != nil {
		return err
	}
	defer done()

	return e.withTestPlatform(ctx, "benchmatch", func(ctx context.Context, pl *platform, _ chan exit) error {
		users := max(inFlight, 2*pairs)
		usersFile := filepath.Join(dir, "users.json")
		t := time.Now()
		if _, err := e.matchload(ctx, client, pl, nil, "signup", "-n", strconv.Itoa(users), "-c", "8", "-out", usersFile); err != nil {
			return err
		}
		e.logf("benchmatch: %d users signed up in %s", users, fmtDuration(time.Since(t)))
		var rows []benchRow
		row, err := e.matchScenario(ctx, client, pl, "sustained", "-users", usersFile, "-n", strconv.Itoa(inFlight), "-d", dur.String())
		if err != nil {
			return err
		}
		rows = append(rows, row...)
		sleepCtx(ctx, 3*time.Second) // the last sessions' setup jobs settle
		row, err = e.matchScenario(ctx, client, pl, "burst", "-users", usersFile, "-n", strconv.Itoa(2*pairs), "-spread", "1s")
		if err != nil {
			return err
		}
		rows = append(rows, row...)
		fmt.Fprint(e.Stdout, matchTable(rows, inFlight, dur, pairs))
		return nil
	})
}

// prepareLoadClient builds cmd/matchload into a temporary directory and
// lets every user sign up from 127.0.0.1. done removes the directory and
// restores the environment.
func (e *Env) prepareLoadClient(ctx context.Context, name string) (dir, client string, done func(), err error) {
	dir, err = os.MkdirTemp("", "peerprep-"+name+"-")
	if err != nil {
		return "", "", nil, err
	}
	client = filepath.Join(dir, "matchload")
	if err := e.command(ctx, ".", []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath", "-o", client, "./cmd/matchload").Run(); err != nil {
		_ = os.RemoveAll(dir)
		return "", "", nil, fmt.Errorf("build matchload: %w", err)
	}
	environ := e.Environ
	// Every signup comes from 127.0.0.1, and a sustained-load user re-queues
	// dozens of times in 20 s: the per-IP signup and per-user ticket limits
	// would measure the limiters, not the matching path.
	e.Environ = func() []string {
		return append(environ(), "SIGNUPS_PER_IP_PER_HOUR=1000000", "TICKETS_PER_MINUTE=1000000")
	}
	return dir, client, func() { e.Environ = environ; _ = os.RemoveAll(dir) }, nil
}

// benchRow is one measured stretch: the scenario's timed part, or (burst)
// the sessions being left afterwards.
type benchRow struct {
	name         string
	res          matchload.Result
	cpu          cpuDelta
	client       float64 // CPU-s of the load client
	load0, load1 string
}

// matchScenario runs one scenario; burst's client pauses after its timed
// part (a line on stdout) until told to leave the sessions, so the leaves
// are measured apart.
func (e *Env) matchScenario(ctx context.Context, client string, pl *platform, name string, args ...string) ([]benchRow, error) {
	e.logf("benchmatch: %s %s", name, strings.Join(args, " "))
	var rows []benchRow
	cur := benchRow{name: name, load0: loadavg()}
	before := readCPU(pl)
	clientCPU := 0.0
	onResult := func(line []byte, pid int) error {
		after := readCPU(pl)
		cur.cpu, cur.load1 = after.minus(before), loadavg()
		if err := json.Unmarshal(line, &cur.res); err != nil {
			return fmt.Errorf("matchload said %q: %w", line, err)
		}
		c := processCPU(pid)
		cur.client, clientCPU = c, c
		rows = append(rows, cur)
		before = after
		cur = benchRow{name: name + ": leaving the sessions", load0: loadavg()}
		return nil
	}
	total, err := e.matchload(ctx, client, pl, onResult, append([]string{name}, args...)...)
	if err != nil {
		return nil, err
	}
	if name == "burst" {
		cur.cpu, cur.load1 = readCPU(pl).minus(before), loadavg()
		cur.client = total - clientCPU
		cur.res.Left = rows[0].res.Matched
		rows = append(rows, cur)
	}
	return rows, nil
}

// matchload runs the client; each JSON line it prints goes to onResult,
// after which it is told to go on (a line on its stdin). It returns the
// client's CPU-seconds.
func (e *Env) matchload(ctx context.Context, bin string, pl *platform, onResult func([]byte, int) error, args ...string) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"-base", pl.PublicURL}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var cbErr error
	for sc.Scan() {
		if onResult != nil && cbErr == nil {
			cbErr = onResult(sc.Bytes(), cmd.Process.Pid)
		}
		_, _ = io.WriteString(stdin, "\n")
	}
	_ = stdin.Close()
	err = cmd.Wait()
	if err != nil {
		return 0, fmt.Errorf("matchload %s: %w\n%s", args[0], err, stderr.String())
	}
	st := cmd.ProcessState
	return (st.UserTime() + st.SystemTime()).Seconds(), cbErr
}

// cpuDelta is CPU-seconds by process group.
type cpuDelta map[string]float64

// readCPU reads utime+stime of every service instance (by service), this
// process (the platform: gateway, Cloud Map stand-in, supervisor), and
// every redis-server and postgres process on the machine.
func readCPU(pl *platform) cpuDelta {
	d := cpuDelta{}
	for _, p := range pl.procs {
		if p.cmd != nil && p.cmd.Process != nil {
			d[p.svc.Binary()] += processCPU(p.cmd.Process.Pid)
		}
	}
	d["platform"] = processCPU(os.Getpid())
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + ent.Name() + "/comm")
		switch c := strings.TrimSpace(string(comm)); {
		case strings.HasPrefix(c, "redis-server"):
			d["redis"] += processCPU(pid)
		case c == "postgres":
			d["postgres"] += processCPU(pid)
		}
	}
	return d
}

func (a cpuDelta) minus(b cpuDelta) cpuDelta {
	out := cpuDelta{}
	for k, v := range a {
		out[k] = v - b[k]
	}
	return out
}

// services is the CPU of every service instance together.
func (a cpuDelta) services() float64 {
	var s float64
	for k, v := range a {
		if strings.HasSuffix(k, "-service") {
			s += v
		}
	}
	return s
}

// processCPU is utime+stime of pid in seconds (0 when it is gone).
func processCPU(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func matchTable(rows []benchRow, inFlight int, dur time.Duration, pairs int) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\nmatching, whole path through the gateway (2 instances of every service); sustained: %d in flight for %s; burst: %d pairs within 1 s\n\n", inFlight, dur, pairs)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stretch\tmatches\tmatches/s\tp50\tp99\tmax\tpair p50\tpair p99\tfailed\tservices CPU-s\tper 1k matches\tplatform CPU-s\tclient CPU-s\tredis CPU-s\tpostgres CPU-s\tload avg before → after\t")
	ms := func(d time.Duration) string {
		if d == 0 {
			return "–"
		}
		return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
	}
	for _, r := range rows {
		n := r.res.Matches
		per := "–"
		if n > 0 {
			per = fmt.Sprintf("%.2f", r.cpu.services()/float64(n)*1000)
		}
		if r.res.Scenario == "" { // the leaves after a burst
			n = r.res.Left
			per = fmt.Sprintf("%.2f per 1k leaves", r.cpu.services()/float64(max(n, 1))*1000)
		}
		rate := "–"
		if r.res.Elapsed > 0 {
			rate = fmt.Sprintf("%.0f", r.res.PerSecond)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%.1f\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%s → %s\t\n",
			r.name, n, rate, ms(r.res.P50), ms(r.res.P99), ms(r.res.Max), ms(r.res.PairP50), ms(r.res.PairP99), r.res.Failed,
			r.cpu.services(), per, r.cpu["platform"], r.client, r.cpu["redis"], r.cpu["postgres"], r.load0, r.load1)
	}
	tw.Flush()
	b.WriteString("\nCPU-s by service (both instances):\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	var names []string
	for k := range rows[0].cpu {
		if strings.HasSuffix(k, "-service") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	fmt.Fprintln(tw, "stretch\t"+strings.Join(names, "\t")+"\t")
	for _, r := range rows {
		fmt.Fprint(tw, r.name)
		for _, k := range names {
			fmt.Fprintf(tw, "\t%.1f", r.cpu[k])
		}
		fmt.Fprintln(tw, "\t")
	}
	tw.Flush()
	for _, r := range rows {
		if r.res.FirstErr != "" {
			fmt.Fprintf(&b, "\n%s: first failure: %s\n", r.name, r.res.FirstErr)
		}
	}
	b.WriteString("\nredis/postgres: every such process on the machine (other work on it included); postgres backends that exit mid-run are not counted.\n")
	return b.String()
}
