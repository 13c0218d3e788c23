// Package contract checks a service against docs/internal-apis.md through
// the internalapi client. Each owning service runs Run against its real
// handlers, and the fake runs it against itself, so a drift between the
// fake and a service fails a unit test.
package contract

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/signature"
)

// Target is what Run checks. The parts of the contract a target does not
// serve are left nil or false.
type Target struct {
	// URL serves the routes; Token is the internal token it accepts.
	URL, Token string

	// NewUser makes user-service know a new user and returns it (as the
	// internal route should answer it); nil when the target is not
	// user-service.
	NewUser func(t *testing.T) internalapi.User
	// DeleteUser deletes a user NewUser made; nil to skip that check.
	DeleteUser func(t *testing.T, id string)

	// Questions: the target is question-service, loaded with the seed
	// questions (every one has test cases).
	Questions bool
	// History: the target is history-service.
	History bool
	// Sessions: the target is collaboration-service.
	Sessions bool
	// Join makes userID open session id's socket (collaboration-service);
	// nil skips the no-show checks.
	Join func(t *testing.T, id, userID string)
}

// client returns a client of t's routes sending token.
func client(target Target, token string) *internalapi.Client {
	return internalapi.New(discovery.New(discovery.Options{
		Getenv:        func(string) string { return target.URL },
		InternalToken: token,
		Retries:       -1,
	}))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	if got := internalapi.StatusOf(err); got != status {
		t.Errorf("%s: %v (HTTP %d), want HTTP %d", what, err, got, status)
	}
}

// Run checks target.
func Run(t *testing.T, target Target) {
	c := client(target, target.Token)
	stranger := client(target, "not-the-internal-token-0123456789")
	if target.NewUser != nil {
		t.Run("users", func(t *testing.T) { users(t, target, c, stranger) })
	}
	if target.Questions {
		t.Run("questions", func(t *testing.T) { questions(t, c, stranger) })
	}
	if target.History {
		t.Run("attempts", func(t *testing.T) { attempts(t, c, stranger) })
	}
	if target.Sessions {
		t.Run("sessions", func(t *testing.T) { sessions(t, c, stranger) })
		if target.Join != nil {
			t.Run("no-show", func(t *testing.T) { noShow(t, target, c, stranger) })
		}
	}
	if target.History {
		t.Run("no-shows", func(t *testing.T) { noShows(t, c, stranger) })
	}
}

