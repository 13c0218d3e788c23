package revocation

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/redistest"
)

func startSet(t *testing.T, rdb *redis.Client, prefix string) *Set {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := NewSet(rdb, prefix, nil)
	s.Start(ctx, 5*time.Second)
	return s
}

func TestApplies(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 3, 12, 0, 0, 500e6, time.UTC)
	before, same, after := at.Add(-time.Minute), at.Truncate(time.Second), at.Add(time.Second).Truncate(time.Second)
	cases := []struct {
		name string
		r    Revocation
		sid  string
		iat  time.Time
		want bool
	}{
		{"a token issued before is refused", Revocation{At: at}, "s1", before, true},
		{"a token issued in the same second is refused", Revocation{At: at}, "s1", same, true},
		{"a token issued after is accepted", Revocation{At: at}, "s1", after, false},
		{"the kept session survives a password change", Revocation{At: at, KeepSessionID: "s1"}, "s1", before, false},
		{"other sessions do not", Revocation{At: at, KeepSessionID: "s1"}, "s2", before, true},
		{"a logout refuses its own session", Revocation{At: at, SessionID: "s1"}, "s1", before, true},
		{"a logout spares the other sessions", Revocation{At: at, SessionID: "s1"}, "s2", before, false},
	}
	for _, tc := range cases {
		if got := tc.r.Applies(tc.sid, tc.iat); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}

// TestTwoInstances: a revocation published once reaches two processes'
// copies, runs each one's hook once, and a process started later is
// primed with it.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	a, b := startSet(t, rdb, prefix), startSet(t, rdb, prefix)
	var mu sync.Mutex
	heard := map[string]int{}
	for name, s := range map[string]*Set{"a": a, "b": b} {
		s.OnRevoke(func(r Revocation) {
			mu.Lock()
			heard[name+":"+r.UserID]++
			mu.Unlock()
		})
	}
	issued := time.Now().Add(-time.Minute)
	if a.Revoked("u1", "s1", issued) {
		t.Fatal("revoked before any revocation")
	}
	pub := NewPublisher(rdb, prefix)
	if err := pub.Revoke(context.Background(), Revocation{UserID: "u1", Deleted: true}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Set{"a": a, "b": b} {
		apitest.Eventually(t, 5*time.Second, name+" refuses u1's token", func() bool { return s.Revoked("u1", "s1", issued) })
	}
	if a.Revoked("u2", "s1", issued) || a.Revoked("u1", "s1", time.Now().Add(2*time.Second)) {
		t.Fatal("revoked another user, or a token issued after the revocation")
	}
	apitest.Eventually(t, 5*time.Second, "hooks ran", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return heard["a:u1"] == 1 && heard["b:u1"] == 1
	})
	c := startSet(t, rdb, prefix)
	if !c.Revoked("u1", "s1", issued) {
		t.Fatal("a process started after the revocation was not primed with it")
	}
}

// TestReconnectPrimesWhatWasMissed: Redis restarts (empty) and a
// revocation is published before the subscriber is back; it still applies
// once the subscriber reconnects.
func TestReconnectPrimesWhatWasMissed(t *testing.T) {
	t.Parallel()
	srv := redistest.NewServer(t)
	opts, _ := redis.ParseURL(srv.URL())
	sub, pubc := redis.NewClient(opts), redis.NewClient(opts)
	t.Cleanup(func() { _ = sub.Close(); _ = pubc.Close() })
	s := startSet(t, sub, "p:")
	if !s.Connected() {
		t.Fatal("not connected after Start")
	}
	srv.Restart(t)
	issued := time.Now().Add(-time.Minute)
	if err := NewPublisher(pubc, "p:").Revoke(context.Background(), Revocation{UserID: "u9"}); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 5*time.Second, "the missed revocation applies after the reconnect", func() bool { return s.Revoked("u9", "", issued) })
	if !s.Connected() {
		t.Fatal("not connected again")
	}
}

func TestPruneForgetsExpiredRevocations(t *testing.T) {
	t.Parallel()
	s := NewSet(nil, "p:", nil)
	now := time.Now()
	s.now = func() time.Time { return now }
	s.add(Revocation{ID: "r1", UserID: "u1", At: now.Add(-time.Minute)})
	if !s.Revoked("u1", "", now.Add(-2*time.Minute)) {
		t.Fatal("not recorded")
	}
	now = now.Add(Keep)
	s.prune()
	if s.Revoked("u1", "", now.Add(-Keep-2*time.Minute)) || len(s.seen) != 0 {
		t.Fatal("kept past Keep")
	}
}
