package quota

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/redistest"
)

// Two replicas are two Buckets (or Slots) on one Redis.

func TestBucketIsSharedByReplicas(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	a, b := NewBucket(rdb, prefix, 10, 3), NewBucket(rdb, prefix, 10, 3)
	ctx := context.Background()
	user := uuid.NewString()
	for i := range 3 {
		if wait, err := []*Bucket{a, b}[i%2].Take(ctx, user, 1); err != nil || wait != 0 {
			t.Fatalf("take %d within the burst: %v %v", i, wait, err)
		}
	}
	wait, err := b.Take(ctx, user, 1)
	if err != nil || wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("fourth take: wait %v, %v", wait, err)
	}
	if w, _ := a.Take(ctx, uuid.NewString(), 1); w != 0 {
		t.Fatal("another key was limited")
	}
	time.Sleep(wait)
	if w, _ := a.Take(ctx, user, 1); w != 0 {
		t.Fatalf("after the wait: %v", w)
	}
}

func TestSlotsAreCappedAcrossReplicas(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	a, b := NewSlots(rdb, prefix, 2, time.Minute), NewSlots(rdb, prefix, 2, time.Minute)
	ctx := context.Background()
	s1, err := a.Acquire(ctx, "room:u")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(ctx, "room:u"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(ctx, "room:u"); !errors.Is(err, ErrFull) {
		t.Fatalf("third slot: %v", err)
	}
	if _, err := b.Acquire(ctx, "room:v"); err != nil {
		t.Fatalf("another key: %v", err)
	}
	if err := a.Release(ctx, s1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(ctx, "room:u"); err != nil {
		t.Fatalf("after a release on the other replica: %v", err)
	}
}

// TestSlotsOfACrashedReplicaLapse: slots are leases; the replica that
// holds them renews them, and those of one that stopped renewing (it
// crashed) free themselves after the TTL.
func TestSlotsOfACrashedReplicaLapse(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	const ttl = 600 * time.Millisecond
	alive, crashed := NewSlots(rdb, prefix, 2, ttl), NewSlots(rdb, prefix, 2, ttl)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go alive.Run(ctx)
	if _, err := alive.Acquire(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := crashed.Acquire(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := alive.Acquire(ctx, "k"); !errors.Is(err, ErrFull) {
		t.Fatalf("before the lapse: %v", err)
	}
	time.Sleep(2 * ttl)
	s, err := alive.Acquire(ctx, "k")
	if err != nil {
		t.Fatalf("the crashed replica's slot did not lapse: %v", err)
	}
	// The live one was renewed: with "third", the key is full again.
	if _, err := alive.Acquire(ctx, "k"); !errors.Is(err, ErrFull) {
		t.Fatalf("the live slot lapsed: %v", err)
	}
	_ = alive.Release(ctx, s)
	if n, _ := rdb.ZCard(ctx, prefix+"k").Result(); n != 1 {
		t.Fatalf("%d leases left, want the live one", n)
	}
}
