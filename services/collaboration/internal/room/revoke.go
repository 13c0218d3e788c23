package room

import "github.com/coder/websocket"

// CloseUser closes every socket of user on this replica, in every session,
// with code and reason (a revoked session: 4401, refresh and reconnect).
func (h *Hub) CloseUser(user string, code websocket.StatusCode, reason string) {
	h.mu.Lock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		r.closeUser(user, code, reason)
	}
}
