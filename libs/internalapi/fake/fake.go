// Package fake serves every internal route of docs/internal-apis.md from
// memory, for tests and load tests: user-service's users, question-service's
// topics and questions, history-service's attempts and
// collaboration-service's sessions. It honours the contract the way the
// real services do (the internal token is required, attempts and sessions
// are idempotent, a random question honours difficulty, topic and exclude
// and is 404 when nothing is left), which the contract package checks
// against both the services and this fake. One Server stands in for all
// four services; Env points a service under test at it.
package fake

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi"
)

// Server is the fake. Create it with New (then serve it) or Start.
type Server struct {
	// URL is set by Start.
	URL   string
	Token string

	// AnyUser makes every UUID a user named Username(id), unless deleted;
	// otherwise only users added with SetUser exist.
	AnyUser atomic.Bool
	// SessionHook, when set, runs before a session is created; a non-zero
	// status is answered instead. It may block (honour r.Context()).
	SessionHook atomic.Pointer[func(r *http.Request) int]

	mu        sync.Mutex
	users     map[string]internalapi.User
	deleted   map[string]bool
	questions map[string]internalapi.Question
	tests     map[string]internalapi.QuestionTests // by question id, set with SetTests
	anyQ      *internalapi.Question                // answers unknown ids when set
	goneQ     map[string]bool
	attempted map[string][]string // set with SetAttempted
	attempts  map[string]map[string]any
	posts     int
	failPosts int
	sessions  map[string]*internalapi.Session // by id
	byMatch   map[string]Created              // by match id
	noShows   map[string]bool                 // "session/user" counted by history
	down      map[string]int                  // service → status answered instead
	calls     map[string]int
	jwks      *auth.JWKS
}

// New returns a fake requiring token on every internal call.
func New(token string) *Server {
	return &Server{Token: token, users: map[string]internalapi.User{}, deleted: map[string]bool{},
		questions: map[string]internalapi.Question{}, tests: map[string]internalapi.QuestionTests{}, goneQ: map[string]bool{}, attempted: map[string][]string{},
		attempts: map[string]map[string]any{}, sessions: map[string]*internalapi.Session{},
		byMatch: map[string]Created{}, noShows: map[string]bool{}, down: map[string]int{}, calls: map[string]int{}}
}

// Start serves a new fake until t ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := New(token)
	s.Serve(t)
	return s
}

// Cleaner is the part of testing.TB Serve needs.
type Cleaner interface{ Cleanup(func()) }

// Serve serves s on a test server, closed on t's cleanup, and sets URL.
func (s *Server) Serve(t Cleaner) string {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return srv.URL
}

// Env points a service's discovery client at the fake for every service.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"QUESTION_SERVICE_URL": s.URL, "HISTORY_SERVICE_URL": s.URL,
		"COLLABORATION_SERVICE_URL": s.URL, "USER_SERVICE_URL": s.URL,
	}
}

// Username is the username AnyUser gives a user id.
func Username(userID string) string { return "user_" + strings.ReplaceAll(userID, "-", "")[:8] }

// SetUser makes user-service know id as username; "" deletes the user.
func (s *Server) SetUser(id, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if username == "" {
		delete(s.users, id)
		s.deleted[id] = true
		return
	}
	delete(s.deleted, id)
	s.users[id] = internalapi.User{ID: id, Username: username, DisplayName: username, Email: username + "@example.com", Role: "user"}
}

// DeleteUser makes user-service answer 404 for id.
func (s *Server) DeleteUser(id string) { s.SetUser(id, "") }

// AddQuestion makes question-service know q. Fields not among the typed
// ones (e.g. "hints") are answered as given in q.Fields.
func (s *Server) AddQuestion(q internalapi.Question) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.questions[q.ID] = q
}

// RemoveQuestion makes question-service answer 404 for id.
func (s *Server) RemoveQuestion(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.questions, id)
	s.goneQ[id] = true
}

// SetTests gives question id test cases: its internal tests route answers
// them, and its reads carry the signature, the mode and the visible cases
// as sample_cases, as question-service's do.
func (s *Server) SetTests(id string, t internalapi.QuestionTests) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.QuestionID = id
	s.tests[id] = t
}

