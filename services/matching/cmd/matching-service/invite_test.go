package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
)

func invitePath(code string) string { return prefix + "/invites/" + code }

func mustInvite(t *testing.T, base string, u user, body map[string]any) response {
	t.Helper()
	r := call(t, http.MethodPost, base+prefix+"/invites", u.Token, body)
	if r.Status != http.StatusCreated || len(r.Str("code")) != 22 || r.Str("path") != "/invite/"+r.Str("code") {
		t.Fatalf("create invite: %d %s", r.Status, r.Raw)
	}
	return r
}

// TestInviteAcrossReplicas: an invite made on one replica is read and
// accepted on the other; the session is created with the invite's id as
// its match id, in the invite's mode with the inviter as interviewer, and
// the inviter hears "matched" on their socket. A second acceptance is
// refused with 410.
func TestInviteAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	a, b := e.start(t), e.start(t)
	alice, bob, carol := e.user(t), e.user(t), e.user(t)
	qid := fake.QuestionID("graphs", "hard", 1)

	inv := mustInvite(t, a.URL, alice, map[string]any{"question_id": qid, "mode": "mock", "language": "go"})
	code := inv.Str("code")
	sa := dial(t, a.URL, alice)

	got := call(t, http.MethodGet, b.URL+invitePath(code), bob.Token, nil)
	if got.Status != http.StatusOK || got.Str("inviter", "username") != fake.Username(alice.ID) ||
		got.Str("question", "id") != qid || got.Str("question", "title") == "" || got.Str("topic") != "graphs" ||
		got.Str("difficulty") != "hard" || got.Str("mode") != "mock" || got.Str("inviter_role") != "interviewer" ||
		got.Str("status") != "open" || strings.Contains(got.Raw, `"your_invite":true`) {
		t.Fatalf("bob reads the invite: %d %s", got.Status, got.Raw)
	}

	acc := call(t, http.MethodPost, b.URL+invitePath(code)+"/accept", bob.Token, nil)
	if acc.Status != http.StatusOK || acc.Str("status") != "matched" || acc.Str("match", "session_id") == "" ||
		acc.Str("match", "role") != "candidate" || acc.Str("match", "partner", "id") != alice.ID {
		t.Fatalf("accept: %d %s", acc.Status, acc.Raw)
	}
	ev := sa.until(t, "matched", 5*time.Second)
	if ev.SessionID != acc.Str("match", "session_id") || ev.Role != "interviewer" || ev.Partner.ID != bob.ID || ev.Mode != "mock" {
		t.Fatalf("alice's event %+v", ev)
	}
	sess, ok := e.deps.Sessions()[inv.Str("id")]
	if !ok || sess.QuestionID != qid || sess.Mode != "mock" || sess.InterviewerID != alice.ID || sess.Language != "go" {
		t.Fatalf("session asked for %+v (ok %v)", sess, ok)
	}
	if cur := call(t, http.MethodGet, b.URL+prefix+"/tickets/current", alice.Token, nil); cur.Str("match", "session_id") != ev.SessionID {
		t.Fatalf("alice's current ticket: %s", cur.Raw)
	}

	again := call(t, http.MethodPost, a.URL+invitePath(code)+"/accept", carol.Token, nil)
	if again.Status != http.StatusGone || again.ErrCode() != "invite_used" {
		t.Fatalf("second accept: %d %s", again.Status, again.Raw)
	}
	if g := call(t, http.MethodGet, a.URL+invitePath(code), alice.Token, nil); g.Str("status") != "used" || !strings.Contains(g.Raw, `"your_invite":true`) {
		t.Fatalf("after use: %s", g.Raw)
	}
}

// TestInviteAcceptedTwiceAtOnce: two friends accept on two replicas at the
// same moment; exactly one gets the session, the other a 410.
func TestInviteAcceptedTwiceAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	a, b := e.start(t), e.start(t)
	for range 5 {
		alice, bob, carol := e.user(t), e.user(t), e.user(t)
		code := mustInvite(t, a.URL, alice, map[string]any{"topic": "arrays", "difficulty": "easy", "language": "python"}).Str("code")
		var wg sync.WaitGroup
		res := make([]response, 2)
		for i, p := range []struct {
			base string
			u    user
		}{{a.URL, bob}, {b.URL, carol}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = call(t, http.MethodPost, p.base+invitePath(code)+"/accept", p.u.Token, nil)
			}()
		}
		wg.Wait()
		won, lost := 0, 0
		for _, r := range res {
			switch {
			case r.Status == http.StatusOK && r.Str("match", "session_id") != "":
				won++
			case r.Status == http.StatusGone && r.ErrCode() == "invite_used":
				lost++
			default:
				t.Fatalf("accept: %d %s", r.Status, r.Raw)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("won %d, lost %d", won, lost)
		}
	}
}

