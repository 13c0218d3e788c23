package internalapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/discovery"
)

// ErrNotFound is a 404 answer: the thing asked for does not exist, as
// opposed to a failure to ask.
var ErrNotFound = errors.New("internalapi: not found")

// Error is any other non-2xx answer. It unwraps to the
// *discovery.StatusError of the answer.
type Error struct {
	Service string
	Status  int
	Body    []byte // the first 64 KiB of the answer
	// Permanent means the request itself is wrong, so retrying it cannot
	// help: a 4xx other than 404, 408 and 429, except where a method
	// documents its own rule.
	Permanent bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("internalapi: %s answered HTTP %d", e.Service, e.Status)
}

func (e *Error) Unwrap() error {
	return &discovery.StatusError{Service: e.Service, Status: e.Status, Body: e.Body}
}

// IsPermanent reports whether err is an *Error marked Permanent.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// StatusOf returns the HTTP status of err's answer, or 0 when no answer came.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	if errors.Is(err, ErrNotFound) {
		return http.StatusNotFound
	}
	return 0
}

// FieldsRefused lists the fields a 400 answer's validation details name.
func (e *Error) FieldsRefused() []string {
	var b struct {
		Error struct {
			Details []struct {
				Field string `json:"field"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(e.Body, &b) != nil {
		return nil
	}
	var out []string
	for _, d := range b.Error.Details {
		out = append(out, d.Field)
	}
	return out
}

func permanentStatus(s int) bool {
	return s >= 400 && s < 500 && s != http.StatusNotFound && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests
}

// Caller is the part of *discovery.Client the Client uses.
type Caller interface {
	Do(ctx context.Context, service string, req *http.Request) (*http.Response, error)
}

// Client calls the internal routes of docs/internal-apis.md through a
// discovery client (internal token, request id, deadlines, retries of
// idempotent requests).
type Client struct{ c Caller }

// New returns a Client over c, normally a *discovery.Client.
func New(c Caller) *Client { return &Client{c: c} }

const (
	maxBody      = 10 << 20
	maxErrorBody = 64 << 10
)

// call sends in (when non-nil) as JSON and decodes a 2xx answer into out
// (when non-nil and the body is not empty). A 404 is ErrNotFound when
// notFound is set, any other non-2xx an *Error. idemKey, when set, makes
// a POST retryable.
func (c *Client) call(ctx context.Context, method, service, path, idemKey string, notFound bool, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("internalapi: %s: encode request: %w", service, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, path, body)
	if err != nil {
		return 0, fmt.Errorf("internalapi: %s: %w", service, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.c.Do(ctx, service, req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody)) // best effort: the status is the error
		if notFound && resp.StatusCode == http.StatusNotFound {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", service, path, ErrNotFound)
		}
		return resp.StatusCode, &Error{Service: service, Status: resp.StatusCode, Body: b, Permanent: permanentStatus(resp.StatusCode)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("internalapi: %s: read response: %w", service, err)
	}
	if len(b) > maxBody {
		return resp.StatusCode, fmt.Errorf("internalapi: %s: response body larger than %d bytes", service, maxBody)
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return resp.StatusCode, fmt.Errorf("internalapi: %s: decode response: %w", service, err)
	}
	return resp.StatusCode, nil
}

func (c *Client) get(ctx context.Context, service, path string, out any) error {
	_, err := c.call(ctx, http.MethodGet, service, path, "", true, nil, out)
	return err
}

// User is user-service's answer about one user.
type User struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Role        string `json:"role"`
}

// UserPath is the internal route of user id.
func UserPath(id string) string { return UserPrefix + "/internal/users/" + url.PathEscape(id) }

// User returns user id; ErrNotFound for unknown or deleted users.
func (c *Client) User(ctx context.Context, id string) (User, error) {
	var u User
	err := c.get(ctx, UserService, UserPath(id), &u)
	return u, err
}

// Topic is one entry of question-service's topic list.
type Topic struct {
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	Count int    `json:"count"`
	// ByDifficulty counts questions per difficulty; nil when not reported.
	ByDifficulty map[string]int `json:"by_difficulty"`
}

// Topics lists question-service's topics.
func (c *Client) Topics(ctx context.Context) ([]Topic, error) {
	var out []Topic
	err := c.get(ctx, QuestionService, QuestionPrefix+"/topics", &out)
	return out, err
}

// Question is a full question as question-service answers it. Fields
// holds every field as answered, for callers that pass a question on.
type Question struct {
	ID          string   `json:"id"`
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Difficulty  string   `json:"difficulty"`
	Topics      []string `json:"topics"`
	Description string   `json:"description"`
	// InterviewerNotes is always a list with the internal token.
	InterviewerNotes []string `json:"interviewer_notes"`

	Fields map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps every field in Fields besides the typed ones.
func (q *Question) UnmarshalJSON(b []byte) error {
	type plain Question
	if err := json.Unmarshal(b, (*plain)(q)); err != nil {
		return err
	}
	return json.Unmarshal(b, &q.Fields)
}

// Question returns question id (or slug); ErrNotFound when unknown.
func (c *Client) Question(ctx context.Context, id string) (Question, error) {
	var q Question
	err := c.get(ctx, QuestionService, QuestionPrefix+"/questions/"+url.PathEscape(id), &q)
	return q, err
}

// TestCase is one case a solution is run against: the arguments (a JSON
// array, one value per parameter of the signature) and the answer.
type TestCase struct {
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected"`
	Hidden   bool            `json:"hidden"`
}

// QuestionTests is what solutions to a question are run against, hidden
// cases included: never pass it on to a user. Signature is "" and Cases
// empty when the question cannot be run. Compare is a libs/signature
// comparison mode.
type QuestionTests struct {
	QuestionID string     `json:"question_id"`
	Signature  string     `json:"signature"`
	Compare    string     `json:"compare"`
	Cases      []TestCase `json:"cases"`
}

// QuestionTestsPath is the internal route of question id's test cases.
func QuestionTestsPath(id string) string {
	return QuestionPrefix + "/internal/questions/" + url.PathEscape(id) + "/tests"
}

// QuestionTests returns every test case of question id (or slug), in
// order; ErrNotFound when the question is unknown.
func (c *Client) QuestionTests(ctx context.Context, id string) (QuestionTests, error) {
	var t QuestionTests
	err := c.get(ctx, QuestionService, QuestionTestsPath(id), &t)
	return t, err
}

// RandomQuery picks a random question.
type RandomQuery struct {
	Difficulty string
	Topic      string // "" for any
	Exclude    []string
}

// RandomQuestion returns a random question matching q; ErrNotFound when
// none does.
func (c *Client) RandomQuestion(ctx context.Context, q RandomQuery) (Question, error) {
	v := url.Values{"difficulty": {q.Difficulty}}
	if q.Topic != "" {
		v.Set("topic", q.Topic)
	}
	if len(q.Exclude) > 0 {
		v.Set("exclude", strings.Join(q.Exclude, ","))
	}
	var out Question
	err := c.get(ctx, QuestionService, QuestionPrefix+"/questions/random?"+v.Encode(), &out)
	return out, err
}

// Attempt is one person's attempt at one question of a session.
type Attempt struct {
	SessionID  string `json:"session_id"`
	UserID     string `json:"user_id"`
	PartnerID  string `json:"partner_id"`
	QuestionID string `json:"question_id"`
	Language   string `json:"language"`
	Code       string `json:"code"`
	StartedAt  string `json:"started_at"` // RFC 3339
	EndedAt    string `json:"ended_at"`
	// Role is left out outside mock interviews, as before roles existed.
	Role string `json:"role,omitempty"`
}

// Times formats started and ended as Attempt wants them.
func Times(started, ended time.Time) (string, string) {
	return started.UTC().Format(time.RFC3339Nano), ended.UTC().Format(time.RFC3339Nano)
}

// AttemptsPath is the route attempts are recorded at.
const AttemptsPath = HistoryPrefix + "/internal/attempts"

// RecordAttempt records a; created is false when it was already recorded.
// history-service answers the same attempt again with 200, so the
// Idempotency-Key lets discovery retry the POST. An answer saying the
// attempt itself is wrong (400, 404, 409, 413, 422) is a permanent
// *Error; anything else, including 401 from a token being rotated and a
// 400 naming role from a history replica older than roles, is not.
func (c *Client) RecordAttempt(ctx context.Context, a Attempt) (created bool, err error) {
	key := "attempt:" + a.SessionID + ":" + a.UserID
	if a.Role != "" {
		key += ":" + a.QuestionID // a mock interview has one attempt per question
	}
	status, err := c.call(ctx, http.MethodPost, HistoryService, AttemptsPath, key, false, a, nil)
	var e *Error
	if errors.As(err, &e) {
		switch s := e.Status; {
		case s == http.StatusBadRequest && a.Role != "" && slices.Contains(e.FieldsRefused(), "role"):
			e.Permanent = false
		default:
			e.Permanent = s == http.StatusBadRequest || s == http.StatusNotFound || s == http.StatusConflict ||
				s == http.StatusRequestEntityTooLarge || s == http.StatusUnprocessableEntity
		}
		return false, e
	}
	return status == http.StatusCreated, err
}

// AttemptedQuestionIDs lists the questions user attempted; an unknown
// user has none.
func (c *Client) AttemptedQuestionIDs(ctx context.Context, user string) ([]string, error) {
	var out struct {
		QuestionIDs []string `json:"question_ids"`
	}
	err := c.get(ctx, HistoryService, HistoryPrefix+"/internal/users/"+url.PathEscape(user)+"/attempted-question-ids", &out)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return out.QuestionIDs, err
}

// MaxAttemptedUsers is the most users AttemptedQuestionIDsOf asks about
// in one call.
const MaxAttemptedUsers = 10

// AttemptedQuestionIDsOf lists the questions any of users (1 to
// MaxAttemptedUsers) attempted, each once, in one call: matching-service
// asks it for both users of a match. A history-service that predates the
// route answers 404: ErrNotFound.
func (c *Client) AttemptedQuestionIDsOf(ctx context.Context, users ...string) ([]string, error) {
	var out struct {
		QuestionIDs []string `json:"question_ids"`
	}
	err := c.get(ctx, HistoryService, HistoryPrefix+"/internal/attempted-question-ids?"+url.Values{"user_id": users}.Encode(), &out)
	return out.QuestionIDs, err
}

// NewSession asks collaboration-service for the session of a match.
type NewSession struct {
	MatchID    string    `json:"match_id"`
	UserIDs    [2]string `json:"user_ids"`
	QuestionID string    `json:"question_id"`
	Language   string    `json:"language"`
	// Mode and InterviewerID are sent for mock interviews only; a
	// practise session is asked for as before modes existed.
	Mode          string `json:"mode,omitempty"`
	InterviewerID string `json:"interviewer_id,omitempty"`
}

// SessionsPath is the route sessions are created at.
const SessionsPath = CollaborationPrefix + "/internal/sessions"

// CreateSession returns the id of the session of n.MatchID, creating it
// (created) unless it exists. The match id is the Idempotency-Key, so
// discovery may retry the POST.
func (c *Client) CreateSession(ctx context.Context, n NewSession) (id string, created bool, err error) {
	if n.Mode == ModePractise || n.Mode == "" {
		n.Mode, n.InterviewerID = "", ""
	}
	var out struct {
		SessionID string `json:"session_id"`
	}
	status, err := c.call(ctx, http.MethodPost, CollaborationService, SessionsPath, n.MatchID, false, n, &out)
	if err != nil {
		return "", false, err
	}
	if out.SessionID == "" {
		return "", false, fmt.Errorf("internalapi: %s: response without a session_id (HTTP %d)", CollaborationService, status)
	}
	return out.SessionID, status == http.StatusCreated, nil
}

// Session is collaboration-service's answer about one session.
type Session struct {
	ID            string    `json:"id"`
	UserIDs       [2]string `json:"user_ids"`
	QuestionID    string    `json:"question_id"`
	Language      string    `json:"language"`
	Status        string    `json:"status"`     // StatusActive or StatusEnded
	CreatedAt     string    `json:"created_at"` // RFC 3339
	EndedAt       *string   `json:"ended_at,omitempty"`
	Mode          string    `json:"mode"`
	InterviewerID string    `json:"interviewer_id,omitempty"`
	LeftUserIDs   []string  `json:"left_user_ids"`
	// JoinedUserIDs: who opened the session's socket (the internal read).
	JoinedUserIDs []string `json:"joined_user_ids"`
	EndReason     string   `json:"end_reason,omitempty"` // e.g. EndNoShow
}

// EndNoShow is the end reason of a session ended by NoShow.
const EndNoShow = "no_show"

// NoShowPath is the route that ends session id as a no-show.
func NoShowPath(id string) string { return SessionsPath + "/" + url.PathEscape(id) + "/no-show" }

// NoShow ends active session id because absent never joined and returns
// it. Asking again is answered the same (idempotent, so retried). A 409
// (*Error, permanent) means one of absent did join or the session ended
// otherwise; ErrNotFound an unknown session.
func (c *Client) NoShow(ctx context.Context, id string, absent []string) (Session, error) {
	var s Session
	key := "no-show:" + id + ":" + strings.Join(absent, ",")
	_, err := c.call(ctx, http.MethodPost, CollaborationService, NoShowPath(id), key, true,
		map[string]any{"absent_user_ids": absent}, &s)
	return s, err
}

// NoShowsPath is the route no-shows are counted at.
const NoShowsPath = HistoryPrefix + "/internal/no-shows"

// RecordNoShow counts a no-show of user in session; created is false when
// it was already counted (idempotent on the pair, so retried).
func (c *Client) RecordNoShow(ctx context.Context, sessionID, userID string) (created bool, err error) {
	status, err := c.call(ctx, http.MethodPost, HistoryService, NoShowsPath, "no-show:"+sessionID+":"+userID, false,
		map[string]string{"session_id": sessionID, "user_id": userID}, nil)
	return status == http.StatusCreated, err
}

// Session returns session id; ErrNotFound when unknown.
func (c *Client) Session(ctx context.Context, id string) (Session, error) {
	var s Session
	err := c.get(ctx, CollaborationService, SessionsPath+"/"+url.PathEscape(id), &s)
	return s, err
}

// CurrentSession returns the active session user is in and has not left;
// ErrNotFound for none.
func (c *Client) CurrentSession(ctx context.Context, user string) (Session, error) {
	var s Session
	err := c.get(ctx, CollaborationService, CollaborationPrefix+"/internal/users/"+url.PathEscape(user)+"/current-session", &s)
	return s, err
}
