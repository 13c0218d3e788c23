package main

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/internalapi"
)

// TestNoShowRequeuesTheJoinerAtTheFront: two replicas; alice opens the
// session of her match and bob never does. NO_SHOW_AFTER later, the
// session ends as bob's no-show, history counts it, and alice is waiting
// again with her original criteria, which her matching socket shows.
// Carol and dave both stay away: both are counted, and neither is queued.
// history-service is down at first: the check is retried until it is back.
func TestNoShowRequeuesTheJoinerAtTheFront(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"NO_SHOW_AFTER": "1s"})
	a, b := e.start(t), e.start(t)
	alice, bob, carol, dave := e.user(t), e.user(t), e.user(t), e.user(t)

	e.deps.SetDown(internalapi.HistoryService, http.StatusServiceUnavailable)
	sa := dial(t, b.URL, alice)
	mustQueue(t, a.URL, alice, "easy", "arrays", "python")
	mustQueue(t, b.URL, bob, "easy", "arrays", "")
	m := sa.until(t, "matched", 5*time.Second)
	e.deps.Join(m.SessionID, alice.ID)
	mustQueue(t, a.URL, carol, "hard", "graphs", "")
	mustQueue(t, b.URL, dave, "hard", "graphs", "")
	var cd string
	apitest.Eventually(t, 5*time.Second, "carol's match", func() bool {
		cur := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", carol.Token, nil)
		cd = cur.Str("match", "session_id")
		return cd != ""
	})

	apitest.Eventually(t, 5*time.Second, "the sessions to end", func() bool {
		s1, _ := e.deps.Session(m.SessionID)
		s2, _ := e.deps.Session(cd)
		return s1.EndReason == internalapi.EndNoShow && s2.EndReason == internalapi.EndNoShow
	})
	time.Sleep(1500 * time.Millisecond) // a retry or two, against history-service down
	if n := e.deps.NoShows(); len(n) != 0 {
		t.Fatalf("no-shows counted while history-service was down: %v", n)
	}
	if cur := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", alice.Token, nil); cur.Str("status") != "matched" {
		t.Fatalf("alice queued before her partner's no-show was counted: %s", cur.Raw)
	}
	e.deps.SetDown(internalapi.HistoryService, 0)

	q := sa.until(t, "queued", 10*time.Second)
	if q.TicketID == "" || q.TicketID == m.TicketID || q.Criteria.Language != "python" || q.Criteria.Difficulty != "easy" || q.Criteria.Topic != "arrays" {
		t.Fatalf("alice's event after the no-show: %+v (matched ticket %s)", q, m.TicketID)
	}
	if s, _ := e.deps.Session(m.SessionID); s.Status != internalapi.StatusEnded || s.EndReason != internalapi.EndNoShow {
		t.Fatalf("session after the no-show: %+v", s)
	}
	for _, base := range []string{a.URL, b.URL} {
		cur := call(t, http.MethodGet, base+prefix+"/tickets/current", alice.Token, nil)
		if cur.Status != 200 || cur.Str("status") != "queued" || cur.Str("ticket_id") != q.TicketID {
			t.Fatalf("alice's current ticket: %d %s", cur.Status, cur.Raw)
		}
	}
	want := []string{m.SessionID + "/" + bob.ID, cd + "/" + carol.ID, cd + "/" + dave.ID}
	slices.Sort(want)
	apitest.Eventually(t, 5*time.Second, "three no-shows counted", func() bool { return slices.Equal(e.deps.NoShows(), want) })
	if s, _ := e.deps.Session(cd); s.Status != internalapi.StatusEnded || s.EndReason != internalapi.EndNoShow {
		t.Fatalf("carol and dave's session: %+v", s)
	}
	for _, u := range []user{bob, carol, dave} {
		if cur := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", u.Token, nil); cur.Str("status") != "matched" {
			t.Errorf("%s was queued again: %s", u.ID, cur.Raw)
		}
	}
	// Handled: the set empties (each check is dropped once its steps are done).
	apitest.Eventually(t, 5*time.Second, "no no-show checks left", func() bool {
		n, err := e.rdb.ZCard(t.Context(), e.store.Key("noshow")).Result()
		return err == nil && n == 0
	})
}
