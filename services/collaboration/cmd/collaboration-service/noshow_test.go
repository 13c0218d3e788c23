package main

import (
	"context"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
)

// TestNoShowTellsTheJoinerOnAnotherReplica: a session ended as a no-show
// on one replica tells the socket of the participant who joined, on the
// other replica, with a control message.
func TestNoShowTellsTheJoinerOnAnotherReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)
	joiner := e.dialControl(r2.URL, sid, a)
	c := internalapi.New(discovery.New(discovery.Options{Getenv: func(string) string { return r1.URL }, InternalToken: internalToken}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	apitest.EventuallyNil(t, 5*time.Second, func() error {
		s, err := c.Session(ctx, sid)
		if err != nil || len(s.JoinedUserIDs) != 1 || s.JoinedUserIDs[0] != a {
			return errorf("joined: %+v %v", s.JoinedUserIDs, err)
		}
		return nil
	})
	if _, err := c.NoShow(ctx, sid, []string{a}); internalapi.StatusOf(err) != 409 {
		t.Fatalf("no-show of the joiner: %v, want 409", err)
	}
	if s, err := c.NoShow(ctx, sid, []string{b}); err != nil || s.EndReason != internalapi.EndNoShow {
		t.Fatalf("no-show: %+v %v", s, err)
	}
	for {
		m := joiner.next(t, 5*time.Second)
		if m["type"] == "session_ended" {
			if m["reason"] != "no_show" {
				t.Fatalf("control message %v, want reason no_show", m)
			}
			break
		}
	}
	if _, err := dialWS(r1.URL, sid, e.token(b), ""); err == nil {
		t.Errorf("the absent partner could still open the ended session")
	}
}
