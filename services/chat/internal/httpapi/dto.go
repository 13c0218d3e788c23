package httpapi

import (
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/ws"
)

// messageDTO is a message in history: the fields of the WebSocket message
// frame, without "type".
type messageDTO struct {
	ID       string  `json:"id"`
	ClientID string  `json:"client_id"`
	From     ws.From `json:"from"`
	Text     string  `json:"text"`
	SentAt   string  `json:"sent_at"`
}

func toMessageDTO(m chat.Message) messageDTO {
	f := ws.NewMessageFrame(m)
	return messageDTO{ID: f.ID, ClientID: f.ClientID, From: f.From, Text: f.Text, SentAt: f.SentAt}
}

// pageDTO is one page of history, oldest first. NextBefore is the before=
// of the next (older) page, present when HasMore.
type pageDTO struct {
	Items      []messageDTO `json:"items"`
	HasMore    bool         `json:"has_more"`
	NextBefore string       `json:"next_before,omitempty"`
}
