package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/redistest"
)

var testLimits = Limits{
	LoginPerAccount: Budget{3, time.Minute},
	LoginPerIP:      Budget{5, time.Minute},
	SignupPerIP:     Budget{2, time.Minute},
	PasswordPerUser: Budget{2, time.Minute},
}

func TestLoginBudgets(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	l := New(rdb, prefix, testLimits)

	for i := range 3 {
		if wait, err := l.ReserveLogin(ctx, "id:alice", "10.0.0.1"); err != nil || wait != 0 {
			t.Fatalf("attempt %d blocked early: %v %v", i, wait, err)
		}
	}
	wait, err := l.ReserveLogin(ctx, "id:alice", "10.0.0.2")
	if err != nil || wait <= 0 || wait > time.Minute {
		t.Fatalf("account over its budget: wait %v err %v", wait, err)
	}
	if wait, _ := l.ReserveLogin(ctx, "id:bob", "10.0.0.9"); wait != 0 {
		t.Fatal("another account from another address is blocked")
	}
	// The refused attempt from 10.0.0.2 counted nothing there.
	if n, _ := rdb.Get(ctx, l.hashed("login:ip:", "10.0.0.2")).Int(); n != 0 {
		t.Fatalf("a refused attempt spent the address's budget: %d", n)
	}
	// Two more attempts on other accounts from the same address spend the address's budget.
	_, _ = l.ReserveLogin(ctx, "id:carol", "10.0.0.1")
	_, _ = l.ReserveLogin(ctx, "id:dave", "10.0.0.1")
	if wait, _ := l.ReserveLogin(ctx, "name:erin", "10.0.0.1"); wait <= 0 {
		t.Fatal("address over its budget is not blocked")
	}
	if err := l.LoginSucceeded(ctx, "id:alice", "10.0.0.3"); err != nil {
		t.Fatal(err)
	}
	if wait, _ := l.ReserveLogin(ctx, "id:alice", "10.0.0.3"); wait != 0 {
		t.Fatal("success did not clear the account's failures")
	}
}

// TestReserveIsAtomic: 50 concurrent reservations on one key get exactly
// the budget.
func TestReserveIsAtomic(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := New(rdb, prefix, testLimits)
	var granted atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if wait, err := l.ReserveLogin(context.Background(), "id:target", ""); err == nil && wait == 0 {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if granted.Load() != 3 {
		t.Fatalf("granted %d, want 3", granted.Load())
	}
}

func TestSignupAndPasswordBudgets(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	l := New(rdb, prefix, testLimits)
	for range 2 {
		if wait, _ := l.ReserveSignup(ctx, "192.0.2.1"); wait != 0 {
			t.Fatal("signup blocked early")
		}
	}
	if wait, _ := l.ReserveSignup(ctx, "192.0.2.1"); wait <= 0 {
		t.Fatal("third signup from one address allowed")
	}
	if wait, _ := l.ReserveSignup(ctx, "192.0.2.2"); wait != 0 {
		t.Fatal("another address is blocked")
	}

	// A right password gives its attempt back; wrong ones stay counted.
	for range 5 {
		if wait, _ := l.ReservePasswordCheck(ctx, "u1"); wait != 0 {
			t.Fatal("right passwords spent the budget")
		}
		if err := l.PasswordCheckSucceeded(ctx, "u1"); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = l.ReservePasswordCheck(ctx, "u1")
	_, _ = l.ReservePasswordCheck(ctx, "u1")
	if wait, _ := l.ReservePasswordCheck(ctx, "u1"); wait <= 0 {
		t.Fatal("third wrong password allowed")
	}
}