// SampleTests are the tests SeedBank gives each question: two visible
// cases and one hidden.
func SampleTests() internalapi.QuestionTests {
	c := func(in, out string, hidden bool) internalapi.TestCase {
		return internalapi.TestCase{Input: json.RawMessage(in), Expected: json.RawMessage(out), Hidden: hidden}
	}
	return internalapi.QuestionTests{Signature: "twoSum(nums int[], target int) int[]", Compare: "unordered", Cases: []internalapi.TestCase{
		c(`[[2,7,11,15],9]`, `[0,1]`, false), c(`[[3,2,4],6]`, `[1,2]`, false), c(`[[3,3],6]`, `[0,1]`, true),
	}}
}

// SetAnyQuestion makes question-service answer q, with the id asked for,
// for every id it does not know (except removed ones). Random draws
// ignore it.
func (s *Server) SetAnyQuestion(q internalapi.Question) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.anyQ = &q
}

// QuestionsPer is how many questions SeedBank gives each topic and difficulty.
const QuestionsPer = 3

// QuestionID is the id of SeedBank's i-th question of (topic, difficulty).
func QuestionID(topic, difficulty string, i int) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("question/"+topic+"/"+difficulty+"/"+string(rune('0'+i)))).String()
}

// SeedBank adds QuestionsPer questions, each with SampleTests, for every
// topic and difficulty, except the ones named in empty ("topic/difficulty").
func (s *Server) SeedBank(empty ...string) {
	for _, tp := range internalapi.Topics {
		for _, d := range internalapi.Difficulties {
			if slices.Contains(empty, tp+"/"+d) {
				continue
			}
			for i := range QuestionsPer {
				id := QuestionID(tp, d, i)
				s.AddQuestion(internalapi.Question{ID: id, Slug: "q-" + id[:8], Title: "Question " + id[:8],
					Difficulty: d, Topics: []string{tp}, Description: "…"})
				s.SetTests(id, SampleTests())
			}
		}
	}
}

// Question returns a question the fake knows.
func (s *Server) Question(id string) (internalapi.Question, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.questions[id]
	return q, ok
}

// SetAttempted records the questions a user attempted (besides the
// attempts recorded through the fake).
func (s *Server) SetAttempted(userID string, ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempted[userID] = ids
}

// Attempts returns the attempts recorded, as posted, by
// "session/user[/question when a role was sent]", and how many posts came.
func (s *Server) Attempts() (map[string]map[string]any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.attempts), s.posts
}

// FailAttempts makes the next n attempt posts answer 503.
func (s *Server) FailAttempts(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPosts = n
}

// AddSession makes collaboration-service know sess (replacing its earlier
// state). Missing lists, status and mode are filled in.
func (s *Server) AddSession(sess internalapi.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess.LeftUserIDs == nil {
		sess.LeftUserIDs = []string{}
	}
	if sess.JoinedUserIDs == nil {
		sess.JoinedUserIDs = []string{}
	}
	if sess.Status == "" {
		sess.Status = internalapi.StatusActive
	}
	if sess.Mode == "" {
		sess.Mode = internalapi.ModePractise
	}
	if sess.CreatedAt == "" {
		sess.CreatedAt = time.Now().UTC().Format(time.RFC3339)
	}
	s.sessions[sess.ID] = &sess
}

// Created is a session created through the fake: its id and the request
// as it was sent (Language "" when none was asked for).
type Created struct {
	ID string
	internalapi.NewSession
}

// Sessions returns the sessions created through the fake, by match id.
func (s *Server) Sessions() map[string]Created {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.byMatch)
}

// Leave makes userID leave every session they are in.
func (s *Server) Leave(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		if slices.Contains(sess.UserIDs[:], userID) && !slices.Contains(sess.LeftUserIDs, userID) {
			sess.LeftUserIDs = append(sess.LeftUserIDs, userID)
		}
	}
}

// Join makes userID have opened session id's socket (joined_user_ids).
func (s *Server) Join(id, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[id]; ok && !slices.Contains(sess.JoinedUserIDs, userID) {
		sess.JoinedUserIDs = append(sess.JoinedUserIDs, userID)
	}
}

// Session returns the state of session id.
func (s *Server) Session(id string) (internalapi.Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return internalapi.Session{}, false
	}
	out := *sess
	out.JoinedUserIDs = slices.Clone(sess.JoinedUserIDs)
	out.LeftUserIDs = slices.Clone(sess.LeftUserIDs)
	return out, true
}

// NoShows returns the no-shows history counted, as "session/user".
func (s *Server) NoShows() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Collect(maps.Keys(s.noShows))
	slices.Sort(out)
	return out
}

