package main

import (
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLoadSlowBodies is the hostile rerun of issue 17 item 9 against a
// real replica: 20 connections each send a request body a byte a second.
// Before, chat-service (ReadTimeout disabled for its WebSockets) held them
// for as long as the client liked; now each is cut off at the 30 s read
// timeout. It takes ~30 s:
//
//	PEERPREP_LOAD=1 go test -run TestLoadSlowBodies -v ./cmd/chat-service/
func TestLoadSlowBodies(t *testing.T) {
	if os.Getenv("PEERPREP_LOAD") != "1" {
		t.Skip("set PEERPREP_LOAD=1 to run load tests")
	}
	w := newWorld(t)
	r := w.start()
	addr := strings.TrimPrefix(r.URL, "http://")
	const conns, giveUp = 20, 90 * time.Second
	var mu sync.Mutex
	var held []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			_, _ = io.WriteString(c, "POST /chat-service-api/rooms/x/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
			closed := make(chan struct{})
			go func() { _, _ = io.Copy(io.Discard, c); close(closed) }()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-closed:
					mu.Lock()
					held = append(held, time.Since(start))
					mu.Unlock()
					return
				case <-tick.C:
					if time.Since(start) > giveUp {
						return
					}
					_, _ = c.Write([]byte(" "))
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d slow bodies: %d cut off by the server (after %v), %d still open after %v", conns, len(held), held, conns-len(held), giveUp)
	if len(held) != conns {
		t.Fatalf("%d of %d slow bodies still held after %v", conns-len(held), conns, giveUp)
	}
}
