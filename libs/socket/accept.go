// Package socket is the one WebSocket edge of PeerPrep's services
// (matching, chat, collaboration): it refuses, as the JSON errors of the
// runtime contract, a request that cannot become a socket (426 when it is
// no upgrade, 403 from an origin not allowed), upgrades the rest echoing
// the bearer-token subprotocol, and names the close codes every socket
// sends for the same reason. Set closes a replica's sockets with 1012 on
// shutdown. The hubs that route messages stay with their services.
package socket

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/coder/websocket"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
)

// Close codes and reasons every socket sends for the same reason (the
// 44xx codes are in libs/wsclose).
const (
	// Restart: the replica is shutting down; reconnect (to another one).
	Restart       = websocket.StatusServiceRestart // 1012
	RestartReason = "server restarting"
	// TooSlow: the client did not read fast enough and its send queue
	// filled up; reconnect and resync. 1013 (try again later): the
	// client retries, as after a restart.
	TooSlow       = websocket.StatusTryAgainLater // 1013
	TooSlowReason = "too slow to keep up"
)

// Origins is the one browser-origin policy of every socket: a request
// without an Origin (not a browser) or from the service's own host is
// allowed, and so is one matching an entry of CORS_ALLOWED_ORIGINS. An
// entry with a scheme ("https://app.peerprep.dev") is compared with the
// origin's scheme and host, one without with its host; either may be a
// path.Match pattern ("*.preview.peerprep.dev"). Case is ignored.
type Origins []string

// Allowed reports whether r's Origin may open a socket.
func (o Origins) Allowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, allowed := range o {
		target := u.Host
		if strings.Contains(allowed, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(allowed), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}

// IsUpgrade reports whether r asks to become a WebSocket.
func IsUpgrade(r *http.Request) bool {
	return headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), token) {
				return true
			}
		}
	}
	return false
}

// Check refuses a request that cannot become a socket, as a JSON error:
// 426 upgrade_required when it is no WebSocket handshake, 403 forbidden
// from an origin the policy refuses. Services call it before the work
// that admits a socket, so every refusal is an ordinary error response.
func Check(r *http.Request, origins Origins) error {
	if !IsUpgrade(r) {
		return httperr.New(http.StatusUpgradeRequired, "upgrade_required", "this route speaks WebSocket only; connect with a WebSocket client")
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" || r.Header.Get("Sec-WebSocket-Key") == "" {
		return httperr.BadRequest("a WebSocket handshake needs Sec-WebSocket-Version 13 and a Sec-WebSocket-Key")
	}
	if !origins.Allowed(r) {
		return httperr.Forbidden("WebSockets from this origin are not allowed")
	}
	return nil
}

// Accept upgrades r (checked by Check) to a WebSocket with readLimit
// bytes per message (0: the library's default). When the access token
// came as the `bearer.<jwt>` subprotocol (browsers cannot set headers on
// sockets), that subprotocol is echoed, as the handshake requires. On an
// error the response has been written.
func Accept(w http.ResponseWriter, r *http.Request, readLimit int64) (*websocket.Conn, error) {
	opts := &websocket.AcceptOptions{
		CompressionMode: websocket.CompressionDisabled,
		// The origin was checked by Check, so its refusal is JSON.
		InsecureSkipVerify: true,
	}
	if _, sub := auth.WSToken(r); sub != "" {
		opts.Subprotocols = []string{sub}
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	if readLimit > 0 {
		ws.SetReadLimit(readLimit)
	}
	return ws, nil
}