// SetDown makes service answer status to everything (0: up again).
func (s *Server) SetDown(service string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[service] = status
}

// Calls is how many requests service got, refused ones included.
func (s *Server) Calls(service string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[service]
}

// ServeJWKS makes user-service publish set at its JWKS path.
func (s *Server) ServeJWKS(set auth.JWKS) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jwks = &set
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == auth.JWKSPath {
		s.mu.Lock()
		set := s.jwks
		s.mu.Unlock()
		if set == nil {
			writeError(w, http.StatusNotFound, "not_found", "no keys")
			return
		}
		writeJSON(w, http.StatusOK, set)
		return
	}
	service, h := s.route(r)
	if h == nil {
		writeError(w, http.StatusNotFound, "not_found", "no such route")
		return
	}
	s.mu.Lock()
	s.calls[service]++
	down := s.down[service]
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		writeError(w, http.StatusUnauthorized, "unauthenticated", "the internal service token is required")
		return
	}
	if down != 0 {
		writeError(w, down, "unavailable", service+" is down")
		return
	}
	h(w, r)
}

// route finds the service and handler of r; nil for no route.
func (s *Server) route(r *http.Request) (string, http.HandlerFunc) {
	p, get := r.URL.Path, r.Method == http.MethodGet
	switch {
	case get && strings.HasPrefix(p, internalapi.UserPrefix+"/internal/users/"):
		return internalapi.UserService, s.user
	case get && p == internalapi.QuestionPrefix+"/topics":
		return internalapi.QuestionService, s.topics
	case get && p == internalapi.QuestionPrefix+"/questions/random":
		return internalapi.QuestionService, s.random
	case get && strings.HasPrefix(p, internalapi.QuestionPrefix+"/questions/"):
		return internalapi.QuestionService, s.question
	case get && strings.HasPrefix(p, internalapi.QuestionPrefix+"/internal/questions/") && strings.HasSuffix(p, "/tests"):
		return internalapi.QuestionService, s.questionTests
	case r.Method == http.MethodPost && p == internalapi.AttemptsPath:
		return internalapi.HistoryService, s.recordAttempt
	case get && strings.HasPrefix(p, internalapi.HistoryPrefix+"/internal/users/") && strings.HasSuffix(p, "/attempted-question-ids"):
		return internalapi.HistoryService, s.attemptedIDs
	case get && p == internalapi.HistoryPrefix+"/internal/attempted-question-ids":
		return internalapi.HistoryService, s.attemptedIDsOf
	case r.Method == http.MethodPost && p == internalapi.NoShowsPath:
		return internalapi.HistoryService, s.recordNoShow
	case r.Method == http.MethodPost && strings.HasPrefix(p, internalapi.SessionsPath+"/") && strings.HasSuffix(p, "/no-show"):
		return internalapi.CollaborationService, s.noShow
	case r.Method == http.MethodPost && p == internalapi.SessionsPath:
		return internalapi.CollaborationService, s.createSession
	case get && strings.HasPrefix(p, internalapi.SessionsPath+"/"):
		return internalapi.CollaborationService, s.session
	case get && strings.HasPrefix(p, internalapi.CollaborationPrefix+"/internal/users/") && strings.HasSuffix(p, "/current-session"):
		return internalapi.CollaborationService, s.currentSession
	}
	return "", nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, msg string, details ...fieldError) {
	e := map[string]any{"code": code, "message": msg}
	if len(details) > 0 {
		e["details"] = details
	}
	writeJSON(w, status, map[string]any{"error": e, "request_id": "fake"})
}

func invalid(w http.ResponseWriter, field, msg string) {
	writeError(w, http.StatusBadRequest, "validation_failed", "the request is invalid", fieldError{field, msg})
}

// pathID is the path segment after prefix, up to the next slash.
func pathID(r *http.Request, prefix string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, prefix), "/")
	return id
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	id := pathID(r, internalapi.UserPrefix+"/internal/users/")
	s.mu.Lock()
	u, known := s.users[id]
	deleted := s.deleted[id]
	s.mu.Unlock()
	if !known && !deleted && s.AnyUser.Load() && uuid.Validate(id) == nil {
		name := Username(id)
		u, known = internalapi.User{ID: id, Username: name, DisplayName: name, Email: name + "@example.com", Role: "user"}, true
	}
	if !known || deleted {
		writeError(w, http.StatusNotFound, "not_found", "user not found")
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) topics(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	counts := map[string]map[string]int{}
	for _, q := range s.questions {
		for _, tp := range q.Topics {
			if counts[tp] == nil {
				counts[tp] = map[string]int{}
			}
			counts[tp][q.Difficulty]++
		}
	}
	s.mu.Unlock()
	out := make([]internalapi.Topic, 0, len(internalapi.Topics))
	for _, tp := range internalapi.Topics {
		t := internalapi.Topic{Slug: tp, Name: tp, ByDifficulty: map[string]int{}}
		for _, d := range internalapi.Difficulties {
			t.ByDifficulty[d] = counts[tp][d]
			t.Count += counts[tp][d]
		}
		out = append(out, t)
	}
	writeJSON(w, http.StatusOK, out)
}

