// Package httpapi is frontend-service's HTTP surface: the web app's files
// and pages behind the ALB's default rule, with their cache, encoding and
// security headers.
package httpapi

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/frontend/internal/webapp"
)

// Options configure Register.
type Options struct {
	// Site is the built app; nil when the binary has no web build, and
	// then every page says how to build it.
	Site *webapp.Site
}

// Register mounts the app on every path the health routes leave free.
func Register(e *echo.Echo, o Options) {
	h := &handler{site: o.Site}
	e.Any("/*", h.serve)
}

type handler struct{ site *webapp.Site }

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

func (h *handler) serve(c echo.Context) error {
	req, res := c.Request(), c.Response()
	res.Header().Set("Content-Security-Policy", contentSecurityPolicy(req))
	if h.site == nil {
		return notBuilt(c)
	}
	f, kind := h.site.Resolve(req.URL.Path, acceptsHTML(req))
	if kind == webapp.Missing {
		return httperr.NotFound("no such page or file")
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		res.Header().Set("Allow", "GET, HEAD")
		return httperr.New(http.StatusMethodNotAllowed, "method_not_allowed", "only GET and HEAD are allowed here")
	}
	v := f.Pick(req.Header.Get("Accept-Encoding"))
	hdr := res.Header()
	hdr.Set("Content-Type", f.ContentType)
	hdr.Set("ETag", v.ETag)
	if f.Compressed() {
		hdr.Add("Vary", "Accept-Encoding")
	}
	if v.Encoding != webapp.Identity {
		hdr.Set("Content-Encoding", v.Encoding.Token())
	}
	if kind == webapp.Asset {
		hdr.Set("Cache-Control", cacheImmutable)
	} else {
		hdr.Set("Cache-Control", cacheRevalidate)
	}
	// ServeContent answers If-None-Match (304), Range and HEAD; the zero
	// modification time leaves Last-Modified out: the ETag is the validator.
	http.ServeContent(res, req, "", zeroTime, bytes.NewReader(v.Data))
	return nil
}

// acceptsHTML reports whether the request is a browser navigation: only
// those get the app's page for a path that is not a file, so an API
// client or a script asking for a missing file gets a 404.
func acceptsHTML(r *http.Request) bool { return webapp.AcceptsHTML(r.Header.Values("Accept")) }

// hostPattern is a Host header safe to repeat inside the policy: a DNS
// name or IPv4 address with an optional port (anything else, including an
// IPv6 literal, falls back to 'self').
var hostPattern = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$`)

// contentSecurityPolicy allows only the app's own origin: scripts, styles
// and fonts from it, fetches and WebSockets to it, no framing. The
// WebSocket origin is spelled out (ws: or wss: matching the page) because
// 'self' covers WebSockets only in CSP level 3 browsers.
func contentSecurityPolicy(r *http.Request) string {
	connect := "'self'"
	if hostPattern.MatchString(r.Host) {
		scheme := "ws://"
		if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
			scheme = "wss://"
		}
		connect += " " + scheme + r.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src " + connect + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}
