package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/redistest"
)

func TestLoginLimiter(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	l := NewLogin(rdb, prefix, Limits{PerAccount: 3, PerIP: 5, Window: time.Minute})

	for i := range 3 {
		if wait, err := l.Check(ctx, "alice", "10.0.0.1"); err != nil || wait != 0 {
			t.Fatalf("attempt %d blocked early: %v %v", i, wait, err)
		}
		if err := l.Fail(ctx, "alice", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	wait, err := l.Check(ctx, "alice", "10.0.0.2")
	if err != nil || wait <= 0 || wait > time.Minute {
		t.Fatalf("account over its limit: wait %v err %v", wait, err)
	}
	if wait, _ := l.Check(ctx, "bob", "10.0.0.9"); wait != 0 {
		t.Fatal("another account from another address is blocked")
	}
	// Two more failures on other accounts from the same address fill the IP window.
	_ = l.Fail(ctx, "carol", "10.0.0.1")
	_ = l.Fail(ctx, "dave", "10.0.0.1")
	if wait, _ := l.Check(ctx, "erin", "10.0.0.1"); wait <= 0 {
		t.Fatal("address over its limit is not blocked")
	}
	if err := l.Succeed(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if wait, _ := l.Check(ctx, "alice", "10.0.0.3"); wait != 0 {
		t.Fatal("success did not clear the account's failures")
	}
}
