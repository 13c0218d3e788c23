package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/requestid"
)

const (
	backoffBase = 50 * time.Millisecond
	backoffCap  = time.Second

	maxBody      = 10 << 20 // largest response body GetJSON/SendJSON read
	maxErrorBody = 4 << 10  // kept in StatusError.Body
	maxDrain     = 64 << 10 // read before closing so the connection is reused
)

// StatusError is a non-2xx answer to GetJSON or SendJSON.
type StatusError struct {
	Service string
	Status  int
	Body    []byte // the first 4 KiB of the response body
}

// IsNotFound reports whether err is a 404 answer of the service called:
// the thing asked for does not exist, as opposed to a failure to ask.
func IsNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("discovery: %s answered HTTP %d", e.Service, e.Status)
}

// permanentError marks a failure that retrying cannot fix (bad
// configuration or arguments).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// call is the state of one Do.
type call struct {
	service    string
	req        *http.Request
	header     http.Header
	replayable bool
	bodySent   bool // the caller's own req.Body went to the transport, which closes it
}

// Do sends req to an instance of service and returns the response, which
// the caller must close. req.URL is a path and query relative to the service
// (e.g. from http.NewRequest(method, "/history-service-api/internal/...",
// body)); Do fills in scheme and host. ctx governs the whole call; req's own
// context is not used. Each try, reading the response body included, must
// finish within Options.Timeout.
//
// Idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS, or any request with
// an Idempotency-Key header) are retried with backoff on transport errors
// and 502/503/504. Any request moves on to the next address when a
// connection cannot be made, since it then never reached a server. A body
// without req.GetBody cannot be replayed, so such a request is tried once.
func (c *Client) Do(ctx context.Context, service string, req *http.Request) (*http.Response, error) {
	cl := &call{
		service:    service,
		req:        req,
		header:     c.header(ctx, req.Header),
		replayable: req.Body == nil || req.Body == http.NoBody || req.GetBody != nil,
	}
	defer func() {
		// Tries read from GetBody, so unless the transport took the original
		// body it is still ours to close, as http.Client.Do would.
		if req.Body != nil && !cl.bodySent {
			req.Body.Close()
		}
	}()
	if req.URL == nil || req.URL.IsAbs() || req.URL.Host != "" {
		return nil, fmt.Errorf("discovery: %s: request URL must be a path relative to the service", service)
	}

	attempts := 1
	if cl.replayable && isIdempotent(req) {
		attempts += c.retries
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(ctx, cl)
		last := attempt == attempts-1
		switch {
		case err == nil && (last || !retryableStatus(resp.StatusCode)):
			return resp, nil
		case err == nil:
			drain(resp.Body)
			lastErr = fmt.Errorf("HTTP %d", resp.StatusCode)
		case last || ctx.Err() != nil || errors.As(err, new(permanentError)):
			return nil, fmt.Errorf("discovery: %s: %w", service, err)
		default:
			lastErr = err
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return nil, fmt.Errorf("discovery: %s: %w (after %d attempts, last: %v)", service, err, attempt+1, lastErr)
		}
	}
}

// attempt sends the request to the first address that accepts a
// connection, trying each address of service at most once.
func (c *Client) attempt(ctx context.Context, cl *call) (*http.Response, error) {
	targets, err := c.targets(ctx, cl.service)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for i, t := range targets {
		if i > 0 && !cl.replayable {
			break
		}
		resp, err := c.send(ctx, t, cl)
		if err == nil {
			c.markGood(t.key)
			return resp, nil
		}
		if ctx.Err() != nil || !isConnError(err) {
			return nil, err
		}
		// The connection was never made, so even a POST is safe to send to
		// the next address.
		c.markBad(t.key)
		lastErr = err
	}
	return nil, lastErr
}

