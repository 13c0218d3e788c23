package wsclose

import (
	"testing"
	"time"
)

func TestRetryReasonRoundsUpToWholeSeconds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		wait time.Duration
		want string
	}{
		{0, "rate limited; retry in 1 s"},
		{1500 * time.Millisecond, "rate limited; retry in 2 s"},
		{3 * time.Second, "rate limited; retry in 3 s"},
	} {
		if got := RetryReason(tc.wait); got != tc.want {
			t.Errorf("RetryReason(%v) = %q, want %q", tc.wait, got, tc.want)
		}
	}
}

func TestAtExpiry(t *testing.T) {
	t.Parallel()
	fired := make(chan time.Time, 1)
	start := time.Now()
	AtExpiry(start.Add(50*time.Millisecond), func() { fired <- time.Now() })
	select {
	case at := <-fired:
		if at.Sub(start) < 50*time.Millisecond {
			t.Fatalf("fired after %v, before the expiry", at.Sub(start))
		}
	case <-time.After(2 * time.Second):
		t.Fatal("never fired")
	}

	AtExpiry(start.Add(-time.Minute), func() { fired <- time.Now() })
	select {
	case <-fired:
	case <-time.After(time.Second):
		t.Fatal("an expiry in the past did not fire at once")
	}

	stop := AtExpiry(time.Now().Add(30*time.Millisecond), func() { fired <- time.Now() })
	stop()
	AtExpiry(time.Time{}, func() { fired <- time.Now() })
	select {
	case <-fired:
		t.Fatal("a stopped or zero expiry fired")
	case <-time.After(100 * time.Millisecond):
	}
}
