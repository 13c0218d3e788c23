package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/user/internal/postgres/migrations"
)

// TestLocalSigningKeyConcurrentFirstStart: replicas starting together on a
// fresh database all get the one key the first of them stored. (A losing
// INSERT waits for the winner's commit and does nothing; a read in the same
// statement would still not see the winner's row.)
func TestLocalSigningKeyConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	for round := range 10 { // the race needs a few tries to show
		t.Run(fmt.Sprint(round), concurrentFirstStart)
	}
}

func concurrentFirstStart(t *testing.T) {
	ctx := context.Background()
	s := New(pgtest.New(t, migrations.FS))
	const replicas = 8
	got := make([]string, replicas)
	errs := make([]error, replicas)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			<-start
			got[i], errs[i] = s.LocalSigningKey(ctx, fmt.Sprintf("candidate-%d", i))
		})
	}
	close(start)
	wg.Wait()
	for i := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("replica %d got %q, replica 0 %q", i, got[i], got[0])
		}
	}
	if again, err := s.LocalSigningKey(ctx, "later"); err != nil || again != got[0] {
		t.Fatalf("a later start got %q, %v; want %q", again, err, got[0])
	}
}
