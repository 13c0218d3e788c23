package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/requestid"
	"github.com/peerprep/peerprep/libs/validation"
)

// requestID takes a safe X-Request-ID from the caller or makes one, echoes it
// in the response and puts it in the request context for outbound calls.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		id := req.Header.Get(requestid.Header)
		if !requestid.Valid(id) {
			id = requestid.New()
			req.Header.Set(requestid.Header, id)
		}
		c.Response().Header().Set(requestid.Header, id)
		c.SetRequest(req.WithContext(requestid.With(req.Context(), id)))
		return next(c)
	}
}

// sensitiveParams are query parameters whose values never reach a log line.
var sensitiveParams = []string{"token", "access_token", "refresh_token", "password", "code"}

// RedactQuery returns the raw query with sensitive values replaced.
func RedactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "[unparsable]"
	}
	for k := range q {
		for _, s := range sensitiveParams {
			if strings.EqualFold(k, s) {
				q[k] = []string{"REDACTED"}
			}
		}
	}
	return q.Encode()
}

// accessLog writes one JSON line per request. It logs the route template, the
// path and a redacted query; never headers or bodies.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			// Write the error response now so the logged status is the sent one.
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		level := slog.LevelInfo
		switch {
		case isHealthRoute(c.Path()):
			// Load balancer and container probes arrive every few seconds
			// per instance: quiet when healthy, and a 503 (draining, or a
			// dependency down, which health logs itself) is a warning, not
			// an error to page on during every deploy.
			level = slog.LevelDebug
			if res.Status >= 500 {
				level = slog.LevelWarn
			}
		case res.Status >= 500:
			level = slog.LevelError
		}
		if !s.log.Enabled(req.Context(), level) {
			return nil
		}
		attrs := []slog.Attr{
			slog.String("method", req.Method),
			slog.String("route", c.Path()),
			slog.String("path", req.URL.Path),
			slog.Int("status", res.Status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.Int64("bytes_out", res.Size),
			slog.String("request_id", res.Header().Get(requestid.Header)),
			slog.String("remote_ip", c.RealIP()),
		}
		if q := req.URL.RawQuery; q != "" {
			attrs = append(attrs, slog.String("query", RedactQuery(q)))
		}
		if err != nil && res.Status >= 500 {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		s.log.LogAttrs(req.Context(), level, "request", attrs...)
		return nil
	}
}

// isHealthRoute matches the routes libs/health registers, at the root and
// under the service's prefix.
func isHealthRoute(route string) bool {
	return strings.HasSuffix(route, "/health") || strings.HasSuffix(route, "/health/live") || strings.HasSuffix(route, "/health/ready")
}

// recoverPanic turns a handler panic into a generic 500 and logs the stack.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				buf := make([]byte, 8<<10)
				buf = buf[:runtime.Stack(buf, false)]
				s.log.Error("panic", "panic", fmt.Sprint(r), "stack", string(buf),
					"request_id", c.Response().Header().Get(requestid.Header))
				err = httperr.Internal(fmt.Errorf("panic: %v", r))
			}
		}()
		return next(c)
	}
}

// bodyLimit caps every request body; reading past it fails with
// *http.MaxBytesError, which the error handler answers with 413.
func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > s.opts.BodyLimit {
			return tooLarge(s.opts.BodyLimit)
		}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, s.opts.BodyLimit)
		}
		return next(c)
	}
}

func tooLarge(limit int64) *httperr.Error {
	return httperr.New(http.StatusRequestEntityTooLarge, "payload_too_large",
		fmt.Sprintf("the request body exceeds %d bytes", limit))
}

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if s.opts.HSTS {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

type errorBody struct {
	Error     errorDetail `json:"error"`
	RequestID string      `json:"request_id"`
}

type errorDetail struct {
	Code    string               `json:"code"`
	Message string               `json:"message"`
	Details []httperr.FieldError `json:"details,omitempty"`
}

// StatusClientClosedRequest is the status logged for a request whose
// client went away before it was answered.
const StatusClientClosedRequest = 499

// handleError is the one place an error becomes a response.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away (closed the tab, timed out): nobody reads
		// this answer, and it is no server error to page on. 499 as nginx
		// logs it.
		_ = c.NoContent(StatusClientClosedRequest)
		return
	}
	e := s.toAPIError(err)
	if e.Status >= 500 {
		s.log.Error("request failed", "error", err.Error(), "status", e.Status,
			"route", c.Path(), "request_id", c.Response().Header().Get(requestid.Header))
	}
	if e.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	if e.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="peerprep"`)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	body := errorBody{
		Error:     errorDetail{Code: e.Code, Message: e.Message, Details: e.Details},
		RequestID: c.Response().Header().Get(requestid.Header),
	}
	if len(e.Extra) == 0 {
		_ = c.JSON(e.Status, body)
		return
	}
	m := make(map[string]any, len(e.Extra)+2)
	for k, v := range e.Extra {
		m[k] = v
	}
	m["error"], m["request_id"] = body.Error, body.RequestID
	_ = c.JSON(e.Status, m)
}

func (s *Server) toAPIError(err error) *httperr.Error {
	var he *httperr.Error
	if errors.As(err, &he) {
		return he
	}
	if s.opts.MapError != nil {
		if m := s.opts.MapError(err); m != nil {
			return m
		}
	}
	var ve *validation.Error
	if errors.As(err, &ve) {
		return httperr.FromValidation(ve)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	var ee *echo.HTTPError
	if errors.As(err, &ee) {
		return fromEcho(ee)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return httperr.Unavailable(err)
	}
	return httperr.Internal(err)
}

// fromEcho maps echo's own errors (unknown route, wrong method, middleware
// refusals) to the shared codes.
func fromEcho(ee *echo.HTTPError) *httperr.Error {
	codes := map[int]string{
		http.StatusBadRequest:            "invalid_request",
		http.StatusUnauthorized:          "unauthenticated",
		http.StatusForbidden:             "forbidden",
		http.StatusNotFound:              "not_found",
		http.StatusMethodNotAllowed:      "method_not_allowed",
		http.StatusRequestEntityTooLarge: "payload_too_large",
		http.StatusUnsupportedMediaType:  "unsupported_media_type",
		http.StatusTooManyRequests:       "rate_limited",
		http.StatusServiceUnavailable:    "unavailable",
	}
	code, ok := codes[ee.Code]
	if !ok || ee.Code >= 500 {
		if ee.Code == http.StatusServiceUnavailable {
			return httperr.Unavailable(ee)
		}
		return httperr.Internal(ee)
	}
	msg := strings.ToLower(http.StatusText(ee.Code))
	if m, ok := ee.Message.(string); ok && m != "" {
		msg = strings.ToLower(m)
	}
	return httperr.New(ee.Code, code, msg)
}
