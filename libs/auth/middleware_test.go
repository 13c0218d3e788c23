package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	priv := mustKey(t)
	s := NewSigner(priv, nil)
	v := NewVerifier(StaticKeys{s.KeyID(): Public(priv)}, nil)
	userTok, _, _ := s.Sign("u1", RoleUser, "")
	adminTok, _, _ := s.Sign("a1", RoleAdmin, "")
	const internal = "internal-secret-token"

	ok := func(c echo.Context) error { return c.String(http.StatusOK, ClaimsFrom(c).Subject) }
	e := echo.New()
	// The shared error handler lives in package server; this one only keeps
	// the status of an *httperr.Error so the guard's decision is visible.
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *httperr.Error
		if errors.As(err, &he) {
			_ = c.NoContent(he.Status)
			return
		}
		_ = c.NoContent(http.StatusInternalServerError)
	}
	e.GET("/me", ok, Authenticate(v))
	e.GET("/admin", ok, Authenticate(v), RequireRole(RoleAdmin))
	e.GET("/internal", ok, InternalOnly(internal))
	e.GET("/either", ok, UserOrInternal(v, internal))
	e.GET("/ws", ok, AuthenticateWS(v))

	cases := []struct {
		name, path, auth, query, proto string
		status                         int
		body                           string
	}{
		{"no token is 401", "/me", "", "", "", 401, ""},
		{"bad token is 401", "/me", "Bearer x.y.z", "", "", 401, ""},
		{"user token passes", "/me", "Bearer " + userTok, "", "", 200, "u1"},
		{"lower-case bearer passes", "/me", "bearer " + userTok, "", "", 200, "u1"},
		{"user on admin route is 403", "/admin", "Bearer " + userTok, "", "", 403, ""},
		{"admin on admin route passes", "/admin", "Bearer " + adminTok, "", "", 200, "a1"},
		{"user token on internal route is 401", "/internal", "Bearer " + userTok, "", "", 401, ""},
		{"internal token passes internal route", "/internal", "Bearer " + internal, "", "", 200, InternalCaller},
		{"internal token passes user-or-internal", "/either", "Bearer " + internal, "", "", 200, InternalCaller},
		{"user token passes user-or-internal", "/either", "Bearer " + userTok, "", "", 200, "u1"},
		{"internal token is not a user token", "/me", "Bearer " + internal, "", "", 401, ""},
		{"ws token in query passes", "/ws", "", "token=" + userTok, "", 200, "u1"},
		{"ws token as subprotocol passes", "/ws", "", "", "bearer." + userTok, 200, "u1"},
		{"ws bad query token is 401", "/ws", "", "token=nope", "", 401, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, tc.path+"?"+tc.query, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.proto != "" {
				req.Header.Set("Sec-WebSocket-Protocol", "y-protocol, "+tc.proto)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if tc.body != "" && rec.Body.String() != tc.body {
				t.Fatalf("body %q, want %q", rec.Body, tc.body)
			}
		})
	}
}

func TestWSTokenPrefersSubprotocol(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest(http.MethodGet, "/ws?token=query", nil)
	req.Header.Set("Sec-WebSocket-Protocol", "bearer.sub")
	tok, proto := WSToken(req)
	if tok != "sub" || proto != "bearer.sub" {
		t.Fatalf("got %q %q", tok, proto)
	}
}
