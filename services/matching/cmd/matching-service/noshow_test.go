package main

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/internalapi"
)

// TestNoShowRequeuesTheJoinerAtTheFront: two replicas; alice opens the
// session of her match and bob never does. NO_SHOW_AFTER later, the
// session ends as bob's no-show, history counts it, and alice is waiting
// again with her original criteria, which her matching socket shows.
// Carol and dave both stay away: both are counted, and neither is queued.
func TestNoShowRequeuesTheJoinerAtTheFront(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"NO_SHOW_AFTER": "1s"})
	a, b := e.start(t), e.start(t)
	alice, bob, carol, dave := e.user(t), e.user(t), e.user(t), e.user(t)

	sa := dial(t, b.URL, alice)
	mustQueue(t, a.URL, alice, "easy", "arrays", "python")
	mustQueue(t, b.URL, bob, "easy", "arrays", "")
	m := sa.until(t, "matched", 5*time.Second)
	e.deps.Join(m.SessionID, alice.ID)
	mustQueue(t, a.URL, carol, "hard", "graphs", "")
	mustQueue(t, b.URL, dave, "hard", "graphs", "")
	var cd string
	eventually(t, 5*time.Second, "carol's match", func() bool {
		cur := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", carol.Token, nil)
		cd = cur.str("match", "session_id")
		return cd != ""
	})

	q := sa.until(t, "queued", 10*time.Second)
	if q.TicketID == "" || q.TicketID == m.TicketID || q.Criteria.Language != "python" || q.Criteria.Difficulty != "easy" || q.Criteria.Topic != "arrays" {
		t.Fatalf("alice's event after the no-show: %+v (matched ticket %s)", q, m.TicketID)
	}
	if s, _ := e.deps.Session(m.SessionID); s.Status != internalapi.StatusEnded || s.EndReason != internalapi.EndNoShow {
		t.Fatalf("session after the no-show: %+v", s)
	}
	for _, base := range []string{a.URL, b.URL} {
		cur := call(t, http.MethodGet, base+prefix+"/tickets/current", alice.Token, nil)
		if cur.Code != 200 || cur.str("status") != "queued" || cur.str("ticket_id") != q.TicketID {
			t.Fatalf("alice's current ticket: %d %s", cur.Code, cur.Raw)
		}
	}
	want := []string{m.SessionID + "/" + bob.ID, cd + "/" + carol.ID, cd + "/" + dave.ID}
	slices.Sort(want)
	eventually(t, 5*time.Second, "three no-shows counted", func() bool { return slices.Equal(e.deps.NoShows(), want) })
	if s, _ := e.deps.Session(cd); s.Status != internalapi.StatusEnded || s.EndReason != internalapi.EndNoShow {
		t.Fatalf("carol and dave's session: %+v", s)
	}
	for _, u := range []user{bob, carol, dave} {
		if cur := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", u.Token, nil); cur.str("status") != "matched" {
			t.Errorf("%s was queued again: %s", u.ID, cur.Raw)
		}
	}
	// Checked once: the set is empty again.
	if n, err := e.rdb.ZCard(t.Context(), e.store.Key("noshow")).Result(); err != nil || n != 0 {
		t.Errorf("%d no-show checks left (%v)", n, err)
	}
}
