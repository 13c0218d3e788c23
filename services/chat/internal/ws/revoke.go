package ws

import "github.com/coder/websocket"

// CloseUser closes every socket of userID on this replica with code and
// reason (a revoked session: 4401, refresh and reconnect). It returns how
// many it closed.
func (h *Hub) CloseUser(userID string, code websocket.StatusCode, reason string) int {
	h.mu.RLock()
	var conns []*Conn
	for c := range h.conns {
		if c.p.UserID == userID {
			conns = append(conns, c)
		}
	}
	h.mu.RUnlock()
	for _, c := range conns {
		c.close(code, reason)
	}
	return len(conns)
}
