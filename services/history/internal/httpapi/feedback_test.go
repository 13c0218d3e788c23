package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
)

// feedbackJSON is the union of the given and received shapes.
type feedbackJSON struct {
	SessionID      string    `json:"session_id"`
	RatedID        string    `json:"rated_id"`
	AuthorID       string    `json:"author_id"`
	ProblemSolving int       `json:"problem_solving"`
	Communication  int       `json:"communication"`
	CodeQuality    int       `json:"code_quality"`
	Comment        string    `json:"comment"`
	EditableUntil  time.Time `json:"editable_until"`
}

type exchangeJSON struct {
	SessionID string        `json:"session_id"`
	Given     *feedbackJSON `json:"given"`
	Received  *feedbackJSON `json:"received"`
}

// session makes collaboration-service know a session of a and b in which
// the users in left have left.
func (e *env) session(a, b uuid.UUID, status string, left ...uuid.UUID) uuid.UUID {
	id := uuid.New()
	e.setSession(id, a, b, status, left...)
	return id
}

func (e *env) setSession(id, a, b uuid.UUID, status string, left ...uuid.UUID) {
	s := internalapi.Session{ID: id.String(), UserIDs: [2]string{a.String(), b.String()}, QuestionID: e.question.ID, Language: "python", Status: status}
	for _, u := range left {
		s.LeftUserIDs = append(s.LeftUserIDs, u.String())
	}
	e.peers.AddSession(s)
}

func ratings(ps, comm, cq int, comment string) map[string]any {
	return map[string]any{"problem_solving": ps, "communication": comm, "code_quality": cq, "comment": comment}
}

func feedbackPath(session uuid.UUID) string {
	return Prefix + "/sessions/" + session.String() + "/feedback"
}

func TestFeedbackOnlyFromTheParticipantsOnceTheirPartIsOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, tokA := e.user("alice")
	b, tokB := e.user("bob")
	_, tokC := e.user("carol")
	sid := e.session(a, b, "active")

	put := func(tok string, body any) response { return e.do(http.MethodPut, feedbackPath(sid), tok, body) }
	if r := put(tokA, ratings(4, 5, 3, "")); r.Status != http.StatusConflict || r.Err().Code != "session_in_progress" {
		t.Fatalf("while in the session: %d %s", r.Status, r.Raw)
	}
	e.setSession(sid, a, b, "active", a)
	if r := put(tokC, ratings(1, 1, 1, "")); r.Status != http.StatusForbidden || r.Err().Code != "forbidden" {
		t.Fatalf("a stranger: %d %s", r.Status, r.Raw)
	}
	if r := e.do(http.MethodPut, feedbackPath(uuid.New()), tokA, ratings(1, 1, 1, "")); r.Status != http.StatusNotFound || r.Err().Code != "not_found" {
		t.Fatalf("an unknown session: %d %s", r.Status, r.Raw)
	}
	if r := put(tokB, ratings(3, 3, 3, "")); r.Status != http.StatusConflict {
		t.Fatalf("bob is still in the session: %d %s", r.Status, r.Raw)
	}

	r := put(tokA, ratings(4, 5, 3, "  Explained the approach well.  "))
	var f feedbackJSON
	r.Decode(t, &f)
	if r.Status != http.StatusCreated || f.RatedID != b.String() || f.ProblemSolving != 4 || f.Communication != 5 ||
		f.CodeQuality != 3 || f.Comment != "Explained the approach well." {
		t.Fatalf("alice rates bob: %d %s", r.Status, r.Raw)
	}
	if d := time.Until(f.EditableUntil); d < 23*time.Hour || d > 24*time.Hour {
		t.Fatalf("editable until %v, want a day from now", f.EditableUntil)
	}

	// Ended sessions take feedback from both.
	e.setSession(sid, a, b, "ended", a, b)
	if r := put(tokB, ratings(2, 2, 2, "")); r.Status != http.StatusCreated {
		t.Fatalf("bob rates alice: %d %s", r.Status, r.Raw)
	}

	// Alice edits within the day; a day later she cannot.
	if r := put(tokA, ratings(5, 5, 5, "")); r.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.Status, r.Raw)
	}
	e.skew.Store(int64(feedback24h + time.Minute))
	if r := put(tokA, ratings(1, 1, 1, "")); r.Status != http.StatusConflict || r.Err().Code != "edit_window_closed" {
		t.Fatalf("edit after a day: %d %s", r.Status, r.Raw)
	}

	get := func(tok string) exchangeJSON {
		t.Helper()
		r := e.do(http.MethodGet, feedbackPath(sid), tok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("get: %d %s", r.Status, r.Raw)
		}
		var x exchangeJSON
		r.Decode(t, &x)
		return x
	}
	if x := get(tokA); x.Given == nil || x.Given.ProblemSolving != 5 || x.Received == nil || x.Received.AuthorID != b.String() || x.Received.ProblemSolving != 2 {
		t.Fatalf("alice's view: %+v", x)
	}
	if x := get(tokB); x.Received == nil || x.Received.ProblemSolving != 5 || x.Received.Comment != "" || x.Given == nil {
		t.Fatalf("bob's view: %+v", x)
	}
	if x := get(tokC); x.Given != nil || x.Received != nil {
		t.Fatalf("a stranger sees %+v", x)
	}
}

