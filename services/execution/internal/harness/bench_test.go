package harness_test

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/services/execution/internal/harness"
	runs "github.com/peerprep/peerprep/services/execution/internal/run"
)

// BenchmarkWarmRun: one trivial solution judged on the two visible twoSum
// cases, interpreters compiled beforehand; p50 and p99 of the runs.
//
//	go test -run '^$' -bench WarmRun -benchtime 40x ./internal/harness
func BenchmarkWarmRun(b *testing.B) {
	for _, lang := range []string{"python", "javascript"} {
		b.Run(lang, func(b *testing.B) {
			j := twoSum(lang, map[string]string{"python": pyTwoSum, "javascript": jsTwoSum}[lang])
			j.Cases = j.Cases[:2]
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				r, err := h.Run(context.Background(), j)
				took = append(took, time.Since(start))
				if err != nil || r.Verdict != harness.Accepted {
					b.Fatalf("%+v %v", r, err)
				}
			}
			report(b, took)
		})
	}
}

// BenchmarkThroughput: clients goroutines each judging a trivial Python
// solution in a loop, through a run.Gate of the service's default size
// (NumCPU slots, 4× queued): runs a second, latency p50/p99 as a client
// sees it (queueing included), and the RSS the process grew by per run
// executing at once.
//
//	go test -run '^$' -bench Throughput -benchtime 10s ./internal/harness
func BenchmarkThroughput(b *testing.B) {
	for _, clients := range []int{2, 8, 32} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			j := twoSum("python", pyTwoSum)
			gate := runs.NewGate(runtime.NumCPU(), 4*runtime.NumCPU(), 30*time.Second)
			runtime.GC()
			base := rss()
			var (
				mu      sync.Mutex
				took    []time.Duration
				peak    int64
				busy    int
				next    = make(chan struct{})
				wg      sync.WaitGroup
				stopRSS = make(chan struct{})
			)
			go func() { // sample RSS while the runs go on
				for {
					select {
					case <-stopRSS:
						return
					case <-time.After(20 * time.Millisecond):
						if r := rss(); r > 0 {
							mu.Lock()
							peak = max(peak, r)
							mu.Unlock()
						}
					}
				}
			}()
			for range clients {
				wg.Go(func() {
					for range next {
						start := time.Now()
						release, err := gate.Enter(context.Background())
						if err != nil {
							mu.Lock()
							busy++
							mu.Unlock()
							continue
						}
						r, err := h.Run(context.Background(), j)
						release()
						if err != nil || r.Verdict != harness.Accepted {
							b.Errorf("%+v %v", r, err)
						}
						mu.Lock()
						took = append(took, time.Since(start))
						mu.Unlock()
					}
				})
			}
			start := time.Now()
			for b.Loop() {
				next <- struct{}{}
			}
			close(next)
			wg.Wait()
			close(stopRSS)
			elapsed := time.Since(start)
			b.ReportMetric(float64(len(took))/elapsed.Seconds(), "runs/s")
			b.ReportMetric(float64(busy), "busy")
			if base > 0 && peak > base {
				b.ReportMetric(float64(peak-base)/float64(min(clients, runtime.NumCPU()))/(1<<20), "MiB-rss/concurrent-run")
			}
			report(b, took)
		})
	}
}

func report(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	q := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// rss is the process's resident set in bytes (0 where unknown).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
