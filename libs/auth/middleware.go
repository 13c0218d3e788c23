package auth

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
)

const claimsKey = "peerprep.auth.claims"

// InternalCaller is the Claims.Subject of a request authenticated with the
// internal service token.
const InternalCaller = "internal"

// ClaimsFrom returns the verified claims of the request, or nil.
func ClaimsFrom(c echo.Context) *Claims {
	cl, _ := c.Get(claimsKey).(*Claims)
	return cl
}

// BearerToken returns the token of an "Authorization: Bearer …" header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// subprotocolPrefix marks a token carried as a WebSocket subprotocol.
const subprotocolPrefix = "bearer."

// WSToken returns the access token of a WebSocket handshake, taken from the
// `bearer.<jwt>` subprotocol or the `token` query parameter (browsers cannot
// set headers on WebSockets), or from the Authorization header. When it came
// as a subprotocol, that subprotocol is returned too: the server must echo
// it in the handshake response.
func WSToken(r *http.Request) (token, subprotocol string) {
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(h, ",") {
			p = strings.TrimSpace(p)
			if strings.HasPrefix(p, subprotocolPrefix) && len(p) > len(subprotocolPrefix) {
				return p[len(subprotocolPrefix):], p
			}
		}
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t, ""
	}
	return BearerToken(r), ""
}

func unauthenticated(err error) *httperr.Error {
	e := httperr.Unauthenticated("a valid access token is required")
	if errors.Is(err, ErrInvalidToken) {
		e.Message = "the access token is invalid or expired"
	}
	e.Err = err
	return e
}

// Authenticate requires a valid access token in the Authorization header.
func Authenticate(v *Verifier) echo.MiddlewareFunc {
	return authenticate(v, "", BearerToken)
}

// AuthenticateWS is Authenticate for WebSocket handshakes (see WSToken). It
// runs before the upgrade, so a refusal is an ordinary JSON error response.
func AuthenticateWS(v *Verifier) echo.MiddlewareFunc {
	return authenticate(v, "", func(r *http.Request) string { t, _ := WSToken(r); return t })
}

// UserOrInternal accepts either a user's access token or the internal
// service token; an internal caller gets Claims{Subject: InternalCaller}.
func UserOrInternal(v *Verifier, internalToken string) echo.MiddlewareFunc {
	return authenticate(v, internalToken, BearerToken)
}

func authenticate(v *Verifier, internalToken string, extract func(*http.Request) string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			tok := extract(c.Request())
			if tok == "" {
				return unauthenticated(nil)
			}
			if internalToken != "" && equalToken(tok, internalToken) {
				c.Set(claimsKey, &Claims{Role: RoleAdmin, RegisteredClaims: registered(InternalCaller)})
				return next(c)
			}
			claims, err := v.Verify(c.Request().Context(), tok)
			if err != nil {
				return unauthenticated(err)
			}
			c.Set(claimsKey, claims)
			return next(c)
		}
	}
}

// RequireRole lets through only callers whose role is role. It must run
// after Authenticate.
func RequireRole(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cl := ClaimsFrom(c)
			if cl == nil {
				return unauthenticated(nil)
			}
			if cl.Role != role {
				return httperr.Forbidden("this action needs the " + role + " role")
			}
			return next(c)
		}
	}
}

// InternalOnly guards /internal/ routes with the internal service token.
// An empty token configured refuses everything.
func InternalOnly(token string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			got := BearerToken(c.Request())
			if token == "" || got == "" || !equalToken(got, token) {
				return httperr.Unauthenticated("the internal service token is required")
			}
			c.Set(claimsKey, &Claims{Role: RoleAdmin, RegisteredClaims: registered(InternalCaller)})
			return next(c)
		}
	}
}

func equalToken(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