// feedback24h is the edit window as the API promises it.
const feedback24h = 24 * time.Hour

func TestFeedbackSummaryNamesNobody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, tokMe := e.user("me")
	for i, rs := range [][3]int{{5, 4, 3}, {4, 4, 4}} {
		other, tok := e.user("rater" + string(rune('a'+i)))
		sid := e.session(me, other, "ended", me, other)
		if r := e.do(http.MethodPut, feedbackPath(sid), tok, ratings(rs[0], rs[1], rs[2], "secret words")); r.Status != http.StatusCreated {
			t.Fatalf("rate: %d %s", r.Status, r.Raw)
		}
	}
	r := e.do(http.MethodGet, Prefix+"/feedback/received/summary", tokMe, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("summary: %d %s", r.Status, r.Raw)
	}
	want := `{"count":2,"averages":{"problem_solving":4.5,"communication":4,"code_quality":3.5,"overall":4}}`
	if strings.TrimSpace(r.Raw) != want {
		t.Fatalf("summary %s, want %s", r.Raw, want)
	}
	_, tokNew := e.user("newcomer")
	if r := e.do(http.MethodGet, Prefix+"/feedback/received/summary", tokNew, nil); strings.TrimSpace(r.Raw) != `{"count":0,"averages":null}` {
		t.Fatalf("nothing received: %s", r.Raw)
	}
}

func TestFeedbackPendingRemindsOfRecentSessionsWithoutIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, tokA := e.user("alice")
	b, tokB := e.user("bob")
	ended := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	body := e.attemptBody(a, b, ended)
	sid := uuid.MustParse(body["session_id"].(string))
	attemptA := e.record(body, http.StatusCreated)
	body["user_id"], body["partner_id"] = b.String(), a.String()
	e.record(body, http.StatusCreated)
	e.setSession(sid, a, b, "ended", a, b)

	pending := func(tok string) []pendingJSON {
		t.Helper()
		r := e.do(http.MethodGet, Prefix+"/feedback/pending", tok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("pending: %d %s", r.Status, r.Raw)
		}
		var out struct{ Items []pendingJSON }
		r.Decode(t, &out)
		return out.Items
	}
	ps := pending(tokA)
	if len(ps) != 1 || ps[0].SessionID != sid.String() || ps[0].AttemptID != attemptA.ID || ps[0].Partner.ID != b.String() ||
		ps[0].Partner.Username == nil || *ps[0].Partner.Username != "bob" || ps[0].QuestionTitle == nil || *ps[0].QuestionTitle != "Two Sum" {
		t.Fatalf("alice's pending: %+v", ps)
	}
	if r := e.do(http.MethodPut, feedbackPath(sid), tokA, ratings(3, 3, 3, "")); r.Status != http.StatusCreated {
		t.Fatalf("rate: %d %s", r.Status, r.Raw)
	}
	if ps := pending(tokA); len(ps) != 0 {
		t.Fatalf("alice still reminded: %+v", ps)
	}
	if ps := pending(tokB); len(ps) != 1 {
		t.Fatalf("bob's reminder went away with alice's feedback: %+v", ps)
	}
}

