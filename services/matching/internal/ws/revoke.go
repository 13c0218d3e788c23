package ws

import "github.com/coder/websocket"

// CloseUser closes every socket of user on this replica with code and
// reason (a revoked session: 4401, refresh and reconnect).
func (h *Hub) CloseUser(user string, code websocket.StatusCode, reason string) {
	h.mu.RLock()
	conns := make([]*conn, 0, len(h.users[user]))
	for c := range h.users[user] {
		conns = append(conns, c)
	}
	h.mu.RUnlock()
	for _, c := range conns {
		c.Close(code, reason)
	}
}