// questionBody is q as question-service answers it to the internal token;
// tests, when set, add what a read shows of them (never a hidden case).
func questionBody(q internalapi.Question, tests *internalapi.QuestionTests) map[string]any {
	out := map[string]any{}
	for k, v := range q.Fields {
		out[k] = v
	}
	if tests != nil {
		samples := []map[string]json.RawMessage{}
		for _, c := range tests.Cases {
			if !c.Hidden {
				samples = append(samples, map[string]json.RawMessage{"input": c.Input, "expected": c.Expected})
			}
		}
		out["signature"], out["compare"], out["sample_cases"] = tests.Signature, tests.Compare, samples
	}
	if q.Topics == nil {
		q.Topics = []string{}
	}
	if q.InterviewerNotes == nil {
		q.InterviewerNotes = []string{}
	}
	out["id"], out["slug"], out["title"], out["difficulty"] = q.ID, q.Slug, q.Title, q.Difficulty
	out["topics"], out["description"], out["interviewer_notes"] = q.Topics, q.Description, q.InterviewerNotes
	return out
}

func (s *Server) question(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	q, ok := s.find(pathID(r, internalapi.QuestionPrefix+"/questions/"))
	tests := s.testsOf(q.ID)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "question not found")
		return
	}
	writeJSON(w, http.StatusOK, questionBody(q, tests))
}

// find returns the question id (or slug) names. Hold s.mu.
func (s *Server) find(id string) (internalapi.Question, bool) {
	if q, ok := s.questions[id]; ok {
		return q, true
	}
	for _, q := range s.questions {
		if q.Slug != "" && q.Slug == id {
			return q, true
		}
	}
	if s.anyQ != nil && !s.goneQ[id] {
		q := *s.anyQ
		q.ID = id
		return q, true
	}
	return internalapi.Question{}, false
}

// testsOf returns the tests set for question id, or nil. Hold s.mu.
func (s *Server) testsOf(id string) *internalapi.QuestionTests {
	if t, ok := s.tests[id]; ok {
		return &t
	}
	return nil
}

// questionTests serves the internal tests route: a known question
// without tests has none.
func (s *Server) questionTests(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	q, ok := s.find(pathID(r, internalapi.QuestionPrefix+"/internal/questions/"))
	tests := s.testsOf(q.ID)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "question not found")
		return
	}
	out := internalapi.QuestionTests{QuestionID: q.ID, Compare: "exact", Cases: []internalapi.TestCase{}}
	if tests != nil && tests.Signature != "" && len(tests.Cases) > 0 {
		out.Signature, out.Compare, out.Cases = tests.Signature, tests.Compare, tests.Cases
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) random(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	d, tp := v.Get("difficulty"), v.Get("topic")
	if d != "" && !internalapi.IsDifficulty(d) {
		invalid(w, "difficulty", "must be one of: "+strings.Join(internalapi.Difficulties, ", "))
		return
	}
	if tp != "" && !slices.Contains(internalapi.Topics, tp) {
		invalid(w, "topic", "is not a known topic")
		return
	}
	var exclude []string
	if e := v.Get("exclude"); e != "" {
		exclude = strings.Split(e, ",")
	}
	s.mu.Lock()
	var pool []internalapi.Question
	for _, q := range s.questions {
		if (d == "" || q.Difficulty == d) && (tp == "" || slices.Contains(q.Topics, tp)) && !slices.Contains(exclude, q.ID) {
			pool = append(pool, q)
		}
	}
	s.mu.Unlock()
	if len(pool) == 0 {
		writeError(w, http.StatusNotFound, "not_found", "no question matches")
		return
	}
	pick := pool[rand.N(len(pool))]
	s.mu.Lock()
	tests := s.testsOf(pick.ID)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, questionBody(pick, tests))
}