// send makes one HTTP exchange with a deadline of its own. The deadline
// stays armed until the response body is closed.
func (c *Client) send(ctx context.Context, t target, cl *call) (*http.Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	r := cl.req.Clone(actx)
	r.URL = join(t.base, cl.req.URL)
	r.Header = cl.header.Clone()
	r.RequestURI = ""
	if cl.req.GetBody != nil && cl.req.Body != nil && cl.req.Body != http.NoBody {
		body, err := cl.req.GetBody()
		if err != nil {
			cancel()
			return nil, fmt.Errorf("replay request body: %w", err)
		}
		r.Body = body
	} else if cl.req.Body != nil {
		cl.bodySent = true
	}
	resp, err := c.http.Do(r)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// header returns the headers every try carries: the caller's, plus the
// request id, the internal token and Accept where the caller set none.
func (c *Client) header(ctx context.Context, h http.Header) http.Header {
	h = h.Clone()
	if h == nil {
		h = make(http.Header)
	}
	if h.Get(requestid.Header) == "" {
		if id := requestid.From(ctx); id != "" {
			h.Set(requestid.Header, id)
		}
	}
	if c.token != "" && h.Get("Authorization") == "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	if h.Get("Accept") == "" {
		h.Set("Accept", "application/json")
	}
	return h
}

// GetJSON GETs path from service and decodes a 2xx JSON body into out
// (when out is non-nil and the body is not empty). A non-2xx answer is a
// *StatusError.
func (c *Client) GetJSON(ctx context.Context, service, path string, out any) error {
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return fmt.Errorf("discovery: %s: %w", service, err)
	}
	_, err = c.doJSON(ctx, service, req, out)
	return err
}

// SendJSON sends in (when non-nil) as a JSON body with method to path of
// service and decodes a 2xx JSON answer into out like GetJSON. It returns
// the response status, or 0 when no response arrived.
func (c *Client) SendJSON(ctx context.Context, method, service, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("discovery: %s: encode request: %w", service, err)
		}
		body = bytes.NewReader(b) // lets NewRequest set GetBody, so retries can replay it
	}
	req, err := http.NewRequest(method, path, body)
	if err != nil {
		return 0, fmt.Errorf("discovery: %s: %w", service, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.doJSON(ctx, service, req, out)
}

func (c *Client) doJSON(ctx context.Context, service string, req *http.Request, out any) (int, error) {
	resp, err := c.Do(ctx, service, req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody)) // best effort: the status is the error
		drain(resp.Body)
		return resp.StatusCode, &StatusError{Service: service, Status: resp.StatusCode, Body: b}
	}
	if out == nil {
		drain(resp.Body)
		return resp.StatusCode, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("discovery: %s: read response: %w", service, err)
	}
	if len(b) > maxBody {
		return resp.StatusCode, fmt.Errorf("discovery: %s: response body larger than %d bytes", service, maxBody)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return resp.StatusCode, nil // e.g. 204: nothing to decode, out stays as it was
	}
	if err := json.Unmarshal(b, out); err != nil {
		return resp.StatusCode, fmt.Errorf("discovery: %s: decode response: %w", service, err)
	}
	return resp.StatusCode, nil
}

func isIdempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

func retryableStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// isConnError reports whether err means no connection was made, so the
// request never reached a server.
func isConnError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff is the wait after the given (0-based) failed attempt:
// exponential from backoffBase up to backoffCap, with jitter so callers
// that failed together do not retry together.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 10 {
		d = min(backoffCap, backoffBase<<attempt)
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	_ = body.Close()
}

// join puts the service-relative ref under base (which may carry a path
// prefix from a URL override).
func join(base, ref *url.URL) *url.URL {
	u := *base
	prefix := strings.TrimSuffix(base.Path, "/")
	u.Path = prefix + ref.Path
	if ref.RawPath != "" || base.RawPath != "" {
		u.RawPath = strings.TrimSuffix(base.EscapedPath(), "/") + ref.EscapedPath()
	}
	u.RawQuery = ref.RawQuery
	return &u
}

// cancelOnClose releases a try's deadline when the caller is done with
// the response body.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
