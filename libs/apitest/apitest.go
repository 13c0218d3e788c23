// Package apitest is what a test of a PeerPrep HTTP API needs: a JSON
// client that answers status and decoded body (against a running service
// or an http.Handler), access tokens signed by a throwaway key, and
// Eventually for what other replicas or workers do in their own time.
package apitest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/auth"
)

// Response is one answer: its status, headers and body, raw and decoded.
type Response struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any // nil when the body is not a JSON object
}

// Str is the string at path in the body ("error", "code"); "" when absent.
func (r Response) Str(path ...string) string {
	var cur any = r.Body
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

// ErrCode is the code of an error body.
func (r Response) ErrCode() string { return r.Str("error", "code") }

// ErrorBody is the "error" of the shared JSON error shape (ARCHITECTURE §3).
type ErrorBody struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Details []FieldError `json:"details"`
}

// FieldError is one entry of an error's details.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Err is the body's error; zero when the body is not an error.
func (r Response) Err() ErrorBody {
	var b struct {
		Error ErrorBody `json:"error"`
	}
	_ = json.Unmarshal([]byte(r.Raw), &b)
	return b.Error
}

// RequestID is the request_id of an error body.
func (r Response) RequestID() string { return r.Str("request_id") }

// Decode unmarshals the body into v, failing the test when it cannot.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Raw), v); err != nil {
		t.Fatalf("decode %q: %v", r.Raw, err)
	}
}

// Client is shared by every Call: generous idle connections, as tests
// that hammer one service from many goroutines need, and a timeout so a
// hung server fails the test rather than the run.
var Client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

// NewRequest builds a request: body nil or "" (none), a string, []byte or
// io.Reader (raw JSON) or a value to marshal; a JSON content type when
// there is a body, the bearer token when not empty, and hdr as name, value
// pairs (an empty value removes the header: say, the JSON content type).
func NewRequest(t testing.TB, method, url, token string, body any, hdr ...string) *http.Request {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		if b != "" {
			rd = strings.NewReader(b)
		}
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return req
}

// Call sends a request (see NewRequest) to a running service.
func Call(t testing.TB, method, url, token string, body any, hdr ...string) Response {
	t.Helper()
	resp, err := Client.Do(NewRequest(t, method, url, token, body, hdr...))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response(resp.StatusCode, resp.Header, raw)
}

// Serve sends a request (see NewRequest) to h, in process.
func Serve(t testing.TB, h http.Handler, method, path, token string, body any, hdr ...string) Response {
	t.Helper()
	return ServeRequest(h, NewRequest(t, method, path, token, body, hdr...))
}

// ServeRequest sends req to h, in process, from where httptest's requests
// come from (192.0.2.1, example.com) unless req says otherwise, with a
// non-nil body as a server's requests always have.
func ServeRequest(h http.Handler, req *http.Request) Response {
	if req.Body == nil {
		req.Body = http.NoBody
	}
	if req.RemoteAddr == "" {
		req.RemoteAddr = "192.0.2.1:1234"
	}
	if req.Host == "" {
		req.Host = "example.com"
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response(rec.Code, rec.Header(), rec.Body.Bytes())
}

func response(status int, h http.Header, raw []byte) Response {
	r := Response{Status: status, Header: h, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// Eventually retries cond every 20 ms until it holds, failing the test
// after timeout with what was awaited.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
	}
}

// EventuallyNil retries check every 20 ms until it returns nil, failing
// the test after timeout with check's last error.
func EventuallyNil(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	err := check()
	for deadline := time.Now().Add(timeout); err != nil; err = check() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Tokens signs access tokens as user-service would, with a key made for
// the test; a service under test trusts it through PublicKeys.
type Tokens struct {
	Key    ed25519.PrivateKey
	Signer *auth.Signer
}

// NewTokens makes a fresh signing key.
func NewTokens(t testing.TB) *Tokens {
	t.Helper()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return &Tokens{Key: priv, Signer: auth.NewSigner(priv, nil)}
}

// PublicKeys is the JWT_PUBLIC_KEYS value that trusts these tokens.
func (k *Tokens) PublicKeys() string {
	return base64.StdEncoding.EncodeToString(auth.Public(k.Key))
}

// Verifier verifies these tokens, for a handler built in process.
func (k *Tokens) Verifier() *auth.Verifier {
	return auth.NewVerifier(auth.StaticKeys{k.Signer.KeyID(): auth.Public(k.Key)}, nil)
}

// Sign is an access token for userID with role (auth.RoleUser,
// auth.RoleAdmin), in no particular session.
func (k *Tokens) Sign(t testing.TB, userID, role string) string {
	t.Helper()
	tok, _, err := k.Signer.Sign(userID, role, "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// User is a new user id and its access token.
func (k *Tokens) User(t testing.TB) (id, token string) {
	t.Helper()
	id = uuid.NewString()
	return id, k.Sign(t, id, auth.RoleUser)
}
