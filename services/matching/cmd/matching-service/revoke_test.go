package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// TestDeletedAccountAcrossReplicas: once user-service announces that an
// account was deleted, both replicas refuse its token and close its
// sockets with 4401, its waiting ticket is cancelled, and a real user who
// queues next is not matched with it.
func TestDeletedAccountAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	a, b := e.start(t), e.start(t)
	gone, real := e.user(t), e.user(t)
	ticket := mustQueue(t, a.URL, gone, "easy", "arrays", "")
	sockA, sockB := dial(t, a.URL, gone), dial(t, b.URL, gone)

	pub := revocation.NewPublisher(e.rdb, e.vars["REDIS_KEY_PREFIX"])
	if err := pub.Revoke(context.Background(), revocation.Revocation{UserID: gone.ID, Deleted: true}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ra := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", gone.Token, nil)
		rb := call(t, http.MethodGet, b.URL+prefix+"/tickets/current", gone.Token, nil)
		if ra.Status == 401 && rb.Status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deleted account's token still works: %d / %d", ra.Status, rb.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for name, s := range map[string]*socket{"replica A": sockA, "replica B": sockB} {
		if code := s.closeCode(t, 5*time.Second); code != revocation.CloseCode {
			t.Fatalf("%s: the deleted account's socket closed with %d, want 4401", name, code)
		}
	}
	if tk, err := e.store.Ticket(context.Background(), ticket); err != nil || tk.Status != match.StatusCancelled {
		t.Fatalf("the deleted account's ticket: %+v %v", tk, err)
	}
	r := call(t, http.MethodPost, b.URL+prefix+"/tickets", real.Token, map[string]any{"difficulty": "easy", "topic": "arrays"})
	if r.Status != http.StatusAccepted || r.Str("status") != "queued" {
		t.Fatalf("a real user's ticket: %d %s", r.Status, r.Raw)
	}
}
