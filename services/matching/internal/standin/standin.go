// Package standin serves, for tests and load tests, the routes of
// question-, history-, collaboration- and user-service that
// matching-service calls, as docs/internal-apis.md describes them: the
// internal token is required, collaboration sessions are idempotent on
// match_id, a random question honours difficulty, topic and exclude and is
// 404 when nothing is left.
package standin

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// Topics are the topic slugs of the contract.
var Topics = []string{"arrays", "strings", "hash-tables", "two-pointers", "sliding-window", "linked-lists",
	"stacks-queues", "trees", "graphs", "heaps", "binary-search", "dynamic-programming", "greedy",
	"backtracking", "bit-manipulation", "math"}

var difficulties = []string{"easy", "medium", "hard"}

// QuestionsPer is how many questions each topic has at each difficulty.
const QuestionsPer = 3

// QuestionID is the id of the i-th question of (topic, difficulty).
func QuestionID(topic, difficulty string, i int) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("question/"+topic+"/"+difficulty+"/"+string(rune('0'+i)))).String()
}

// Username is the username the stand-in gives a user id.
func Username(userID string) string { return "user_" + strings.ReplaceAll(userID, "-", "")[:8] }

// Session is one session created through the stand-in.
type Session struct {
	ID         string
	MatchID    string
	UserIDs    [2]string
	QuestionID string
	Language   string
	Mode       string // "" when not asked for (practise)
	// InterviewerID is the first interviewer of a mock interview.
	InterviewerID string
}

// Services is the running stand-in.
type Services struct {
	URL   string
	Token string

	questions  map[string]question // by id
	noTopicsAt map[string]bool     // "topic/difficulty" without questions

	mu        sync.Mutex
	attempted map[string][]string
	deleted   map[string]bool
	down      map[string]int // service → status answered instead
	sessions  map[string]Session
	left      map[string]bool // "session/user": the user left that session
	calls     map[string]int

	// SessionHook, when set, runs before a session is created; a non-zero
	// status is answered instead. It may block (honour r.Context()).
	SessionHook atomic.Pointer[func(r *http.Request) int]
}

type question struct {
	ID, Topic, Difficulty string
}

// New starts the stand-in; it stops when the test ends. Topics named in
// empty ("topic/difficulty") have no questions of that difficulty.
func New(t testing.TB, token string, empty ...string) *Services {
	t.Helper()
	s := &Services{
		Token: token, questions: map[string]question{}, noTopicsAt: map[string]bool{},
		attempted: map[string][]string{}, deleted: map[string]bool{}, down: map[string]int{},
		sessions: map[string]Session{}, left: map[string]bool{}, calls: map[string]int{},
	}
	for _, e := range empty {
		s.noTopicsAt[e] = true
	}
	for _, tp := range Topics {
		for _, d := range difficulties {
			if s.noTopicsAt[tp+"/"+d] {
				continue
			}
			for i := range QuestionsPer {
				id := QuestionID(tp, d, i)
				s.questions[id] = question{ID: id, Topic: tp, Difficulty: d}
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /question-service-api/topics", s.guard("question-service", s.topics))
	mux.HandleFunc("GET /question-service-api/questions/random", s.guard("question-service", s.random))
	mux.HandleFunc("GET /question-service-api/questions/{id}", s.guard("question-service", s.question))
	mux.HandleFunc("GET /history-service-api/internal/users/{id}/attempted-question-ids", s.guard("history-service", s.attemptedIDs))
	mux.HandleFunc("POST /collaboration-service-api/internal/sessions", s.guard("collaboration-service", s.createSession))
	mux.HandleFunc("GET /collaboration-service-api/internal/users/{id}/current-session", s.guard("collaboration-service", s.currentSession))
	mux.HandleFunc("GET /user-service-api/internal/users/{id}", s.guard("user-service", s.user))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Env points a matching-service at the stand-in.
func (s *Services) Env() map[string]string {
	return map[string]string{
		"QUESTION_SERVICE_URL": s.URL, "HISTORY_SERVICE_URL": s.URL,
		"COLLABORATION_SERVICE_URL": s.URL, "USER_SERVICE_URL": s.URL,
	}
}

// SetAttempted records the questions a user attempted.
func (s *Services) SetAttempted(userID string, ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempted[userID] = ids
}

// DeleteUser makes user-service answer 404 for the user.
func (s *Services) DeleteUser(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted[userID] = true
}

// SetDown makes a service answer status to everything (0: up again).
func (s *Services) SetDown(service string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[service] = status
}

// Sessions returns the sessions created, by match id.
func (s *Services) Sessions() map[string]Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Session, len(s.sessions))
	for k, v := range s.sessions {
		out[k] = v
	}
	return out
}

// Leave makes userID leave every session they are in, as the web app's
// "Leave session" does; until then they cannot queue again.
func (s *Services) Leave(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		if sess.UserIDs[0] == userID || sess.UserIDs[1] == userID {
			s.left[sess.ID+"/"+userID] = true
		}
	}
}

// Calls is how many requests a service got.
func (s *Services) Calls(service string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[service]
}

// Question returns the topic and difficulty of a question id.
func (s *Services) Question(id string) (topic, difficulty string, ok bool) {
	q, ok := s.questions[id]
	return q.Topic, q.Difficulty, ok
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}, "request_id": "standin"})
}

