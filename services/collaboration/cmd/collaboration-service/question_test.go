package main

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
)

// questionStub answers any question id with hints and interviewer notes,
// and 404 for the ids in gone.
func questionStub(t *testing.T, gone ...string) string {
	t.Helper()
	f := fake.Start(t, internalToken)
	f.SetAnyQuestion(internalapi.Question{Title: "Two Sum", Description: "Find two numbers.",
		InterviewerNotes: []string{"Ask for O(n)."}, Fields: map[string]json.RawMessage{"hints": json.RawMessage(`["Use a map."]`)}})
	for _, g := range gone {
		f.RemoveQuestion(g)
	}
	return f.URL
}

// TestSessionQuestionFollowsTheRole: the candidate of a running mock
// interview gets the question without hints or notes, the interviewer with
// both; after the swap the roles' views swap too; practise sessions show
// hints to both and notes to nobody.
func TestSessionQuestionFollowsTheRole(t *testing.T) {
	t.Parallel()
	goneQ := uuid.NewString()
	e := newEnv(t, withVar("QUESTION_SERVICE_URL", questionStub(t, goneQ)))
	r1, r2 := e.start(), e.start()
	ann, ben := uuid.NewString(), uuid.NewString()
	sid := mockSession(t, r1.URL, ann, ben)
	path := api + "/sessions/" + sid + "/question"

	check := func(base, user, role string, hints, notes bool) {
		t.Helper()
		res := call(t, "GET", base+path, e.token(user), nil)
		if res.Status != 200 || res.Body["title"] != "Two Sum" || res.Body["role"] != role ||
			(res.Body["hints"] != nil) != hints || (res.Body["interviewer_notes"] != nil) != notes || res.Body["hints_hidden"] != !hints {
			t.Fatalf("%s as %s: %d %s", user, role, res.Status, res.Raw)
		}
	}
	check(r1.URL, ann, "interviewer", true, true)
	check(r2.URL, ben, "candidate", false, false)

	for _, u := range []string{ann, ben} {
		if v := call(t, "POST", r1.URL+api+"/sessions/"+sid+"/interview/swap", e.token(u), nil); v.Status != 200 {
			t.Fatalf("swap: %d %s", v.Status, v.Raw)
		}
	}
	check(r2.URL, ann, "candidate", false, false)
	check(r1.URL, ben, "interviewer", true, true)

	plain := call(t, "POST", r1.URL+api+"/internal/sessions", internalToken, map[string]any{
		"match_id": uuid.NewString(), "user_ids": []string{ann, ben}, "question_id": uuid.NewString()})
	ppath := api + "/sessions/" + plain.Body["session_id"].(string) + "/question"
	if res := call(t, "GET", r2.URL+ppath, e.token(ben), nil); res.Body["hints"] == nil || res.Body["interviewer_notes"] != nil || res.Body["role"] != "" {
		t.Fatalf("practise: %s", res.Raw)
	}
	if res := call(t, "GET", r2.URL+ppath, e.token(uuid.NewString()), nil); res.Status != 404 {
		t.Fatalf("stranger: %d %s", res.Status, res.Raw)
	}
	gone := call(t, "POST", r1.URL+api+"/internal/sessions", internalToken, map[string]any{
		"match_id": uuid.NewString(), "user_ids": []string{ann, ben}, "question_id": goneQ})
	if res := call(t, "GET", r1.URL+api+"/sessions/"+gone.Body["session_id"].(string)+"/question", e.token(ann), nil); res.Status != 404 {
		t.Fatalf("a deleted question: %d %s", res.Status, res.Raw)
	}
}
