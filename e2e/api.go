// Package e2e drives a running PeerPrep platform through its public address
// only (the ALB, or the local gateway of `mage dev`), as the web frontend
// does: the two-user journey of `mage e2e` and the load of `mage
// e2e:rolling`.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls the public API at Base ("http://localhost:8080").
type Client struct {
	Base string
	HTTP *http.Client
	// Observe, when set, hears of every request: its status, or the
	// transport error when there was no answer.
	Observe func(method, path string, status int, err error)
}

// NewClient returns a client with its own connection pool.
func NewClient(base string) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

// APIError is an answer other than the expected status, with the platform's
// JSON error shape when it has one.
type APIError struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
	RequestID    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s (request id %q)", e.Method, e.Path, e.Status, e.Code, e.Message, e.RequestID)
}

// StatusOf returns the HTTP status of an *APIError in err's chain, or 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// do sends in as JSON (when not nil) with the bearer token (when not "")
// and decodes a 2xx answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if c.Observe != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		c.Observe(method, path, status, err)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Method: method, Path: path, Status: resp.StatusCode}
		var shape struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			RequestID string `json:"request_id"`
		}
		if json.Unmarshal(raw, &shape) == nil && shape.Error.Code != "" {
			ae.Code, ae.Message, ae.RequestID = shape.Error.Code, shape.Error.Message, shape.RequestID
		} else {
			ae.Code, ae.Message = "not_json", truncate(string(raw), 200)
		}
		return ae
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decoding %s: %w", method, path, truncate(string(raw), 200), err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// User is a signed-in account.
type User struct {
	ID, Username, Email, Password string
	AccessToken, RefreshToken     string
}