func (s *Services) guard(service string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[service]++
		down := s.down[service]
		s.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+s.Token {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "the internal service token is required")
			return
		}
		if down != 0 {
			writeError(w, down, "unavailable", "down")
			return
		}
		h(w, r)
	}
}

func (s *Services) topics(w http.ResponseWriter, _ *http.Request) {
	type topic struct {
		Slug         string         `json:"slug"`
		Name         string         `json:"name"`
		Count        int            `json:"count"`
		ByDifficulty map[string]int `json:"by_difficulty"`
	}
	out := make([]topic, 0, len(Topics))
	for _, tp := range Topics {
		by := map[string]int{}
		n := 0
		for _, d := range difficulties {
			if !s.noTopicsAt[tp+"/"+d] {
				by[d] = QuestionsPer
				n += QuestionsPer
			} else {
				by[d] = 0
			}
		}
		out = append(out, topic{Slug: tp, Name: tp, Count: n, ByDifficulty: by})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Services) random(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, tp := q.Get("difficulty"), q.Get("topic")
	if !slices.Contains(difficulties, d) || !slices.Contains(Topics, tp) {
		writeError(w, http.StatusBadRequest, "validation_failed", "bad difficulty or topic")
		return
	}
	var exclude []string
	if e := q.Get("exclude"); e != "" {
		exclude = strings.Split(e, ",")
	}
	var pool []string
	for i := range QuestionsPer {
		id := QuestionID(tp, d, i)
		if _, ok := s.questions[id]; ok && !slices.Contains(exclude, id) {
			pool = append(pool, id)
		}
	}
	if len(pool) == 0 {
		writeError(w, http.StatusNotFound, "not_found", "no question matches")
		return
	}
	id := pool[rand.N(len(pool))]
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "slug": "q-" + id[:8], "title": "Question " + id[:8],
		"difficulty": d, "topics": []string{tp}, "description": "…"})
}

func (s *Services) attemptedIDs(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if uuid.Validate(id) != nil {
		writeError(w, http.StatusBadRequest, "validation_failed", "id must be a UUID")
		return
	}
	s.mu.Lock()
	ids := append([]string{}, s.attempted[id]...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"question_ids": ids})
}

func (s *Services) createSession(w http.ResponseWriter, r *http.Request) {
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
	if err := dec.Decode(&in); err != nil || uuid.Validate(in.MatchID) != nil || len(in.UserIDs) != 2 ||
		in.UserIDs[0] == in.UserIDs[1] || in.QuestionID == "" ||
		(in.Language != "" && !slices.Contains([]string{"python", "javascript", "java", "cpp", "go"}, in.Language)) ||
		!slices.Contains([]string{"", "practise", "mock"}, in.Mode) ||
		(in.Mode == "mock") != slices.Contains(in.UserIDs, in.InterviewerID) {
		writeError(w, http.StatusBadRequest, "validation_failed", "bad session request")
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
	if prev, ok := s.sessions[in.MatchID]; ok {
		writeJSON(w, http.StatusOK, map[string]string{"session_id": prev.ID})
		return
	}
	sess := Session{ID: uuid.NewString(), MatchID: in.MatchID, UserIDs: [2]string{in.UserIDs[0], in.UserIDs[1]},
		QuestionID: in.QuestionID, Language: in.Language, Mode: in.Mode, InterviewerID: in.InterviewerID}
	s.sessions[in.MatchID] = sess
	writeJSON(w, http.StatusCreated, map[string]string{"session_id": sess.ID})
}

func (s *Services) user(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	deleted := s.deleted[id]
	s.mu.Unlock()
	if uuid.Validate(id) != nil || deleted {
		writeError(w, http.StatusNotFound, "not_found", "user not found")
		return
	}
	name := Username(id)
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "username": name, "display_name": name,
		"email": name + "@example.com", "role": "user"})
}

// currentSession answers the active session the user is in and has not
// left (the latest), or 404.
func (s *Services) currentSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if uuid.Validate(id) != nil {
		writeError(w, http.StatusBadRequest, "validation_failed", "id must be a UUID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur *Session
	for _, sess := range s.sessions {
		if (sess.UserIDs[0] == id || sess.UserIDs[1] == id) && !s.left[sess.ID+"/"+id] {
			cur = &sess
			break // a user is in at most one: matching refuses a second
		}
	}
	if cur == nil {
		writeError(w, http.StatusNotFound, "not_found", "no current session")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": cur.ID, "user_ids": cur.UserIDs, "question_id": cur.QuestionID,
		"language": cur.Language, "status": "active"})
}
