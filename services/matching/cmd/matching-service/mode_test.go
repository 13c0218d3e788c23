package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMockInterviewMatchAcrossReplicas: a mock-interview ticket is never
// paired with a practise ticket of the same criteria; two mock tickets on
// two replicas are, the session is asked for as a mock interview with the
// one who asked to start as interviewer, and each hears their role.
func TestMockInterviewMatchAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	a, b := e.start(t), e.start(t)
	alice, bob, carol := e.user(t), e.user(t), e.user(t)

	sa, sb, sc := dial(t, a.URL, alice), dial(t, b.URL, bob), dial(t, b.URL, carol)
	q := call(t, http.MethodPost, a.URL+prefix+"/tickets", alice.Token,
		map[string]any{"difficulty": "easy", "topic": "arrays", "mode": "mock", "start_as_interviewer": true})
	if q.Status != http.StatusAccepted || q.Str("criteria", "mode") != "mock" || !strings.Contains(q.Raw, `"start_as_interviewer":true`) {
		t.Fatalf("queue alice: %d %s", q.Status, q.Raw)
	}
	if ev := sa.next(t, 2*time.Second); ev.Type != "queued" {
		t.Fatalf("alice: %+v", ev)
	}
	// carol practises on the same topic and difficulty: no match.
	mustQueue(t, b.URL, carol, "easy", "arrays", "")
	if ev := sc.next(t, 2*time.Second); ev.Type != "queued" {
		t.Fatalf("carol: %+v", ev)
	}
	sa.quiet(t, 300*time.Millisecond)

	if r := call(t, http.MethodPost, b.URL+prefix+"/tickets", bob.Token,
		map[string]any{"difficulty": "easy", "topic": "arrays", "mode": "mock"}); r.Status != http.StatusAccepted {
		t.Fatalf("queue bob: %d %s", r.Status, r.Raw)
	}
	ma, mb := sa.next(t, 5*time.Second), sb.next(t, 5*time.Second)
	if ma.Type != "matched" || mb.Type != "matched" || ma.SessionID != mb.SessionID {
		t.Fatalf("events %+v / %+v", ma, mb)
	}
	if ma.Mode != "mock" || ma.Role != "interviewer" || mb.Mode != "mock" || mb.Role != "candidate" || ma.Partner.ID != bob.ID {
		t.Fatalf("modes and roles: %+v / %+v", ma, mb)
	}
	sess := e.deps.Sessions()[ma.MatchID]
	if sess.Mode != "mock" || sess.InterviewerID != alice.ID {
		t.Fatalf("session asked for %+v", sess)
	}
	cur := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", bob.Token, nil)
	if cur.Str("match", "role") != "candidate" || cur.Str("criteria", "mode") != "mock" {
		t.Fatalf("bob's current: %s", cur.Raw)
	}
	if cur := call(t, http.MethodGet, a.URL+prefix+"/tickets/current", carol.Token, nil); cur.Str("status") != "queued" || cur.Str("criteria", "mode") != "practise" {
		t.Fatalf("carol's current: %s", cur.Raw)
	}
}