func users(t *testing.T, target Target, c, stranger *internalapi.Client) {
	want := target.NewUser(t)
	got, err := c.User(ctx(t), want.ID)
	if err != nil || got != want {
		t.Fatalf("user: %+v %v, want %+v", got, err, want)
	}
	if got.Username == "" || got.Role == "" || got.Email == "" {
		t.Errorf("user without username, email or role: %+v", got)
	}
	if _, err := c.User(ctx(t), uuid.NewString()); !errors.Is(err, internalapi.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	_, err = stranger.User(ctx(t), want.ID)
	wantStatus(t, "user without the internal token", err, http.StatusUnauthorized)
	if target.DeleteUser != nil {
		target.DeleteUser(t, want.ID)
		if _, err := c.User(ctx(t), want.ID); !errors.Is(err, internalapi.ErrNotFound) {
			t.Errorf("deleted user: %v, want ErrNotFound", err)
		}
	}
}

func questions(t *testing.T, c, stranger *internalapi.Client) {
	topics, err := c.Topics(ctx(t))
	if err != nil {
		t.Fatalf("topics: %v", err)
	}
	var topic, difficulty string
	for _, tp := range topics {
		if !slices.Contains(internalapi.Topics, tp.Slug) || tp.Name == "" {
			t.Errorf("topic %+v: not a contract slug, or without a name", tp)
		}
		sum := 0
		for _, d := range internalapi.Difficulties {
			n, ok := tp.ByDifficulty[d]
			if !ok {
				t.Errorf("topic %s: by_difficulty without %s", tp.Slug, d)
			}
			sum += n
			if n > 0 && topic == "" {
				topic, difficulty = tp.Slug, d
			}
		}
		if sum != tp.Count {
			t.Errorf("topic %s: count %d, by_difficulty sums to %d", tp.Slug, tp.Count, sum)
		}
	}
	if topic == "" {
		t.Fatalf("no topic has questions: %+v", topics)
	}

	// Drawing while excluding every question drawn ends in 404.
	var drawn []string
	for {
		q, err := c.RandomQuestion(ctx(t), internalapi.RandomQuery{Difficulty: difficulty, Topic: topic, Exclude: drawn})
		if errors.Is(err, internalapi.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatalf("random: %v", err)
		}
		if q.Difficulty != difficulty || !slices.Contains(q.Topics, topic) || slices.Contains(drawn, q.ID) {
			t.Fatalf("random %s %s excluding %v: %+v", difficulty, topic, drawn, q)
		}
		drawn = append(drawn, q.ID)
		if len(drawn) > 100 {
			t.Fatalf("random keeps answering past %d excluded questions", len(drawn))
		}
	}
	if len(drawn) == 0 {
		t.Fatalf("topic %s lists %s questions, random finds none", topic, difficulty)
	}

	q, err := c.Question(ctx(t), drawn[0])
	if err != nil || q.ID != drawn[0] || q.Title == "" || q.Slug == "" || q.Difficulty != difficulty || q.Description == "" {
		t.Fatalf("question %s: %+v %v", drawn[0], q, err)
	}
	if q.InterviewerNotes == nil {
		t.Errorf("question %s without interviewer_notes for the internal token", q.ID)
	}
	if bySlug, err := c.Question(ctx(t), q.Slug); err != nil || bySlug.ID != q.ID {
		t.Errorf("question by slug %s: %+v %v", q.Slug, bySlug, err)
	}
	if _, err := c.Question(ctx(t), uuid.NewString()); !errors.Is(err, internalapi.ErrNotFound) {
		t.Errorf("unknown question: %v, want ErrNotFound", err)
	}
	_, err = c.RandomQuestion(ctx(t), internalapi.RandomQuery{Difficulty: "impossible"})
	wantStatus(t, "random of an unknown difficulty", err, http.StatusBadRequest)
	_, err = stranger.Question(ctx(t), q.ID)
	wantStatus(t, "question without a valid token", err, http.StatusUnauthorized)

	tests, err := c.QuestionTests(ctx(t), q.ID)
	if err != nil || tests.QuestionID != q.ID {
		t.Fatalf("tests of %s: %+v %v", q.ID, tests, err)
	}
	checkTests(t, q, tests)
	if len(tests.Cases) == 0 {
		// Targets hold seed questions (or the fake's SeedBank): all runnable.
		t.Errorf("tests of %s: no cases, want the seed's", q.ID)
	}
	if bySlug, err := c.QuestionTests(ctx(t), q.Slug); err != nil || bySlug.QuestionID != q.ID || len(bySlug.Cases) != len(tests.Cases) {
		t.Errorf("tests by slug %s: %+v %v", q.Slug, bySlug, err)
	}
	if _, err := c.QuestionTests(ctx(t), uuid.NewString()); !errors.Is(err, internalapi.ErrNotFound) {
		t.Errorf("tests of an unknown question: %v, want ErrNotFound", err)
	}
	_, err = stranger.QuestionTests(ctx(t), q.ID)
	wantStatus(t, "tests without the internal token", err, http.StatusUnauthorized)
}

// checkTests: a question's tests are runnable as the signature says, and
// its read shows the visible cases as sample_cases and no hidden one.
func checkTests(t *testing.T, q internalapi.Question, tests internalapi.QuestionTests) {
	t.Helper()
	if _, ok := signature.ParseCompare(tests.Compare); !ok {
		t.Errorf("tests of %s: compare %q is not a mode", q.ID, tests.Compare)
	}
	if tests.Cases == nil {
		t.Errorf("tests of %s: cases is not a list", q.ID)
	}
	var visible []internalapi.TestCase
	if tests.Signature == "" {
		if len(tests.Cases) != 0 {
			t.Errorf("tests of %s: %d cases without a signature", q.ID, len(tests.Cases))
		}
	} else {
		sig, err := signature.Parse(tests.Signature)
		if err != nil {
			t.Fatalf("tests of %s: signature %q: %v", q.ID, tests.Signature, err)
		}
		for i, c := range tests.Cases {
			if err := sig.CheckArgs(c.Input); err != nil {
				t.Errorf("tests of %s: case %d input %s: %v", q.ID, i, c.Input, err)
			}
			if err := sig.Returns.Check(c.Expected); err != nil {
				t.Errorf("tests of %s: case %d expected %s: %v", q.ID, i, c.Expected, err)
			}
			if !c.Hidden {
				visible = append(visible, c)
			}
		}
	}
	if _, ok := q.Fields["test_cases"]; ok {
		t.Errorf("question %s read with the internal token carries test_cases (hidden ones belong to the tests route)", q.ID)
	}
	var samples []internalapi.TestCase
	if err := json.Unmarshal(q.Fields["sample_cases"], &samples); err != nil {
		t.Fatalf("question %s: sample_cases %s: %v", q.ID, q.Fields["sample_cases"], err)
	}
	ok := len(samples) == len(visible)
	for i := 0; ok && i < len(samples); i++ {
		ok = !samples[i].Hidden && signature.Exact.Equal(samples[i].Input, visible[i].Input) &&
			signature.Exact.Equal(samples[i].Expected, visible[i].Expected)
	}
	if !ok {
		t.Errorf("question %s: sample_cases %s, want the visible cases %+v", q.ID, q.Fields["sample_cases"], visible)
	}
	var sig string
	if err := json.Unmarshal(q.Fields["signature"], &sig); err != nil || (len(tests.Cases) > 0 && sig != tests.Signature) {
		t.Errorf("question %s: signature %s, tests route says %q", q.ID, q.Fields["signature"], tests.Signature)
	}
}

func attempts(t *testing.T, c, stranger *internalapi.Client) {
	started, ended := internalapi.Times(time.Now().Add(-time.Hour), time.Now())
	a := internalapi.Attempt{SessionID: uuid.NewString(), UserID: uuid.NewString(), PartnerID: uuid.NewString(),
		QuestionID: uuid.NewString(), Language: "go", Code: "package main", StartedAt: started, EndedAt: ended}
	if created, err := c.RecordAttempt(ctx(t), a); err != nil || !created {
		t.Fatalf("record: created %v, %v", created, err)
	}
	if created, err := c.RecordAttempt(ctx(t), a); err != nil || created {
		t.Fatalf("record again: created %v, %v (want 200, not created)", created, err)
	}
	mock := a
	mock.QuestionID, mock.Role = uuid.NewString(), internalapi.RoleCandidate
	if created, err := c.RecordAttempt(ctx(t), mock); err != nil || !created {
		t.Fatalf("record a mock interview's second question: created %v, %v", created, err)
	}
	bad := a
	bad.SessionID, bad.Role = uuid.NewString(), "boss"
	_, err := c.RecordAttempt(ctx(t), bad)
	var e *internalapi.Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest || !slices.Contains(e.FieldsRefused(), "role") || e.Permanent {
		t.Errorf("unknown role: %v, want a retried 400 naming role", err)
	}
	bad = a
	bad.SessionID, bad.Language = uuid.NewString(), "cobol"
	if _, err := c.RecordAttempt(ctx(t), bad); !internalapi.IsPermanent(err) || internalapi.StatusOf(err) != http.StatusBadRequest {
		t.Errorf("unknown language: %v, want a permanent 400", err)
	}

	ids, err := c.AttemptedQuestionIDs(ctx(t), a.UserID)
	slices.Sort(ids)
	want := []string{a.QuestionID, mock.QuestionID}
	slices.Sort(want)
	if err != nil || !slices.Equal(ids, want) {
		t.Errorf("attempted: %v %v, want %v", ids, err, want)
	}
	if ids, err := c.AttemptedQuestionIDs(ctx(t), uuid.NewString()); err != nil || len(ids) != 0 {
		t.Errorf("attempted of a new user: %v %v, want none", ids, err)
	}
	_, err = stranger.AttemptedQuestionIDs(ctx(t), a.UserID)
	wantStatus(t, "attempted without the internal token", err, http.StatusUnauthorized)

	// Several users at once: the union, each question once.
	ids, err = c.AttemptedQuestionIDsOf(ctx(t), a.UserID, uuid.NewString(), a.UserID)
	slices.Sort(ids)
	if err != nil || !slices.Equal(ids, want) {
		t.Errorf("attempted of several users: %v %v, want %v", ids, err, want)
	}
	if _, err := c.AttemptedQuestionIDsOf(ctx(t), a.UserID, "not-a-uuid"); internalapi.StatusOf(err) != http.StatusBadRequest {
		t.Errorf("attempted of a malformed id: %v, want 400", err)
	}
	if _, err := c.AttemptedQuestionIDsOf(ctx(t)); internalapi.StatusOf(err) != http.StatusBadRequest {
		t.Errorf("attempted of nobody: %v, want 400", err)
	}
	_, err = stranger.AttemptedQuestionIDsOf(ctx(t), a.UserID)
	wantStatus(t, "attempted of several without the internal token", err, http.StatusUnauthorized)
}

func sessions(t *testing.T, c, stranger *internalapi.Client) {
	a, b := uuid.NewString(), uuid.NewString()
	n := internalapi.NewSession{MatchID: uuid.NewString(), UserIDs: [2]string{a, b}, QuestionID: uuid.NewString()}
	id, created, err := c.CreateSession(ctx(t), n)
	if err != nil || !created || uuid.Validate(id) != nil {
		t.Fatalf("create: %q created %v, %v", id, created, err)
	}
	if again, created, err := c.CreateSession(ctx(t), n); err != nil || created || again != id {
		t.Fatalf("create again: %q created %v, %v; want %s, not created", again, created, err, id)
	}
	s, err := c.Session(ctx(t), id)
	if err != nil || s.ID != id || s.UserIDs != [2]string{a, b} || s.QuestionID != n.QuestionID ||
		s.Language != internalapi.DefaultLanguage || s.Status != internalapi.StatusActive || s.CreatedAt == "" ||
		s.Mode != internalapi.ModePractise || s.InterviewerID != "" || s.LeftUserIDs == nil || len(s.LeftUserIDs) != 0 ||
		s.JoinedUserIDs == nil || len(s.JoinedUserIDs) != 0 {
		t.Fatalf("session: %+v %v", s, err)
	}
	if cur, err := c.CurrentSession(ctx(t), b); err != nil || cur.ID != id {
		t.Errorf("current session: %+v %v, want %s", cur, err, id)
	}
	if _, err := c.CurrentSession(ctx(t), uuid.NewString()); !errors.Is(err, internalapi.ErrNotFound) {
		t.Errorf("current session of a stranger: %v, want ErrNotFound", err)
	}
	if _, err := c.Session(ctx(t), uuid.NewString()); !errors.Is(err, internalapi.ErrNotFound) {
		t.Errorf("unknown session: %v, want ErrNotFound", err)
	}

	mock := internalapi.NewSession{MatchID: uuid.NewString(), UserIDs: [2]string{uuid.NewString(), uuid.NewString()},
		QuestionID: uuid.NewString(), Language: "java", Mode: internalapi.ModeMock}
	mock.InterviewerID = mock.UserIDs[1]
	mid, _, err := c.CreateSession(ctx(t), mock)
	if err != nil {
		t.Fatalf("create mock: %v", err)
	}
	if s, err := c.Session(ctx(t), mid); err != nil || s.Mode != internalapi.ModeMock || s.InterviewerID != mock.InterviewerID || s.Language != "java" {
		t.Errorf("mock session: %+v %v", s, err)
	}
	for _, bad := range []internalapi.NewSession{
		{MatchID: uuid.NewString(), UserIDs: [2]string{a, b}, QuestionID: n.QuestionID, Mode: internalapi.ModeMock},
		{MatchID: uuid.NewString(), UserIDs: [2]string{a, b}, QuestionID: n.QuestionID, Mode: internalapi.ModeMock, InterviewerID: uuid.NewString()},
	} {
		_, _, err := c.CreateSession(ctx(t), bad)
		var e *internalapi.Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || !e.Permanent || !slices.Contains(e.FieldsRefused(), "interviewer_id") {
			t.Errorf("mock interview with interviewer %q: %v, want a permanent 400 naming interviewer_id", bad.InterviewerID, err)
		}
	}
	bad := n
	bad.MatchID, bad.Language = uuid.NewString(), "cobol"
	if _, _, err := c.CreateSession(ctx(t), bad); !internalapi.IsPermanent(err) || !slices.Contains(fields(err), "language") {
		t.Errorf("unknown language: %v, want a permanent 400 naming language", err)
	}
	_, err = stranger.Session(ctx(t), id)
	wantStatus(t, "session without the internal token", err, http.StatusUnauthorized)
}

func fields(err error) []string {
	var e *internalapi.Error
	if errors.As(err, &e) {
		return e.FieldsRefused()
	}
	return nil
}

// noShow: a session ends as a no-show of a participant who never joined,
// idempotently, and not of one who did.
func noShow(t *testing.T, target Target, c, stranger *internalapi.Client) {
	a, b := uuid.NewString(), uuid.NewString()
	id, _, err := c.CreateSession(ctx(t), internalapi.NewSession{MatchID: uuid.NewString(), UserIDs: [2]string{a, b}, QuestionID: uuid.NewString()})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	target.Join(t, id, a)
	if s, err := c.Session(ctx(t), id); err != nil || !slices.Equal(s.JoinedUserIDs, []string{a}) {
		t.Fatalf("after a joined: %+v %v, want joined_user_ids [a]", s, err)
	}
	_, err = c.NoShow(ctx(t), id, []string{a})
	wantStatus(t, "no-show of a participant who joined", err, http.StatusConflict)
	for range 2 {
		s, err := c.NoShow(ctx(t), id, []string{b})
		if err != nil || s.Status != internalapi.StatusEnded || s.EndReason != internalapi.EndNoShow || s.ID != id {
			t.Fatalf("no-show of b: %+v %v", s, err)
		}
	}
	if _, err := c.CurrentSession(ctx(t), a); !errors.Is(err, internalapi.ErrNotFound) {
		t.Errorf("current session after a no-show: %v, want ErrNotFound", err)
	}
	_, err = c.NoShow(ctx(t), id, []string{uuid.NewString()})
	wantStatus(t, "no-show of a stranger", err, http.StatusBadRequest)
	if _, err := c.NoShow(ctx(t), uuid.NewString(), []string{a}); !errors.Is(err, internalapi.ErrNotFound) {
		t.Errorf("no-show of an unknown session: %v, want ErrNotFound", err)
	}
	_, err = stranger.NoShow(ctx(t), id, []string{b})
	wantStatus(t, "no-show without the internal token", err, http.StatusUnauthorized)
}

// noShows: a no-show is counted once per session and user.
func noShows(t *testing.T, c, stranger *internalapi.Client) {
	sid, user := uuid.NewString(), uuid.NewString()
	if created, err := c.RecordNoShow(ctx(t), sid, user); err != nil || !created {
		t.Fatalf("record no-show: created %v, %v", created, err)
	}
	if created, err := c.RecordNoShow(ctx(t), sid, user); err != nil || created {
		t.Fatalf("record no-show again: created %v, %v (want 200, not created)", created, err)
	}
	_, err := c.RecordNoShow(ctx(t), "not-a-uuid", user)
	wantStatus(t, "no-show of a bad session id", err, http.StatusBadRequest)
	_, err = stranger.RecordNoShow(ctx(t), uuid.NewString(), user)
	wantStatus(t, "no-show without the internal token", err, http.StatusUnauthorized)
}