func (s *Server) recordAttempt(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body is not a JSON object")
		return
	}
	var a internalapi.Attempt
	raw, _ := json.Marshal(body)
	_ = json.Unmarshal(raw, &a)
	for _, f := range []struct{ name, v string }{{"session_id", a.SessionID}, {"user_id", a.UserID}, {"partner_id", a.PartnerID}, {"question_id", a.QuestionID}} {
		if uuid.Validate(f.v) != nil {
			invalid(w, f.name, "must be a UUID")
			return
		}
	}
	if role, ok := body["role"]; ok && role != nil && role != internalapi.RoleInterviewer && role != internalapi.RoleCandidate {
		invalid(w, "role", "must be interviewer or candidate")
		return
	}
	if !internalapi.IsLanguage(a.Language) {
		invalid(w, "language", "must be one of: "+strings.Join(internalapi.Languages, ", "))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	if s.failPosts > 0 {
		s.failPosts--
		writeError(w, http.StatusServiceUnavailable, "unavailable", "failing on purpose")
		return
	}
	key := a.SessionID + "/" + a.UserID
	if body["role"] != nil { // a mock interview: one attempt per question
		key += "/" + a.QuestionID
	}
	status := http.StatusCreated
	if _, dup := s.attempts[key]; dup {
		status = http.StatusOK
	} else {
		s.attempts[key] = body
	}
	writeJSON(w, status, map[string]string{"id": uuid.NewSHA1(uuid.NameSpaceURL, []byte(key)).String()})
}

func (s *Server) attemptedIDs(w http.ResponseWriter, r *http.Request) {
	id := pathID(r, internalapi.HistoryPrefix+"/internal/users/")
	if uuid.Validate(id) != nil {
		invalid(w, "id", "must be a UUID")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"question_ids": s.attemptedBy(nil, id)})
}

func (s *Server) attemptedIDsOf(w http.ResponseWriter, r *http.Request) {
	users := r.URL.Query()["user_id"]
	if len(users) == 0 || len(users) > internalapi.MaxAttemptedUsers {
		invalid(w, "user_id", "one to ten user ids")
		return
	}
	ids := []string{}
	for _, id := range users {
		if uuid.Validate(id) != nil {
			invalid(w, "user_id", "must be a UUID")
			return
		}
		ids = s.attemptedBy(ids, id)
	}
	writeJSON(w, http.StatusOK, map[string]any{"question_ids": ids})
}

