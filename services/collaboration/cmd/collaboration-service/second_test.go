package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
)

// bankStub is question-service and history-service for the second
// question: questions by id, random by difficulty and topic, and each
// user's attempted questions. It serves on the history fake when one is
// given.
func bankStub(t *testing.T, questions map[string][2]string, attempted map[string][]string, history ...*fake.Server) string {
	t.Helper()
	f := fake.Start(t, internalToken)
	if len(history) > 0 {
		f = history[0]
	}
	for id, q := range questions {
		f.AddQuestion(internalapi.Question{ID: id, Slug: "q-" + id, Title: "Q " + id, Difficulty: q[0], Topics: []string{q[1]},
			Fields: map[string]json.RawMessage{"hints": json.RawMessage(`["h"]`)}})
	}
	for u, ids := range attempted {
		f.SetAttempted(u, ids...)
	}
	return f.URL
}

// TestSwapBringsASecondQuestion: when the roles swap (here on time, read
// through another replica), the new candidate gets a second question of the
// same difficulty and topic that neither attempted, on both replicas.
func TestSwapBringsASecondQuestion(t *testing.T) {
	t.Parallel()
	q1, q2, q3, other := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	ann, ben := uuid.NewString(), uuid.NewString()
	url := bankStub(t, map[string][2]string{q1: {"easy", "arrays"}, q2: {"easy", "arrays"}, q3: {"easy", "arrays"}, other: {"hard", "arrays"}},
		map[string][]string{ben: {q2}})
	e := newEnv(t, withVar("QUESTION_SERVICE_URL", url), withVar("HISTORY_SERVICE_URL", url), withVar("INTERVIEW_PHASE", "2s"))
	r1, r2 := e.start(), e.start()
	res := call(t, "POST", r1.URL+api+"/internal/sessions", internalToken, map[string]any{
		"match_id": uuid.NewString(), "user_ids": []string{ann, ben}, "question_id": q1, "mode": "mock", "interviewer_id": ann})
	sid := res.Body["session_id"].(string)

	first := call(t, "GET", r1.URL+api+"/sessions/"+sid+"/interview", e.token(ann), nil)
	if first.Body["question_id"] != q1 {
		t.Fatalf("first phase: %s", first.Raw)
	}
	time.Sleep(time.Until(parseTime(t, first.Body["phase_ends_at"])) + 100*time.Millisecond)
	second := call(t, "GET", r2.URL+api+"/sessions/"+sid+"/interview", e.token(ben), nil)
	want := q3 // the only easy arrays question that is neither q1 nor ben's q2
	if second.Body["phase"] != float64(2) || second.Body["question_id"] == q1 || second.Body["question_id"] == q2 || second.Body["question_id"] != want {
		t.Fatalf("second phase: %s (want %s: not the first, not one ben attempted)", second.Raw, want)
	}
	for _, tc := range []struct {
		base, user string
		hints      bool
	}{{r1.URL, ann, false}, {r2.URL, ben, true}} {
		got := call(t, "GET", tc.base+api+"/sessions/"+sid+"/question", e.token(tc.user), nil)
		if got.Body["id"] != want || (got.Body["hints"] != nil) != tc.hints {
			t.Fatalf("%s's question: %s", tc.user, got.Raw)
		}
	}
}

// TestSwappedInterviewRecordsBothQuestions: a mock interview run across two
// replicas, swapped on time, is recorded in history as one attempt per
// person per question, each with its own code (a late snapshot of the first
// question's document included) and the role the person had.
func TestSwappedInterviewRecordsBothQuestions(t *testing.T) {
	t.Parallel()
	q1, q2 := uuid.NewString(), uuid.NewString()
	ann, ben := uuid.NewString(), uuid.NewString()
	hist := fake.Start(t, internalToken)
	url := bankStub(t, map[string][2]string{q1: {"easy", "arrays"}, q2: {"easy", "arrays"}}, nil, hist)
	e := newEnv(t, withVar("QUESTION_SERVICE_URL", url), withVar("HISTORY_SERVICE_URL", url), withVar("INTERVIEW_PHASE", "2s"))
	r1, r2 := e.start(), e.start()
	res := call(t, "POST", r1.URL+api+"/internal/sessions", internalToken, map[string]any{
		"match_id": uuid.NewString(), "user_ids": []string{ann, ben}, "question_id": q1, "language": "python", "mode": "mock", "interviewer_id": ann})
	sid := res.Body["session_id"].(string)

	if r := call(t, "PUT", r1.URL+api+"/sessions/"+sid+"/snapshot", e.token(ben), map[string]any{"code": "first()", "language": "python"}); r.Status != 204 {
		t.Fatalf("first snapshot: %d %s", r.Status, r.Raw)
	}
	first := call(t, "GET", r1.URL+api+"/sessions/"+sid+"/interview", e.token(ann), nil)
	time.Sleep(time.Until(parseTime(t, first.Body["phase_ends_at"])) + 100*time.Millisecond)
	if second := call(t, "GET", r2.URL+api+"/sessions/"+sid+"/interview", e.token(ben), nil); second.Body["question_id"] != q2 {
		t.Fatalf("second phase: %s", second.Raw)
	}
	if r := call(t, "PUT", r2.URL+api+"/sessions/"+sid+"/snapshot", e.token(ann), map[string]any{"code": "second()", "language": "go", "question_id": q2}); r.Status != 204 {
		t.Fatalf("second snapshot: %d %s", r.Status, r.Raw)
	}
	// The first question's editor saves once more, late, after the swap:
	// it becomes the first question's code, not the second's.
	if r := call(t, "PUT", r1.URL+api+"/sessions/"+sid+"/snapshot", e.token(ben), map[string]any{"code": "first(late)", "language": "python", "question_id": q1}); r.Status != 204 {
		t.Fatalf("late first snapshot: %d %s", r.Status, r.Raw)
	}
	for _, l := range []struct{ base, user string }{{r1.URL, ann}, {r2.URL, ben}} {
		if r := call(t, "POST", l.base+api+"/sessions/"+sid+"/leave", e.token(l.user), nil); r.Status != 200 {
			t.Fatalf("leave: %d %s", r.Status, r.Raw)
		}
	}

	want := map[string][3]string{ // key → role, code, language
		sid + "/" + ann + "/" + q1: {"interviewer", "first(late)", "python"},
		sid + "/" + ben + "/" + q1: {"candidate", "first(late)", "python"},
		sid + "/" + ann + "/" + q2: {"candidate", "second()", "go"},
		sid + "/" + ben + "/" + q2: {"interviewer", "second()", "go"},
	}
	apitest.EventuallyNil(t, 10*time.Second, func() error {
		got, _ := hist.Attempts()
		if len(got) != len(want) {
			return fmt.Errorf("%d attempts recorded, want %d: %v", len(got), len(want), got)
		}
		for k, w := range want {
			b := got[k]
			if b == nil || b["role"] != w[0] || b["code"] != w[1] || b["language"] != w[2] {
				return fmt.Errorf("%s: %v, want %v", k, b, w)
			}
		}
		return nil
	})
}
