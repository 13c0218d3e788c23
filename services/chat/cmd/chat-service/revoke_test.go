package main

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/revocation"
)

// TestRevokedUsersSocketsCloseOnEveryReplica: when user-service revokes a
// user's sessions, that user's sockets on both replicas close with 4401
// (refresh and reconnect), the partner's stay open, and the old token
// opens no new socket.
func TestRevokedUsersSocketsCloseOnEveryReplica(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.start(), w.start()
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)
	onA, onB := dial(t, a.URL, room, aliceTok), dial(t, b.URL, room, aliceTok)
	partner := dial(t, a.URL, room, bobTok)
	partner.next(presenceOf(alice))

	pub := revocation.NewPublisher(w.rdb, w.prefix)
	if err := pub.Revoke(context.Background(), revocation.Revocation{UserID: alice}); err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*client{"replica A": onA, "replica B": onB} {
		select {
		case err := <-cl.closed:
			if code := websocket.CloseStatus(err); code != revocation.CloseCode {
				t.Fatalf("%s: closed with %d (%v), want 4401", name, code, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the revoked user's socket stayed open", name)
		}
	}
	partner.send("5f0c1f7e-3b7e-4c39-8f5a-1d2e3f4a5b6c", "still here")
	if f := partner.next(isType("message")); f.Type != "message" {
		t.Fatalf("partner: %+v", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c, resp, err := websocket.Dial(ctx, wsURL(b.URL, room)+"?token="+aliceTok, nil); err == nil || resp == nil || resp.StatusCode != 401 {
		if c != nil {
			_ = c.CloseNow()
		}
		t.Fatalf("the revoked token opened a socket: %v %v", err, resp)
	}
}
