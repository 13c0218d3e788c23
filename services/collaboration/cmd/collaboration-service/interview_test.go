package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
)

// controlReader collects the control messages (type 100) a socket receives.
type controlReader struct{ msgs chan map[string]any }

func (e *env) dialControl(base, sid, user string) *controlReader {
	e.t.Helper()
	ws, err := dialWS(base, sid, e.token(user), "")
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { _ = ws.CloseNow() })
	r := &controlReader{msgs: make(chan map[string]any, 16)}
	go func() {
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			// varUint 100 is the single byte 0x64, then a varUint length.
			if len(data) < 2 || data[0] != 100 {
				continue
			}
			n, i := 0, 1
			for shift := 0; i < len(data); i++ {
				n |= int(data[i]&0x7f) << shift
				shift += 7
				if data[i] < 0x80 {
					i++
					break
				}
			}
			var m map[string]any
			if i+n <= len(data) && json.NewDecoder(bytes.NewReader(data[i:i+n])).Decode(&m) == nil {
				r.msgs <- m
			}
		}
	}()
	return r
}

func (r *controlReader) next(t *testing.T, within time.Duration) map[string]any {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(within):
		t.Fatal("no control message")
		return nil
	}
}

func mockSession(t *testing.T, base, interviewer, candidate string) string {
	t.Helper()
	res := call(t, "POST", base+api+"/internal/sessions", internalToken, map[string]any{
		"match_id": uuid.NewString(), "user_ids": []string{interviewer, candidate}, "question_id": uuid.NewString(),
		"language": "python", "mode": "mock", "interviewer_id": interviewer,
	})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Raw)
	}
	return res.Body["session_id"].(string)
}

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return at
}

// TestInterviewAcrossReplicas: both replicas show one clock and the same
// roles; a swap both ask for on one replica reaches a socket on the other
// as a control message; the second phase runs out on its own; a practise
// session has no interview.
func TestInterviewAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withVar("INTERVIEW_PHASE", "3s"))
	r1, r2 := e.start(), e.start()
	ann, ben := uuid.NewString(), uuid.NewString()
	sid := mockSession(t, r1.URL, ann, ben)
	path := api + "/sessions/" + sid + "/interview"

	a := call(t, "GET", r1.URL+path, e.token(ann), nil)
	b := call(t, "GET", r2.URL+path, e.token(ben), nil)
	if a.Status != 200 || b.Status != 200 {
		t.Fatalf("get: %d %s / %d %s", a.Status, a.Raw, b.Status, b.Raw)
	}
	if a.Body["your_role"] != "interviewer" || b.Body["your_role"] != "candidate" || a.Body["interviewer_id"] != ann ||
		b.Body["candidate_id"] != ben || a.Body["phase"] != float64(1) || a.Body["phase_seconds"] != float64(3) {
		t.Fatalf("roles: %s / %s", a.Raw, b.Raw)
	}
	// One clock: the same end on both replicas, and each replica's own time.
	if !parseTime(t, a.Body["phase_ends_at"]).Equal(parseTime(t, b.Body["phase_ends_at"])) {
		t.Fatalf("ends differ: %v / %v", a.Body["phase_ends_at"], b.Body["phase_ends_at"])
	}
	if d := time.Until(parseTime(t, a.Body["server_time"])); d > time.Second || d < -time.Second {
		t.Fatalf("server time off by %v", d)
	}

	// ben's socket is on r2; ann asks to swap through r1, then ben through r1 too.
	sock := e.dialControl(r2.URL, sid, ben)
	time.Sleep(200 * time.Millisecond) // the room subscribes to the session's signals
	if v := call(t, "POST", r1.URL+path+"/swap", e.token(ann), nil); v.Status != 200 || len(v.Body["swap_votes"].([]any)) != 1 {
		t.Fatalf("ann's vote: %d %s", v.Status, v.Raw)
	}
	if m := sock.next(t, 3*time.Second); m["type"] != "interview" || m["phase"] != float64(1) || len(m["swap_votes"].([]any)) != 1 {
		t.Fatalf("vote message: %v", m)
	}
	if v := call(t, "POST", r1.URL+path+"/swap", e.token(ben), nil); v.Status != 200 || v.Body["phase"] != float64(2) || v.Body["your_role"] != "interviewer" {
		t.Fatalf("ben's vote: %d %s", v.Status, v.Raw)
	}
	m := sock.next(t, 3*time.Second)
	if m["phase"] != float64(2) || m["interviewer_id"] != ben || m["candidate_id"] != ann || m["your_role"] != nil {
		t.Fatalf("swap message: %v", m)
	}
	// A reload on the other replica keeps the swapped phase and its clock.
	if g := call(t, "GET", r2.URL+path, e.token(ann), nil); g.Body["phase"] != float64(2) || g.Body["your_role"] != "candidate" ||
		!parseTime(t, g.Body["phase_ends_at"]).Equal(parseTime(t, m["phase_ends_at"])) {
		t.Fatalf("reload: %s", g.Raw)
	}

	// The second phase runs out: the next read (any replica) ends it at its end time.
	time.Sleep(time.Until(parseTime(t, m["phase_ends_at"])) + 100*time.Millisecond)
	over := call(t, "GET", r1.URL+path, e.token(ben), nil)
	if over.Body["status"] != "over" || over.Body["end_reason"] != "time" || !parseTime(t, over.Body["ended_at"]).Equal(parseTime(t, m["phase_ends_at"])) {
		t.Fatalf("after time: %s", over.Raw)
	}
	if m := sock.next(t, 3*time.Second); m["status"] != "over" {
		t.Fatalf("end message: %v", m)
	}
	if v := call(t, "POST", r2.URL+path+"/swap", e.token(ann), nil); v.Status != 409 || v.ErrCode() != "interview_over" {
		t.Fatalf("swap after the end: %d %s", v.Status, v.Raw)
	}

	// Strangers and practise sessions have no interview to show.
	if s := call(t, "GET", r1.URL+path, e.token(uuid.NewString()), nil); s.Status != 404 {
		t.Fatalf("stranger: %d %s", s.Status, s.Raw)
	}
	practise := call(t, "POST", r1.URL+api+"/internal/sessions", internalToken, map[string]any{
		"match_id": uuid.NewString(), "user_ids": []string{ann, ben}, "question_id": uuid.NewString()})
	if s := call(t, "GET", r1.URL+api+"/sessions/"+practise.Body["session_id"].(string)+"/interview", e.token(ann), nil); s.Status != 404 || s.ErrCode() != "not_found" {
		t.Fatalf("practise session: %d %s", s.Status, s.Raw)
	}
}

// TestLeavingStopsTheInterview: once a participant leaves, the clock stops
// at that moment for both.
func TestLeavingStopsTheInterview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	ann, ben := uuid.NewString(), uuid.NewString()
	sid := mockSession(t, r.URL, ann, ben)
	path := api + "/sessions/" + sid + "/interview"
	if g := call(t, "GET", r.URL+path, e.token(ann), nil); g.Body["phase_seconds"] != float64(25*60) || g.Body["status"] != "running" {
		t.Fatalf("default phase: %s", g.Raw)
	}
	if res := call(t, "POST", r.URL+api+"/sessions/"+sid+"/leave", e.token(ben), nil); res.Status != 200 {
		t.Fatalf("leave: %d %s", res.Status, res.Raw)
	}
	g := call(t, "GET", r.URL+path, e.token(ann), nil)
	if g.Body["status"] != "over" || g.Body["end_reason"] != "left" {
		t.Fatalf("after leaving: %s", g.Raw)
	}
}
