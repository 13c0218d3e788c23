package main

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestMockInterviewSessionKeepsModeAndInterviewer: matching-service asks
// for a mock interview with its first interviewer; both replicas, and both
// participants, see them. A session asked for without a mode is practise.
func TestMockInterviewSessionKeepsModeAndInterviewer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, r2 := e.start(), e.start()
	a, b, q := uuid.NewString(), uuid.NewString(), uuid.NewString()
	body := map[string]any{"match_id": uuid.NewString(), "user_ids": []string{a, b}, "question_id": q, "language": "go",
		"mode": "mock", "interviewer_id": b}
	res := call(t, "POST", r1.URL+api+"/internal/sessions", internalToken, body)
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Raw)
	}
	sid := res.Body["session_id"].(string)
	if in := call(t, "GET", r2.URL+api+"/internal/sessions/"+sid, internalToken, nil); in.Body["mode"] != "mock" || in.Body["interviewer_id"] != b {
		t.Fatalf("internal get: %s", in.Raw)
	}
	for _, u := range []string{a, b} {
		if got := call(t, "GET", r2.URL+api+"/sessions/"+sid, e.token(u), nil); got.Status != 200 || got.Body["mode"] != "mock" || got.Body["interviewer_id"] != b {
			t.Fatalf("participant get: %d %s", got.Status, got.Raw)
		}
	}

	plain := call(t, "POST", r2.URL+api+"/internal/sessions", internalToken,
		map[string]any{"match_id": uuid.NewString(), "user_ids": []string{a, b}, "question_id": q, "language": "go"})
	got := call(t, "GET", r1.URL+api+"/internal/sessions/"+plain.Body["session_id"].(string), internalToken, nil)
	if got.Body["mode"] != "practise" || got.Body["interviewer_id"] != nil {
		t.Fatalf("a session without a mode: %s", got.Raw)
	}

	for _, tc := range []struct {
		name  string
		mut   func(map[string]any)
		field string
	}{
		{"unknown mode", func(m map[string]any) { m["mode"] = "exam" }, "mode"},
		{"a mock interview without an interviewer", func(m map[string]any) { delete(m, "interviewer_id") }, "interviewer_id"},
		{"an interviewer who is not a participant", func(m map[string]any) { m["interviewer_id"] = uuid.NewString() }, "interviewer_id"},
		{"an interviewer that is not a UUID", func(m map[string]any) { m["interviewer_id"] = "bob" }, "interviewer_id"},
		{"an interviewer in a practise session", func(m map[string]any) { m["mode"] = "practise" }, "interviewer_id"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			req := map[string]any{"match_id": uuid.NewString(), "user_ids": []string{a, b}, "question_id": q, "mode": "mock", "interviewer_id": a}
			tc.mut(req)
			res := call(t, "POST", r1.URL+api+"/internal/sessions", internalToken, req)
			if res.Status != 400 || res.ErrCode() != "validation_failed" || !strings.Contains(res.Raw, `"field":"`+tc.field+`"`) {
				t.Fatalf("got %d %s, want 400 naming %s", res.Status, res.Raw, tc.field)
			}
		})
	}
}
