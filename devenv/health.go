package devenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// healthTimeout is how long from start until /health/ready must say 200.
const healthTimeout = 15 * time.Second

type healthResult struct {
	svc    Service
	label  string // the instance: user-service, user-service#2
	ok     bool
	detail string // why not, when !ok
}

// pollHealth polls every process's /health/ready until it answers 200 or
// healthTimeout passes.
func pollHealth(ctx context.Context, procs []*process) []healthResult {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	results := make([]healthResult, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			results[i] = waitHealthy(ctx, p.svc)
			results[i].label = p.label
		})
	}
	wg.Wait()
	return results
}

func waitHealthy(ctx context.Context, s Service) healthResult {
	client := &http.Client{Timeout: time.Second}
	url := s.LocalURL() + "/health/ready"
	last := "no answer"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return healthResult{svc: s, detail: err.Error()}
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return healthResult{svc: s, ok: true}
			}
			last = resp.Status
		}
		select {
		case <-ctx.Done():
			return healthResult{svc: s, detail: last}
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// statusTable has a row per service: its instances' ports, where it is
// reached (through the gateway when there is one) and how many are healthy.
func statusTable(rs []healthResult, gateway string) string {
	type row struct {
		svc     Service
		ports   []string
		healthy int
		bad     []string
	}
	var rows []*row
	byName := map[string]*row{}
	for _, r := range rs {
		rw := byName[r.svc.Name]
		if rw == nil {
			rw = &row{svc: r.svc}
			byName[r.svc.Name] = rw
			rows = append(rows, rw)
		}
		port := strconv.Itoa(r.svc.Port)
		rw.ports = append(rw.ports, port)
		if r.ok {
			rw.healthy++
		} else {
			rw.bad = append(rw.bad, port+": "+r.detail)
		}
	}
	var b bytes.Buffer
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tINSTANCES\tURL\tHEALTHY")
	for _, rw := range rows {
		url := rw.svc.LocalURL()
		if gateway != "" {
			url = gateway + rw.svc.Prefix
		}
		healthy := fmt.Sprintf("%d/%d", rw.healthy, len(rw.ports))
		if len(rw.bad) > 0 {
			healthy += " (" + strings.Join(rw.bad, "; ") + " after " + healthTimeout.String() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rw.svc.Binary(), "127.0.0.1:"+strings.Join(rw.ports, ","), url, healthy)
	}
	tw.Flush()
	b.WriteString("\nPress Ctrl-C to stop.\n\n")
	return b.String()
}