type authAnswer struct {
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// Signup creates an account and returns it signed in.
func (c *Client) Signup(ctx context.Context, username, email, password string) (*User, error) {
	var a authAnswer
	err := c.do(ctx, http.MethodPost, "/user-service-api/auth/signup", "",
		map[string]string{"username": username, "email": email, "password": password}, &a)
	if err != nil {
		return nil, err
	}
	return &User{ID: a.User.ID, Username: a.User.Username, Email: email, Password: password,
		AccessToken: a.AccessToken, RefreshToken: a.RefreshToken}, nil
}

// Login signs u in again, replacing its tokens.
func (c *Client) Login(ctx context.Context, u *User) error {
	var a authAnswer
	err := c.do(ctx, http.MethodPost, "/user-service-api/auth/login", "",
		map[string]string{"identifier": u.Username, "password": u.Password}, &a)
	if err != nil {
		return err
	}
	u.AccessToken, u.RefreshToken = a.AccessToken, a.RefreshToken
	return nil
}

// Me is GET /users/me.
func (c *Client) Me(ctx context.Context, token string) (map[string]any, error) {
	var m map[string]any
	return m, c.do(ctx, http.MethodGet, "/user-service-api/users/me", token, nil, &m)
}

// Topic is one entry of GET /topics.
type Topic struct {
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Topics is GET /question-service-api/topics.
func (c *Client) Topics(ctx context.Context, token string) ([]Topic, error) {
	var ts []Topic
	return ts, c.do(ctx, http.MethodGet, "/question-service-api/topics", token, nil, &ts)
}

// QuestionPage is GET /questions.
type QuestionPage struct {
	Items []struct {
		ID    string `json:"id"`
		Slug  string `json:"slug"`
		Title string `json:"title"`
	} `json:"items"`
	Total int `json:"total"`
}

// Questions lists questions; query is a raw query string ("topic=arrays").
func (c *Client) Questions(ctx context.Context, token, query string) (QuestionPage, error) {
	var p QuestionPage
	return p, c.do(ctx, http.MethodGet, "/question-service-api/questions?"+query, token, nil, &p)
}

// Question is GET /questions/{id-or-slug}, decoded loosely.
func (c *Client) Question(ctx context.Context, token, id string) (map[string]any, error) {
	var q map[string]any
	return q, c.do(ctx, http.MethodGet, "/question-service-api/questions/"+url.PathEscape(id), token, nil, &q)
}

// Ticket is a matching ticket.
type Ticket struct {
	TicketID string `json:"ticket_id"`
	Status   string `json:"status"`
	Match    *Match `json:"match"`
}

// Match is what a matched ticket and the matched event carry.
type Match struct {
	MatchID    string `json:"match_id"`
	SessionID  string `json:"session_id"`
	QuestionID string `json:"question_id"`
	Partner    struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"partner"`
}

// RequestMatch is POST /tickets.
func (c *Client) RequestMatch(ctx context.Context, token, difficulty, topic, language string) (Ticket, error) {
	var t Ticket
	in := map[string]string{"difficulty": difficulty, "topic": topic}
	if language != "" {
		in["language"] = language
	}
	return t, c.do(ctx, http.MethodPost, "/matching-service-api/tickets", token, in, &t)
}

// CurrentTicket is GET /tickets/current.
func (c *Client) CurrentTicket(ctx context.Context, token string) (Ticket, error) {
	var t Ticket
	return t, c.do(ctx, http.MethodGet, "/matching-service-api/tickets/current", token, nil, &t)
}

// CancelTicket is DELETE /tickets/current.
func (c *Client) CancelTicket(ctx context.Context, token string) error {
	return c.do(ctx, http.MethodDelete, "/matching-service-api/tickets/current", token, nil, nil)
}

// Session is GET /sessions/{id}.
type Session struct {
	ID          string   `json:"id"`
	UserIDs     []string `json:"user_ids"`
	QuestionID  string   `json:"question_id"`
	Language    string   `json:"language"`
	Status      string   `json:"status"`
	LeftUserIDs []string `json:"left_user_ids"`
	Code        string   `json:"code"`
}

// Session reads a session the caller takes part in.
func (c *Client) Session(ctx context.Context, token, id string) (Session, error) {
	var s Session
	return s, c.do(ctx, http.MethodGet, "/collaboration-service-api/sessions/"+url.PathEscape(id), token, nil, &s)
}

// Snapshot is PUT /sessions/{id}/snapshot.
func (c *Client) Snapshot(ctx context.Context, token, id, code, language string) error {
	return c.do(ctx, http.MethodPut, "/collaboration-service-api/sessions/"+url.PathEscape(id)+"/snapshot", token,
		map[string]string{"code": code, "language": language}, nil)
}

// Leave is POST /sessions/{id}/leave.
func (c *Client) Leave(ctx context.Context, token, id string) (Session, error) {
	var s Session
	return s, c.do(ctx, http.MethodPost, "/collaboration-service-api/sessions/"+url.PathEscape(id)+"/leave", token, nil, &s)
}

// ChatMessage is one stored or broadcast chat message.
type ChatMessage struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	ClientID string `json:"client_id"`
	From     struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"from"`
	Text   string `json:"text"`
	SentAt string `json:"sent_at"`
}

// Messages is GET /rooms/{session}/messages (one page, oldest first).
func (c *Client) Messages(ctx context.Context, token, session, query string) ([]ChatMessage, error) {
	var page struct {
		Items []ChatMessage `json:"items"`
	}
	path := "/chat-service-api/rooms/" + url.PathEscape(session) + "/messages"
	if query != "" {
		path += "?" + query
	}
	return page.Items, c.do(ctx, http.MethodGet, path, token, nil, &page)
}

// Attempt is one entry of the history.
type Attempt struct {
	ID        string `json:"id"`
	SessionID string `json:"session_id"`
	UserID    string `json:"user_id"`
	Question  struct {
		ID string `json:"id"`
	} `json:"question"`
	Partner struct {
		ID string `json:"id"`
	} `json:"partner"`
	Language string `json:"language"`
	Code     string `json:"code"`
}

// Attempts is GET /history-service-api/attempts (first page).
func (c *Client) Attempts(ctx context.Context, token string) ([]Attempt, error) {
	var page struct {
		Items []Attempt `json:"items"`
	}
	return page.Items, c.do(ctx, http.MethodGet, "/history-service-api/attempts", token, nil, &page)
}

// WSURL turns the client's base into a ws:// or wss:// URL for path.
func (c *Client) WSURL(path string) string {
	switch {
	case strings.HasPrefix(c.Base, "https://"):
		return "wss://" + strings.TrimPrefix(c.Base, "https://") + path
	default:
		return "ws://" + strings.TrimPrefix(c.Base, "http://") + path
	}
}
