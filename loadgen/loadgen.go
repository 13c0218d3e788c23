// Package loadgen drives HTTP load at a fixed number of connections for a
// bounded time and reports throughput and latency percentiles. It only
// targets addresses the caller gives it; every benchmark here points it at
// loopback.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes one run.
type Config struct {
	URLs        []string // rotated per request
	Method      string
	Body        []byte
	Header      http.Header
	Connections int
	Duration    time.Duration
	MaxRequests int64 // 0 = bounded by Duration only
}

// Result summarises a run.
type Result struct {
	Requests int64
	Non2xx   int64
	Errors   int64
	Elapsed  time.Duration
	P50, P90 time.Duration
	P99, Max time.Duration
	Statuses map[int]int64
	FirstErr string
}

// RPS is requests per second.
func (r Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r Result) String() string {
	return fmt.Sprintf("requests %d  req/s %.0f  p50 %s  p90 %s  p99 %s  max %s  non-2xx %d  errors %d",
		r.Requests, r.RPS(), r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond),
		r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond), r.Non2xx, r.Errors)
}

// Run sends requests until Duration elapses (or MaxRequests are sent, or
// ctx ends) on Connections keep-alive connections.
func Run(ctx context.Context, c Config) (Result, error) {
	if len(c.URLs) == 0 {
		return Result{}, fmt.Errorf("no URL")
	}
	if c.Connections <= 0 {
		c.Connections = 64
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Method == "" {
		c.Method = http.MethodGet
	}
	tr := &http.Transport{MaxIdleConnsPerHost: c.Connections, MaxConnsPerHost: c.Connections, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()

	var (
		sent atomic.Int64
		mu   sync.Mutex
		all  []time.Duration
		res  = Result{Statuses: map[int]int64{}}
		wg   sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < c.Connections; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			statuses := map[int]int64{}
			var non2xx, errs int64
			var firstErr string
			for i := w; ctx.Err() == nil; i += c.Connections {
				n := sent.Add(1)
				if c.MaxRequests > 0 && n > c.MaxRequests {
					break
				}
				req, _ := http.NewRequestWithContext(ctx, c.Method, c.URLs[i%len(c.URLs)], bytes.NewReader(c.Body))
				for k, v := range c.Header {
					req.Header[k] = v
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				statuses[resp.StatusCode]++
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					non2xx++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			for k, v := range statuses {
				res.Statuses[k] += v
			}
			res.Non2xx += non2xx
			res.Errors += errs
			if res.FirstErr == "" {
				res.FirstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = int64(len(all))
	if len(all) == 0 {
		return res, fmt.Errorf("no request completed (first error: %s)", res.FirstErr)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	res.P50, res.P90, res.P99, res.Max = pct(0.50), pct(0.90), pct(0.99), all[len(all)-1]
	return res, nil
}