// attemptedBy appends the questions user attempted that ids lacks.
func (s *Server) attemptedBy(ids []string, user string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ids == nil {
		ids = []string{}
	}
	for _, q := range s.attempted[user] {
		if !slices.Contains(ids, q) {
			ids = append(ids, q)
		}
	}
	for _, a := range s.attempts {
		if q, _ := a["question_id"].(string); a["user_id"] == user && !slices.Contains(ids, q) {
			ids = append(ids, q)
		}
	}
	return ids
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MatchID       string   `json:"match_id"`
		UserIDs       []string `json:"user_ids"`
		QuestionID    string   `json:"question_id"`
		Language      string   `json:"language"`
		Mode          string   `json:"mode"`
		InterviewerID string   `json:"interviewer_id"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	switch err := dec.Decode(&in); {
	case err != nil:
		writeError(w, http.StatusBadRequest, "invalid_request", "the body is not a session request")
		return
	case uuid.Validate(in.MatchID) != nil:
		invalid(w, "match_id", "must be a UUID")
		return
	case len(in.UserIDs) != 2 || in.UserIDs[0] == in.UserIDs[1]:
		invalid(w, "user_ids", "must be two different users")
		return
	case in.QuestionID == "":
		invalid(w, "question_id", "is required")
		return
	case in.Language != "" && !internalapi.IsLanguage(in.Language):
		invalid(w, "language", "must be one of: "+strings.Join(internalapi.Languages, ", "))
		return
	case in.Mode != "" && in.Mode != internalapi.ModePractise && in.Mode != internalapi.ModeMock:
		invalid(w, "mode", "must be practise or mock")
		return
	case (in.Mode == internalapi.ModeMock) != (in.InterviewerID != ""),
		in.InterviewerID != "" && !slices.Contains(in.UserIDs, in.InterviewerID):
		invalid(w, "interviewer_id", "a mock interview needs one of user_ids, a practise session none")
		return
	}
	if hook := s.SessionHook.Load(); hook != nil {
		if st := (*hook)(r); st != 0 {
			writeError(w, st, "unavailable", "session hook")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.byMatch[in.MatchID]; ok {
		writeJSON(w, http.StatusOK, map[string]string{"session_id": prev.ID})
		return
	}
	asked := internalapi.NewSession{MatchID: in.MatchID, UserIDs: [2]string(in.UserIDs), QuestionID: in.QuestionID,
		Language: in.Language, Mode: in.Mode, InterviewerID: in.InterviewerID}
	if in.Language == "" {
		in.Language = internalapi.DefaultLanguage
	}
	if in.Mode == "" {
		in.Mode = internalapi.ModePractise
	}
	sess := &internalapi.Session{ID: uuid.NewString(), UserIDs: [2]string(in.UserIDs), QuestionID: in.QuestionID, Language: in.Language,
		Status: internalapi.StatusActive, CreatedAt: time.Now().UTC().Format(time.RFC3339Nano), Mode: in.Mode,
		InterviewerID: in.InterviewerID, LeftUserIDs: []string{}, JoinedUserIDs: []string{}}
	s.sessions[sess.ID], s.byMatch[in.MatchID] = sess, Created{ID: sess.ID, NewSession: asked}
	writeJSON(w, http.StatusCreated, map[string]string{"session_id": sess.ID})
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	id := pathID(r, internalapi.SessionsPath+"/")
	s.mu.Lock()
	sess, ok := s.sessions[id]
	var out internalapi.Session
	if ok {
		out = *sess
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "session not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// currentSession answers the active session the user is in and has not
// left, or 404.
func (s *Server) currentSession(w http.ResponseWriter, r *http.Request) {
	id := pathID(r, internalapi.CollaborationPrefix+"/internal/users/")
	if uuid.Validate(id) != nil {
		invalid(w, "id", "must be a UUID")
		return
	}
	s.mu.Lock()
	var cur *internalapi.Session
	for _, sess := range s.sessions {
		if sess.Status == internalapi.StatusActive && slices.Contains(sess.UserIDs[:], id) && !slices.Contains(sess.LeftUserIDs, id) &&
			(cur == nil || sess.CreatedAt > cur.CreatedAt) {
			cur = sess
		}
	}
	var out internalapi.Session
	if cur != nil {
		out = *cur
	}
	s.mu.Unlock()
	if cur == nil {
		writeError(w, http.StatusNotFound, "not_found", "no current session")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) recordNoShow(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SessionID string `json:"session_id"`
		UserID    string `json:"user_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body is not a JSON object")
		return
	}
	for _, f := range []struct{ name, v string }{{"session_id", in.SessionID}, {"user_id", in.UserID}} {
		if uuid.Validate(f.v) != nil {
			invalid(w, f.name, "must be a UUID")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, status := in.SessionID+"/"+in.UserID, http.StatusCreated
	if s.noShows[key] {
		status = http.StatusOK
	}
	s.noShows[key] = true
	writeJSON(w, status, map[string]string{"session_id": in.SessionID, "user_id": in.UserID})
}

// noShow ends an active session whose absent participants never joined.
func (s *Server) noShow(w http.ResponseWriter, r *http.Request) {
	id := pathID(r, internalapi.SessionsPath+"/")
	var in struct {
		AbsentUserIDs []string `json:"absent_user_ids"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body is not a JSON object")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "session not found")
		return
	}
	if len(in.AbsentUserIDs) == 0 || len(in.AbsentUserIDs) > 2 {
		invalid(w, "absent_user_ids", "must name one or both participants")
		return
	}
	for _, u := range in.AbsentUserIDs {
		if !slices.Contains(sess.UserIDs[:], u) {
			invalid(w, "absent_user_ids", "must be a participant")
			return
		}
	}
	switch {
	case sess.Status == internalapi.StatusEnded && sess.EndReason == internalapi.EndNoShow:
	case sess.Status == internalapi.StatusEnded || slices.ContainsFunc(in.AbsentUserIDs, func(u string) bool { return slices.Contains(sess.JoinedUserIDs, u) }):
		writeError(w, http.StatusConflict, "conflict", "the participant joined the session, or it ended otherwise")
		return
	default:
		now := time.Now().UTC().Format(time.RFC3339Nano)
		sess.Status, sess.EndReason, sess.EndedAt = internalapi.StatusEnded, internalapi.EndNoShow, &now
	}
	writeJSON(w, http.StatusOK, *sess)
}
