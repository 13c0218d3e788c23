// Command loadgen sends HTTP load to the URLs given and prints requests,
// req/s, latency percentiles and non-2xx counts:
//
//	go run ./cmd/loadgen -url http://127.0.0.1:8101/health/ready -c 64 -d 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/peerprep/peerprep/loadgen"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var urls, headers list
	flag.Var(&urls, "url", "target URL (repeatable; rotated per request)")
	flag.Var(&headers, "H", "header 'Name: value' (repeatable)")
	c := flag.Int("c", 64, "connections")
	d := flag.Duration("d", 10*time.Second, "duration")
	method := flag.String("method", "GET", "HTTP method")
	body := flag.String("body", "", "request body")
	flag.Parse()
	h := http.Header{}
	for _, kv := range headers {
		k, v, ok := strings.Cut(kv, ":")
		if !ok {
			fmt.Fprintf(os.Stderr, "bad header %q\n", kv)
			os.Exit(2)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := loadgen.Run(ctx, loadgen.Config{URLs: urls, Method: *method, Body: []byte(*body), Header: h, Connections: *c, Duration: *d})
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	fmt.Println(res)
	fmt.Println("statuses:", res.Statuses)
}
