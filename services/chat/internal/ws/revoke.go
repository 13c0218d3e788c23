package ws

import "github.com/coder/websocket"

// CloseUser closes every socket of userID on this replica with code and
// reason (a revoked session: 4401, refresh and reconnect). It returns how
// many it closed.
func (h *Hub) CloseUser(userID string, code websocket.StatusCode, reason string) int {
	var conns []*Conn
	for _, c := range h.conns.All() {
		if c.p.UserID == userID {
			conns = append(conns, c)
		}
	}
	for _, c := range conns {
		c.Close(code, reason)
	}
	return len(conns)
}