// TestInviteRefusals: your own invite, an expired one, a cancelled one,
// while in a session, while waiting for a match, and a busy inviter.
func TestInviteRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"INVITE_TTL": "1500ms"})
	a, b := e.start(t), e.start(t)
	alice, bob, carol, dave := e.user(t), e.user(t), e.user(t), e.user(t)
	body := map[string]any{"topic": "arrays", "difficulty": "easy", "language": "python"}

	code := mustInvite(t, a.URL, alice, body).Str("code")
	if r := call(t, http.MethodPost, b.URL+invitePath(code)+"/accept", alice.Token, nil); r.Status != http.StatusConflict || r.ErrCode() != "own_invite" {
		t.Fatalf("own invite: %d %s", r.Status, r.Raw)
	}

	// bob waits for a match: he cannot accept until he cancels.
	mustQueue(t, a.URL, bob, "hard", "math", "")
	if r := call(t, http.MethodPost, b.URL+invitePath(code)+"/accept", bob.Token, nil); r.Status != http.StatusConflict || r.ErrCode() != "conflict" {
		t.Fatalf("accept while queued: %d %s", r.Status, r.Raw)
	}
	// carol is in a session (matched with bob): refused with the session.
	mustQueue(t, b.URL, carol, "hard", "math", "")
	apitest.Eventually(t, 5*time.Second, "bob and carol matched", func() bool {
		return call(t, http.MethodGet, a.URL+prefix+"/tickets/current", carol.Token, nil).Str("status") == "matched"
	})
	r := call(t, http.MethodPost, b.URL+invitePath(code)+"/accept", carol.Token, nil)
	if r.Status != http.StatusConflict || r.ErrCode() != "in_session" || r.Str("session_id") == "" {
		t.Fatalf("accept in session: %d %s", r.Status, r.Raw)
	}

	// An inviter who is queued cannot be joined.
	busy := mustInvite(t, a.URL, dave, body).Str("code")
	mustQueue(t, a.URL, dave, "medium", "trees", "")
	if r := call(t, http.MethodPost, b.URL+invitePath(busy)+"/accept", alice.Token, nil); r.Status != http.StatusConflict || r.ErrCode() != "inviter_busy" {
		t.Fatalf("busy inviter: %d %s", r.Status, r.Raw)
	}

	// Only the inviter cancels; a cancelled invite is gone.
	other := mustInvite(t, a.URL, alice, body).Str("code")
	if r := call(t, http.MethodDelete, b.URL+invitePath(other), dave.Token, nil); r.Status != http.StatusForbidden {
		t.Fatalf("cancel by another: %d %s", r.Status, r.Raw)
	}
	if r := call(t, http.MethodDelete, b.URL+invitePath(other), alice.Token, nil); r.Status != http.StatusOK || r.Str("status") != "cancelled" {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	if r := call(t, http.MethodPost, a.URL+invitePath(other)+"/accept", dave.Token, nil); r.Status != http.StatusGone || r.ErrCode() != "invite_cancelled" {
		t.Fatalf("accept cancelled: %d %s", r.Status, r.Raw)
	}

	// Expired: refused with 410 and shown as expired.
	time.Sleep(1600 * time.Millisecond)
	if r := call(t, http.MethodGet, a.URL+invitePath(code), dave.Token, nil); r.Status != http.StatusOK || r.Str("status") != "expired" {
		t.Fatalf("read expired: %d %s", r.Status, r.Raw)
	}
	call(t, http.MethodDelete, a.URL+prefix+"/tickets/current", bob.Token, nil)
	if r := call(t, http.MethodPost, b.URL+invitePath(code)+"/accept", bob.Token, nil); r.Status != http.StatusGone || r.ErrCode() != "invite_expired" {
		t.Fatalf("accept expired: %d %s", r.Status, r.Raw)
	}
	if r := call(t, http.MethodGet, a.URL+invitePath("AAAAAAAAAAAAAAAAAAAAAA"), dave.Token, nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown code: %d %s", r.Status, r.Raw)
	}
}

// TestInviteValidationAndLimit: every bad field is named in the JSON
// error shape, and creation is limited per user across replicas.
func TestInviteValidationAndLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"INVITES_PER_HOUR": "2"})
	a, b := e.start(t), e.start(t)
	alice := e.user(t)
	for _, c := range []struct {
		name  string
		body  any
		field string
	}{
		{"no question and no topic", map[string]any{"language": "python"}, "topic"},
		{"bad language", map[string]any{"topic": "arrays", "difficulty": "easy", "language": "cobol"}, "language"},
		{"both question and topic", map[string]any{"question_id": fake.QuestionID("arrays", "easy", 0), "topic": "arrays", "language": "go"}, "question_id"},
		{"role in practise", map[string]any{"topic": "arrays", "difficulty": "easy", "language": "go", "inviter_role": "candidate"}, "inviter_role"},
		{"bad mode", map[string]any{"topic": "arrays", "difficulty": "easy", "language": "go", "mode": "exam"}, "mode"},
		{"unknown field", `{"topic":"arrays","difficulty":"easy","language":"go","who":"x"}`, "who"},
	} {
		r := call(t, http.MethodPost, a.URL+prefix+"/invites", alice.Token, c.body)
		if r.Status != http.StatusBadRequest || r.ErrCode() != "validation_failed" || !strings.Contains(r.Raw, `"field":"`+c.field) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
		}
	}
	// A well-formed request for an unknown question is refused and counts.
	if r := call(t, http.MethodPost, b.URL+prefix+"/invites", alice.Token, map[string]any{"question_id": "no-such-question", "language": "go"}); r.Status != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"question_id"`) {
		t.Errorf("unknown question: %d %s", r.Status, r.Raw)
	}
	if r := call(t, http.MethodGet, a.URL+invitePath("short"), alice.Token, nil); r.Status != http.StatusNotFound {
		t.Errorf("malformed code: %d %s", r.Status, r.Raw)
	}
	if r := call(t, http.MethodPost, a.URL+prefix+"/invites", "", map[string]any{}); r.Status != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.Status)
	}
	body := map[string]any{"topic": "arrays", "difficulty": "easy", "language": "python"}
	mustInvite(t, a.URL, alice, body)
	if r := call(t, http.MethodPost, a.URL+prefix+"/invites", alice.Token, body); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third request: %d %s", r.Status, r.Raw)
	}
}
