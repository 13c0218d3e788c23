package httpapi

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
	"github.com/peerprep/peerprep/services/history/internal/peers"
	"github.com/peerprep/peerprep/services/history/internal/postgres/postgrestest"
)

const internalToken = "test-internal-token-0123456789"

// env is the real router, service and store on a fresh database, with
// stand-ins for question-service and user-service.
type env struct {
	t      testing.TB
	h      http.Handler
	svc    *attempt.Service
	db     *postgrestest.DB
	peers  *fake.Server
	signer *auth.Signer
	// A question question-service knows.
	question internalapi.Question
	// skew moves the feedback service's clock forward (edit window tests).
	skew *atomic.Int64
	// build makes another replica (see replica).
	build func() (http.Handler, *attempt.Service)
}

type envOptions struct {
	questionURL string // overrides the stand-in's URL (e.g. a closed port)
	retryBase   time.Duration
}

func newEnv(t testing.TB, opts ...envOptions) *env {
	t.Helper()
	var o envOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(priv, nil)
	verifier := auth.NewVerifier(auth.StaticKeys{signer.KeyID(): auth.Public(priv)}, nil)

	p := fake.New(internalToken)
	url := p.Serve(t)
	questionURL := url
	if o.questionURL != "" {
		questionURL = o.questionURL
	}
	q := internalapi.Question{ID: uuid.NewString(), Slug: "two-sum", Title: "Two Sum", Difficulty: "easy", Topics: []string{"array", "hash-table"}}
	p.AddQuestion(q)

	vars := map[string]string{"QUESTION_SERVICE_URL": questionURL, "USER_SERVICE_URL": url, "COLLABORATION_SERVICE_URL": url}
	disc := discovery.New(discovery.Options{Getenv: func(k string) string { return vars[k] }, InternalToken: internalToken})
	db := postgrestest.New(t)
	skew := new(atomic.Int64)
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	// build is one replica: its own service and router over the shared database.
	build := func() (http.Handler, *attempt.Service) {
		svc := attempt.NewService(db.Store(), peers.NewQuestions(disc), peers.NewUsers(disc, peers.UsersOptions{}),
			attempt.Options{RetryBase: o.retryBase, QuestionTimeout: 2 * time.Second})
		srv := server.New(server.Options{Service: "history-service", Prefix: Prefix, MapError: MapError})
		Routes(srv.Echo, svc, verifier, internalToken)
		fb := feedback.NewService(db.FeedbackStore(), peers.NewSessions(disc), peers.NewUsers(disc, peers.UsersOptions{}), feedback.Options{Now: now})
		FeedbackRoutes(srv.Echo, fb, verifier)
		NotesRoutes(srv.Echo, feedback.NewNotesService(db.FeedbackStore(), peers.NewSessions(disc), feedback.Options{Now: now}), verifier)
		return srv.Echo, svc
	}
	h, svc := build()
	return &env{t: t, h: h, svc: svc, db: db, peers: p, signer: signer, question: q, skew: skew, build: build}
}

// replica returns a copy of e served by another replica over the same
// database and stand-ins.
func (e *env) replica() *env {
	c := *e
	c.h, c.svc = e.build()
	return &c
}

// user makes a user with a username in user-service and returns their
// id and a bearer token.
func (e *env) user(name string) (uuid.UUID, string) {
	e.t.Helper()
	id := uuid.New()
	e.peers.SetUser(id.String(), name)
	tok, _, err := e.signer.Sign(id.String(), auth.RoleUser, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return id, tok
}

// response is one answer of the API.
type response = apitest.Response

// fields are the fields named in an error's details.
func fields(r response) []string {
	var f []string
	for _, d := range r.Err().Details {
		f = append(f, d.Field)
	}
	return f
}

// do sends a request (see apitest.NewRequest); token "" sends none.
func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	return e.send(e.t, method, path, token, body)
}

// send is do reporting to t (inside a fuzz target, the target's t).
func (e *env) send(t testing.TB, method, path, token string, body any) response {
	t.Helper()
	if s, ok := body.(string); ok {
		body = []byte(s) // sent as it is, even when empty
	}
	return apitest.Serve(t, e.h, method, path, token, body)
}

// attemptBody is a valid POST /internal/attempts body for user with partner.
func (e *env) attemptBody(user, partner uuid.UUID, ended time.Time) map[string]any {
	return map[string]any{
		"session_id": uuid.NewString(), "user_id": user.String(), "partner_id": partner.String(),
		"question_id": e.question.ID, "language": "python", "code": "print('hi')",
		"started_at": ended.Add(-20 * time.Minute).Format(time.RFC3339), "ended_at": ended.Format(time.RFC3339),
	}
}

// record posts body and requires status.
func (e *env) record(body map[string]any, status int) attemptJSON {
	e.t.Helper()
	r := e.do(http.MethodPost, Prefix+"/internal/attempts", internalToken, body)
	if r.Status != status {
		e.t.Fatalf("record: status %d, want %d: %s", r.Status, status, r.Raw)
	}
	var a attemptJSON
	r.Decode(e.t, &a)
	return a
}

// attemptJSON is an attempt as the API answers it.
type attemptJSON struct {
	ID        string `json:"id"`
	SessionID string `json:"session_id"`
	UserID    string `json:"user_id"`
	PartnerID string `json:"partner_id"`
	Partner   *struct {
		ID       string  `json:"id"`
		Username *string `json:"username"`
	} `json:"partner"`
	Question struct {
		ID         string   `json:"id"`
		Title      *string  `json:"title"`
		Slug       *string  `json:"slug"`
		Difficulty *string  `json:"difficulty"`
		Topics     []string `json:"topics"`
		Snapshot   string   `json:"snapshot"`
	} `json:"question"`
	Language        string    `json:"language"`
	Code            string    `json:"code"`
	StartedAt       time.Time `json:"started_at"`
	EndedAt         time.Time `json:"ended_at"`
	DurationSeconds int64     `json:"duration_seconds"`
	Role            *string   `json:"role"`
}

func (e *env) count(where string, args ...any) int {
	e.t.Helper()
	return e.db.CountAttempts(where, args...)
}
