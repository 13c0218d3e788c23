package main

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/revocation"
)

// TestRevokedUsersSocketsCloseOnEveryReplica: when user-service revokes a
// user's sessions, that user's editor sockets on both replicas close with
// 4401 (refresh and reconnect) and the partner's stays open.
func TestRevokedUsersSocketsCloseOnEveryReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)
	onOne, onTwo := e.dial(r1.URL, sid, a), e.dial(r2.URL, sid, a)
	partner := e.dial(r2.URL, sid, b)
	old := e.token(a)

	opts, _ := redis.ParseURL(redistest.URL())
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	pub := revocation.NewPublisher(rdb, e.vars["REDIS_KEY_PREFIX"])
	if err := pub.Revoke(context.Background(), revocation.Revocation{UserID: a, Deleted: true}); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*goClient{"replica 1": onOne, "replica 2": onTwo} {
		if code := g.waitClosed(t); code != revocation.CloseCode {
			t.Fatalf("%s: closed with %d, want 4401", name, code)
		}
	}
	select {
	case code := <-partner.closed:
		t.Fatalf("the partner's socket closed too: %d", code)
	case <-time.After(200 * time.Millisecond):
	}
	if ws, err := dialWS(r1.URL, sid, old, ""); err == nil {
		_ = ws.CloseNow()
		t.Fatal("a token issued before the revocation opened a socket")
	}
}
