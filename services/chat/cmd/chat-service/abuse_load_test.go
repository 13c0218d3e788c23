package main

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
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

// TestLoadSocketsOfOneUser is the hostile rerun of issue 17 item 7: one
// user opening 500 chat sockets in one room over two replicas (all 500
// were accepted before):
//
//	PEERPREP_LOAD=1 go test -run TestLoadSocketsOfOneUser -v ./cmd/chat-service/
func TestLoadSocketsOfOneUser(t *testing.T) {
	if os.Getenv("PEERPREP_LOAD") != "1" {
		t.Skip("set PEERPREP_LOAD=1 to run load tests")
	}
	w := newWorld(t)
	a, b := w.start(), w.start()
	alice, tok := w.user("alice")
	bob, _ := w.user("bob")
	room := w.room("active", alice, bob)
	accepted, refused := 0, 0
	start := time.Now()
	for i := range 500 {
		base := []string{a.URL, b.URL}[i%2]
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, resp, err := websocket.Dial(ctx, wsURL(base, room)+"?token="+tok, nil)
		cancel()
		switch {
		case err == nil:
			accepted++
			defer c.CloseNow()
		case resp != nil && resp.StatusCode == 429:
			refused++
		default:
			t.Fatalf("socket %d: %v", i, err)
		}
	}
	t.Logf("500 sockets of one user in one room over two replicas in %v: %d accepted, %d refused with 429",
		time.Since(start).Round(time.Millisecond), accepted, refused)
	if accepted != 5 {
		t.Fatalf("%d accepted, want 5", accepted)
	}
}
