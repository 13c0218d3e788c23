package httpapi

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestSwappedMockInterviewKeepsBothQuestions: collaboration-service reports
// a swapped mock interview as one attempt per person per question, each
// with the person's role, possibly through two replicas at once and more
// than once. Each person's history then holds both questions with their
// roles, each stored once.
func TestSwappedMockInterviewKeepsBothQuestions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.replica()
	ann, annTok := e.user("ann")
	bob, bobTok := e.user("bob")
	second := fakeQuestion(e, "medium", "graph")
	session := uuid.NewString()
	ended := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	body := func(user, partner uuid.UUID, question, role string) map[string]any {
		b := e.attemptBody(user, partner, ended)
		b["session_id"], b["question_id"], b["role"] = session, question, role
		return b
	}
	bodies := []map[string]any{
		body(ann, bob, e.question.ID, "interviewer"),
		body(bob, ann, e.question.ID, "candidate"),
		body(ann, bob, second, "candidate"),
		body(bob, ann, second, "interviewer"),
	}
	// Every attempt is sent twice at once, once to each replica.
	ids := make([][2]string, len(bodies))
	codes := make([][2]int, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		for j, r := range []*env{e, other} {
			wg.Go(func() {
				res := r.do(http.MethodPost, Prefix+"/internal/attempts", internalToken, b)
				var a attemptJSON
				_ = jsonUnmarshal([]byte(res.Raw), &a)
				ids[i][j], codes[i][j] = a.ID, res.Status
			})
		}
	}
	wg.Wait()
	for i := range bodies {
		if ids[i][0] == "" || ids[i][0] != ids[i][1] || codes[i][0]+codes[i][1] != http.StatusOK+http.StatusCreated {
			t.Fatalf("attempt %d: ids %v, statuses %v; want one 201 and one 200 with the same attempt", i, ids[i], codes[i])
		}
	}
	if n := e.count("session_id = $1", session); n != 4 {
		t.Fatalf("%d attempts stored for the session, want 4", n)
	}

	for _, who := range []struct {
		name  string
		token string
		want  map[string]string // question id → role
	}{
		{"ann", annTok, map[string]string{e.question.ID: "interviewer", second: "candidate"}},
		{"bob", bobTok, map[string]string{e.question.ID: "candidate", second: "interviewer"}},
	} {
		r := other.do(http.MethodGet, Prefix+"/attempts", who.token, nil)
		var page struct {
			Items []attemptJSON `json:"items"`
		}
		r.Decode(t, &page)
		if len(page.Items) != 2 {
			t.Fatalf("%s: %d attempts listed, want 2: %s", who.name, len(page.Items), r.Raw)
		}
		for _, a := range page.Items {
			if a.Role == nil || *a.Role != who.want[a.Question.ID] || a.SessionID != session {
				t.Errorf("%s: question %s listed with role %v, want %s", who.name, a.Question.ID, a.Role, who.want[a.Question.ID])
			}
			var one attemptJSON
			e.do(http.MethodGet, Prefix+"/attempts/"+a.ID, who.token, nil).Decode(t, &one)
			if one.Role == nil || *one.Role != who.want[a.Question.ID] {
				t.Errorf("%s: GET /attempts/%s role %v", who.name, a.ID, one.Role)
			}
		}
	}
}

// TestRecordAttemptRole: the role is optional, so a collaboration replica
// that predates it still records practise attempts as before.
func TestRecordAttemptRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ended := time.Now().UTC().Add(-time.Minute)
	cases := []struct {
		name   string
		role   any // nil: the field is left out
		status int
		want   *string
	}{
		{"no role (a practise session or an old caller) is null", nil, http.StatusCreated, nil},
		{"null role is null", "null", http.StatusCreated, nil},
		{"interviewer is kept", "interviewer", http.StatusCreated, ptr("interviewer")},
		{"candidate is kept", "candidate", http.StatusCreated, ptr("candidate")},
		{"another role is 400", "observer", http.StatusBadRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := e.attemptBody(uuid.New(), uuid.New(), ended)
			switch tc.role {
			case nil:
			case "null":
				b["role"] = nil
			default:
				b["role"] = tc.role
			}
			r := e.do(http.MethodPost, Prefix+"/internal/attempts", internalToken, b)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.status != http.StatusCreated {
				if !slices.Contains(fields(r), "role") {
					t.Fatalf("fields %v lack role", fields(r))
				}
				return
			}
			var a attemptJSON
			r.Decode(t, &a)
			if (a.Role == nil) != (tc.want == nil) || (a.Role != nil && *a.Role != *tc.want) {
				t.Fatalf("role %v, want %v", a.Role, tc.want)
			}
			// A repeat without the role is the same attempt.
			delete(b, "role")
			if again := e.record(b, http.StatusOK); again.ID != a.ID {
				t.Fatalf("repeat answered %s, want %s", again.ID, a.ID)
			}
		})
	}
}
