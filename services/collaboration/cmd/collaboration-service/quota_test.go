package main

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/libs/wsclose"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

func usedMemory(t testing.TB, rdb *redis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatal("no used_memory in INFO")
	return 0
}

// TestOversizedUpdatesAreRefused is the hostile rerun of issue 17 item 4:
// five 3 MiB update frames, which took Redis from 6 to 32 MB. Now the
// first closes the socket with 4413 and nothing reaches Redis.
func TestOversizedUpdatesAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, privateRedis())
	r := e.start()
	sid, a, _ := createSession(t, r.URL)
	rdb := redis.NewClient(&redis.Options{Addr: e.redis.Addr})
	defer rdb.Close()
	before := usedMemory(t, rdb)

	refused := 0
	for range 5 {
		ws, err := dialWS(r.URL, sid, e.token(a), "")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		// Read while writing: the server closes after the first 256 KiB,
		// and the close frame must be read before the connection is torn
		// down under the rest of the frame.
		closed := make(chan websocket.StatusCode, 1)
		go func() {
			for {
				if _, _, err := ws.Read(ctx); err != nil {
					closed <- websocket.CloseStatus(err)
					return
				}
			}
		}()
		_ = ws.Write(ctx, websocket.MessageBinary, yproto.Update(make([]byte, 3<<20)))
		code := <-closed
		cancel()
		ws.CloseNow()
		if code == wsclose.TooLarge {
			refused++
		}
	}
	after := usedMemory(t, rdb)
	t.Logf("five 3 MiB frames: %d refused with 4413; Redis used_memory %.1f MB -> %.1f MB", refused, float64(before)/1e6, float64(after)/1e6)
	if refused != 5 {
		t.Fatalf("%d of 5 frames refused with 4413", refused)
	}
	if after-before > 1<<20 {
		t.Fatalf("Redis grew by %d bytes", after-before)
	}
	if n, _ := rdb.XLen(context.Background(), "peerprep:collab:doc:"+sid).Result(); n != 0 {
		t.Fatalf("%d updates stored", n)
	}
}

// TestUpdateRateIsPerUserAcrossReplicas: one user's sockets on two
// replicas draw on one bucket.
func TestUpdateRateIsPerUserAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withVar("UPDATE_RATE", "1"), withVar("UPDATE_BURST", "10"))
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)
	s1, s2 := e.dial(r1.URL, sid, a), e.dial(r2.URL, sid, a)
	ctx := context.Background()
	sent := 0
	for i := range 12 {
		s := []*goClient{s1, s2}[i%2]
		if s.ws.Write(ctx, websocket.MessageBinary, yproto.Update([]byte{1, byte(i)})) == nil {
			sent++
		}
		time.Sleep(20 * time.Millisecond) // in order, as one person's edits
	}
	var codes []websocket.StatusCode
	for _, s := range []*goClient{s1, s2} {
		select {
		case code := <-s.closed:
			codes = append(codes, code)
		case <-time.After(2 * time.Second):
		}
	}
	if !slices.Contains(codes, wsclose.RateLimited) {
		t.Fatalf("sockets closed with %v; want one with 4429", codes)
	}
	// The partner is not held back by a's bucket.
	p := e.dial(r2.URL, sid, b)
	if err := p.ws.Write(ctx, websocket.MessageBinary, yproto.Update([]byte{2, 0})); err != nil {
		t.Fatal(err)
	}
	// The partner's socket stays open. A fresh socket was once dropped
	// with 1000 or 1002 here (about 1 run in 10 under load): the first
	// bytes of its first frame, read ahead by the HTTP server with the
	// handshake, were lost in the corked hijack (fixed in
	// libs/socket.CorkWriter, tested there).
	select {
	case code := <-p.closed:
		t.Fatalf("the partner's socket closed with %d; want it open", code)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestRealClientPastingTooMuchStops: the y-websocket client is told 4413,
// and (a 44xx code) does not reconnect to send it again.
func TestRealClientPastingTooMuchStops(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	sid, a, b := createSession(t, r.URL)
	ca := e.newClient(r.URL, sid, a, "ada", "subprotocol")
	cb := e.newClient(r.URL, sid, b, "bob", "query")
	ca.connect()
	cb.connect()
	ca.typeText("def f():\n", 0)
	cb.waitText(-1, "def f():")
	ca.do("paste", map[string]any{"size": 300 << 10})
	apitest.EventuallyNil(t, 5*time.Second, func() error {
		if codes := ca.closeCodes(); !slices.Equal(codes, []int{wsclose.TooLarge, wsclose.TooLarge}) {
			return errorf("close codes %v, want 4413 then closed for good", codes)
		}
		return nil
	})
	time.Sleep(500 * time.Millisecond)
	if codes := ca.closeCodes(); len(codes) != 2 {
		t.Fatalf("the client reconnected and was refused again: %v", codes)
	}
	if got := cb.waitText(-1, "def f():"); len(got) != len("def f():\n") {
		t.Fatalf("the partner got %d characters", len(got))
	}
}

// TestSocketsPerUserAcrossReplicas: a user's editor sockets in a session
// are capped (5) over every replica (500 were accepted before); closing
// one frees its place.
func TestSocketsPerUserAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)
	var open []*goClient
	for i := range 5 {
		open = append(open, e.dial([]string{r1.URL, r2.URL}[i%2], sid, a))
	}
	for _, r := range []*replica{r1, r2} {
		status, header, raw := servicetest.Handshake(t, r.URL+api+"/sessions/"+sid+"/ws?token="+e.token(a))
		if status != 429 || !strings.Contains(string(raw), `"code":"rate_limited"`) || header.Get("Retry-After") == "" {
			t.Fatalf("sixth socket on %s: %d %s (Retry-After %q)", r.URL, status, raw, header.Get("Retry-After"))
		}
	}
	e.dial(r2.URL, sid, b) // the partner has places of their own
	_ = open[0].ws.Close(websocket.StatusNormalClosure, "")
	apitest.EventuallyNil(t, 5*time.Second, func() error {
		ws, err := dialWS(r2.URL, sid, e.token(a), "")
		if err != nil {
			return err
		}
		ws.CloseNow()
		return nil
	})
}

// TestEditorSocketClosesWhenTheTokenExpires is the hostile rerun of issue
// 17 item 5 through run(): an editor update was still accepted 45 s after
// the token expired. Now the socket closes with 4401 at the expiry.
func TestEditorSocketClosesWhenTheTokenExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	sid, a, _ := createSession(t, r.URL)
	// exp is in whole seconds: the token ends 1.5 to 2.5 s from now.
	signer := auth.NewSigner(e.priv, func() time.Time { return time.Now().Add(2500*time.Millisecond - 15*time.Minute) })
	tok, _, err := signer.Sign(a, auth.RoleUser, "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ws, err := dialWS(r.URL, sid, tok, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err = ws.Read(ctx); err != nil {
			break
		}
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != wsclose.TokenExpired || ce.Reason != wsclose.TokenExpiredReason {
		t.Fatalf("closed with %v", err)
	}
	if el := time.Since(start); el < 1400*time.Millisecond || el > 6*time.Second {
		t.Fatalf("closed after %v for a token of 1.5 to 2.5 s", el)
	}
	// The update sent after the close is refused with the closed socket.
	if err := ws.Write(context.Background(), websocket.MessageBinary, yproto.Update([]byte{1, 1})); err == nil {
		t.Fatal("wrote to a socket the server closed")
	}
}
