// Package peerstest runs stand-ins for question-service, user-service and
// collaboration-service that honour the parts of their contracts
// history-service uses, for tests and local load tests.
package peerstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/auth"
)

// Question is what the question-service stand-in answers.
type Question struct {
	ID          string   `json:"id"`
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Difficulty  string   `json:"difficulty"`
	Topics      []string `json:"topics"`
	Description string   `json:"description"`
}

// Session is what the collaboration-service stand-in answers.
type Session struct {
	ID          string    `json:"id"`
	UserIDs     [2]string `json:"user_ids"`
	QuestionID  string    `json:"question_id"`
	Language    string    `json:"language"`
	Status      string    `json:"status"` // active or ended
	LeftUserIDs []string  `json:"left_user_ids"`
}

// Peers is the stand-ins behind one handler. The zero value is not
// usable; call New.
type Peers struct {
	token string

	// Down makes every answer 503, as an unhealthy service would give.
	QuestionsDown atomic.Bool
	UsersDown     atomic.Bool
	// Calls count requests answered, down or not.
	QuestionCalls atomic.Int64
	UserCalls     atomic.Int64

	mu        sync.Mutex
	questions map[uuid.UUID]Question
	users     map[uuid.UUID]string
	sessions  map[uuid.UUID]Session
	jwks      *auth.JWKS
}

// New returns stand-ins that require internalToken on every call.
func New(internalToken string) *Peers {
	return &Peers{token: internalToken, questions: map[uuid.UUID]Question{}, users: map[uuid.UUID]string{}, sessions: map[uuid.UUID]Session{}}
}

// AddQuestion makes question-service know q.
func (p *Peers) AddQuestion(q Question) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.questions[uuid.MustParse(q.ID)] = q
}

// SetSession makes collaboration-service know s (replacing its earlier state).
func (p *Peers) SetSession(s Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.LeftUserIDs == nil {
		s.LeftUserIDs = []string{}
	}
	p.sessions[uuid.MustParse(s.ID)] = s
}

// SetUser makes user-service know id as username; "" deletes the user.
func (p *Peers) SetUser(id uuid.UUID, username string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if username == "" {
		delete(p.users, id)
		return
	}
	p.users[id] = username
}

// ServeJWKS makes user-service publish set at its JWKS path.
func (p *Peers) ServeJWKS(set auth.JWKS) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jwks = &set
}

// Cleaner is the part of testing.TB Start needs.
type Cleaner interface{ Cleanup(func()) }

// Start serves the stand-ins on a test server, closed on t's cleanup, and
// returns its URL, which works as both QUESTION_SERVICE_URL and
// USER_SERVICE_URL.
func (p *Peers) Start(t Cleaner) string {
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

const (
	questionPath = "/question-service-api/questions/"
	userPath     = "/user-service-api/internal/users/"
	sessionPath  = "/collaboration-service-api/internal/sessions/"
)

// ServeHTTP implements http.Handler.
func (p *Peers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed")
		return
	}
	if r.URL.Path == auth.JWKSPath {
		p.mu.Lock()
		set := p.jwks
		p.mu.Unlock()
		if set == nil {
			writeError(w, http.StatusNotFound, "not_found")
			return
		}
		writeJSON(w, http.StatusOK, set)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+p.token {
		writeError(w, http.StatusUnauthorized, "unauthenticated")
		return
	}
	switch {
	case strings.HasPrefix(r.URL.Path, questionPath):
		p.QuestionCalls.Add(1)
		if p.QuestionsDown.Load() {
			writeError(w, http.StatusServiceUnavailable, "unavailable")
			return
		}
		id, err := uuid.Parse(strings.TrimPrefix(r.URL.Path, questionPath))
		p.mu.Lock()
		q, ok := p.questions[id]
		p.mu.Unlock()
		if err != nil || !ok {
			writeError(w, http.StatusNotFound, "not_found")
			return
		}
		writeJSON(w, http.StatusOK, q)
	case strings.HasPrefix(r.URL.Path, userPath):
		p.UserCalls.Add(1)
		if p.UsersDown.Load() {
			writeError(w, http.StatusServiceUnavailable, "unavailable")
			return
		}
		id, err := uuid.Parse(strings.TrimPrefix(r.URL.Path, userPath))
		p.mu.Lock()
		name, ok := p.users[id]
		p.mu.Unlock()
		if err != nil || !ok {
			writeError(w, http.StatusNotFound, "not_found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{
			"id": id.String(), "username": name, "display_name": name, "email": name + "@example.com", "role": "user",
		})
	case strings.HasPrefix(r.URL.Path, sessionPath):
		id, err := uuid.Parse(strings.TrimPrefix(r.URL.Path, sessionPath))
		p.mu.Lock()
		s, ok := p.sessions[id]
		p.mu.Unlock()
		if err != nil || !ok {
			writeError(w, http.StatusNotFound, "not_found")
			return
		}
		writeJSON(w, http.StatusOK, s)
	default:
		writeError(w, http.StatusNotFound, "not_found")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": code}})
}