type pendingJSON struct {
	SessionID string `json:"session_id"`
	AttemptID string `json:"attempt_id"`
	Partner   struct {
		ID       string  `json:"id"`
		Username *string `json:"username"`
	} `json:"partner"`
	QuestionTitle *string `json:"question_title"`
}

func TestFeedbackRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, tokA := e.user("alice")
	b, _ := e.user("bob")
	sid := e.session(a, b, "ended", a, b)
	cases := []struct {
		name   string
		path   string
		token  string
		body   any
		status int
		code   string
		fields []string
	}{
		{"rating 0 is 400", "", tokA, ratings(0, 3, 3, ""), 400, "validation_failed", []string{"problem_solving"}},
		{"rating 6 is 400", "", tokA, ratings(3, 6, 3, ""), 400, "validation_failed", []string{"communication"}},
		{"negative rating is 400", "", tokA, ratings(3, 3, -1, ""), 400, "validation_failed", []string{"code_quality"}},
		{"missing ratings are 400", "", tokA, map[string]any{"comment": "hi"}, 400, "validation_failed", []string{"problem_solving", "communication", "code_quality"}},
		{"fractional rating is 400", "", tokA, `{"problem_solving":3.5,"communication":3,"code_quality":3}`, 400, "validation_failed", []string{"problem_solving"}},
		{"comment over 1000 characters is 400", "", tokA, ratings(3, 3, 3, strings.Repeat("é", 1001)), 400, "validation_failed", []string{"comment"}},
		{"unknown field is 400", "", tokA, map[string]any{"problem_solving": 3, "communication": 3, "code_quality": 3, "overall": 5}, 400, "validation_failed", []string{"overall"}},
		{"malformed JSON is 400", "", tokA, `{"problem_solving":`, 400, "invalid_request", nil},
		{"session id not a UUID is 400", Prefix + "/sessions/abc/feedback", tokA, ratings(3, 3, 3, ""), 400, "validation_failed", []string{"id"}},
		{"no token is 401", "", "", ratings(3, 3, 3, ""), 401, "unauthenticated", nil},
		{"the internal token is not a user", "", internalToken, ratings(3, 3, 3, ""), 401, "unauthenticated", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.path
			if path == "" {
				path = feedbackPath(sid)
			}
			r := e.do(http.MethodPut, path, tc.token, tc.body)
			if r.Status != tc.status || r.Err().Code != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Raw, tc.status, tc.code)
			}
			for _, f := range tc.fields {
				if !slices.Contains(fields(r), f) {
					t.Fatalf("fields %v lack %s", fields(r), f)
				}
			}
		})
	}
	t.Run("a comment of exactly 1000 characters is kept", func(t *testing.T) {
		if r := e.do(http.MethodPut, feedbackPath(sid), tokA, ratings(3, 3, 3, strings.Repeat("é", 1000))); r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("got %d %s", r.Status, r.Raw)
		}
	})
}

// FuzzFeedbackBody sends arbitrary bodies as feedback: whatever arrives,
// the answer is never a 5xx.
func FuzzFeedbackBody(f *testing.F) {
	for _, s := range []string{
		`{"problem_solving":3,"communication":4,"code_quality":5,"comment":"ok"}`,
		`{"problem_solving":3,"communication":4,"code_quality":5,"comment":"\u0000\ud800"}`,
		`{"problem_solving":1e999,"communication":4,"code_quality":5}`,
		`{"problem_solving":9223372036854775808,"communication":4,"code_quality":5}`,
		`{"problem_solving":null,"communication":"4","code_quality":[]}`,
		`{}`, `[]`, `null`, `"x"`, ``,
	} {
		f.Add(s)
	}
	e := newEnv(f)
	a, tok := e.user("alice")
	b, _ := e.user("bob")
	sid := e.session(a, b, "ended", a, b)
	f.Fuzz(func(t *testing.T, body string) {
		r := e.send(t, http.MethodPut, feedbackPath(sid), tok, body)
		if r.Status >= 500 {
			t.Fatalf("status %d for body %q: %s", r.Status, body, r.Raw)
		}
	})
}
