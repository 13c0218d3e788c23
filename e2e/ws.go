package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/coder/websocket"
)

// Socket is one JSON WebSocket of the platform (matching events, chat).
type Socket struct {
	conn *websocket.Conn
}

// DialSocket opens path on the platform with the access token in
// ?token= (what a browser does: it cannot set headers on a WebSocket).
func (c *Client) DialSocket(ctx context.Context, path, token string) (*Socket, error) {
	u := c.WSURL(path) + "?token=" + url.QueryEscape(token)
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: &http.Client{Transport: c.HTTP.Transport}})
	if err != nil {
		if resp != nil {
			return nil, &APIError{Method: "GET", Path: path, Status: resp.StatusCode, Code: "handshake", Message: err.Error()}
		}
		return nil, fmt.Errorf("dialing %s: %w", path, err)
	}
	conn.SetReadLimit(1 << 20)
	return &Socket{conn: conn}, nil
}

// Read decodes the next frame into v.
func (s *Socket) Read(ctx context.Context, v any) error {
	_, b, err := s.conn.Read(ctx)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding frame %s: %w", truncate(string(b), 200), err)
	}
	return nil
}

// Write sends v as one text frame.
func (s *Socket) Write(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.conn.Write(ctx, websocket.MessageText, b)
}

// Close closes the socket normally.
func (s *Socket) Close() error { return s.conn.Close(websocket.StatusNormalClosure, "bye") }

// Event is a matching-service socket frame.
type Event struct {
	Type     string `json:"type"`
	TicketID string `json:"ticket_id"`
	Reason   string `json:"reason"`
	Match
}

// DialMatching opens the matching events socket.
func (c *Client) DialMatching(ctx context.Context, token string) (*Socket, error) {
	return c.DialSocket(ctx, "/matching-service-api/ws", token)
}

// DialChat opens the chat room of a session.
func (c *Client) DialChat(ctx context.Context, token, session string) (*Socket, error) {
	return c.DialSocket(ctx, "/chat-service-api/rooms/"+url.PathEscape(session)+"/ws", token)
}

// WaitMatched reads matching events until the ticket is matched; a
// timeout, cancellation or failure is an error.
func WaitMatched(ctx context.Context, s *Socket) (Match, error) {
	for {
		var ev Event
		if err := s.Read(ctx, &ev); err != nil {
			return Match{}, err
		}
		switch ev.Type {
		case "matched":
			return ev.Match, nil
		case "timeout", "cancelled", "failed":
			return Match{}, fmt.Errorf("ticket %s ended %s %s", ev.TicketID, ev.Type, ev.Reason)
		}
	}
}

// ChatFrame is any frame the chat server sends.
type ChatFrame struct {
	ChatMessage
	UserID  string `json:"user_id"` // presence
	State   string `json:"state"`   // presence
	Code    string `json:"code"`    // error
	Message string `json:"message"` // error
}

// SendChat sends a message frame.
func SendChat(ctx context.Context, s *Socket, clientID, text string) error {
	return s.Write(ctx, map[string]string{"type": "message", "client_id": clientID, "text": text})
}

// WaitChat reads chat frames until one is the message with clientID.
func WaitChat(ctx context.Context, s *Socket, clientID string) (ChatMessage, error) {
	for {
		var f ChatFrame
		if err := s.Read(ctx, &f); err != nil {
			return ChatMessage{}, err
		}
		switch {
		case f.Type == "message" && f.ClientID == clientID:
			return f.ChatMessage, nil
		case f.Type == "error" && f.ChatMessage.ClientID == clientID:
			return ChatMessage{}, errors.New("chat refused the message: " + f.Code + ": " + f.Message)
		}
	}
}
