// Package wsclose names the WebSocket close codes every PeerPrep socket
// (matching, chat, collaboration) sends for the same reason, so the web app
// handles each one in one place. Codes 4400–4499 mirror HTTP 4xx; the stock
// y-websocket client does not reconnect after them by itself, so the web
// app decides: it refreshes and reconnects after TokenExpired, waits and
// reconnects after RateLimited, and stops for the others.
package wsclose

import (
	"strconv"
	"time"
)

// Close codes.
const (
	// TokenExpired: the access token the socket was opened with has
	// expired (or been revoked). Refresh the token and reconnect.
	TokenExpired = 4401
	// TooLarge: a message, or the document it would grow, is over its cap.
	TooLarge = 4413
	// RateLimited: too many messages; the reason says when to come back.
	RateLimited = 4429
)

// TokenExpiredReason is the close reason sent with TokenExpired.
const TokenExpiredReason = "token expired — refresh and reconnect"

// RetryReason is the close reason sent with RateLimited: it ends with the
// whole seconds to wait, which the web app reads.
func RetryReason(wait time.Duration) string {
	s := int((wait + time.Second - 1) / time.Second)
	return "rate limited; retry in " + strconv.Itoa(max(s, 1)) + " s"
}

// AtExpiry calls fn once the token's expiry (exp) has passed, or at once
// when it already has; the returned stop cancels it. A zero exp never
// fires.
func AtExpiry(exp time.Time, fn func()) (stop func() bool) {
	if exp.IsZero() {
		return func() bool { return false }
	}
	t := time.AfterFunc(max(time.Until(exp), 0), fn)
	return t.Stop
}
