package ws

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/validation"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Error codes of error frames.
const (
	CodeInvalidFrame     = "invalid_frame"     // not a JSON object of a known shape
	CodeUnsupportedType  = "unsupported_type"  // "type" is not "message"
	CodeValidationFailed = "validation_failed" // client_id or text invalid
	CodeRateLimited      = "rate_limited"      // over about 10 messages/s
	CodeUnavailable      = "unavailable"       // not accepted: retry with the same client_id
)

// ClientFrame is a message a client sends:
// {"type":"message","client_id":"<uuid>","text":"…"}.
type ClientFrame struct {
	Type     string `json:"type"`
	ClientID string `json:"client_id"`
	Text     string `json:"text"`
}

// FrameError is why a client frame was refused; it becomes an error frame.
type FrameError struct {
	Code     string
	Message  string
	ClientID string // when the frame named one
}

func (e *FrameError) Error() string { return e.Code + ": " + e.Message }

// ParseClientFrame decodes and validates a client frame: exactly one JSON
// object, no unknown fields, type "message", a UUID client_id (returned in
// lower case) and a valid text (chat.ValidateText).
func ParseClientFrame(data []byte) (ClientFrame, *FrameError) {
	var f ClientFrame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return ClientFrame{}, &FrameError{Code: CodeInvalidFrame, Message: decodeMessage(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ClientFrame{}, &FrameError{Code: CodeInvalidFrame, Message: "a frame must hold a single JSON object"}
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")) {
		return ClientFrame{}, &FrameError{Code: CodeInvalidFrame, Message: "a frame must be a JSON object"}
	}
	if f.Type == "" {
		return ClientFrame{}, &FrameError{Code: CodeInvalidFrame, Message: "type is required"}
	}
	if f.Type != "message" {
		return ClientFrame{}, &FrameError{Code: CodeUnsupportedType, Message: `type must be "message"`}
	}
	id, err := chat.ValidateClientID(f.ClientID)
	if err != nil {
		return ClientFrame{}, validationError(err, "")
	}
	f.ClientID = id
	if err := chat.ValidateText(f.Text); err != nil {
		return ClientFrame{}, validationError(err, id)
	}
	return f, nil
}

func validationError(err error, clientID string) *FrameError {
	var ve *validation.Error
	if errors.As(err, &ve) {
		return &FrameError{Code: CodeValidationFailed, Message: ve.Error(), ClientID: clientID}
	}
	return &FrameError{Code: CodeValidationFailed, Message: "the message is invalid", ClientID: clientID}
}

func decodeMessage(err error) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return "the frame is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the frame is truncated JSON"
	case errors.As(err, &syn):
		return "the frame is malformed JSON"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "a frame must be a JSON object"
		}
		return typ.Field + " must be a string"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") + " is not allowed"
	}
	return "the frame could not be decoded"
}

// TimeLayout is how sent_at is written: RFC 3339, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// From names a message's sender.
type From struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// MessageFrame is a message as the server sends it.
type MessageFrame struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	ClientID string `json:"client_id"`
	From     From   `json:"from"`
	Text     string `json:"text"`
	SentAt   string `json:"sent_at"`
}

// NewMessageFrame returns m's frame.
func NewMessageFrame(m chat.Message) MessageFrame {
	return MessageFrame{Type: "message", ID: m.ID.String(), ClientID: m.ClientID,
		From: From{ID: m.UserID, Username: m.Username}, Text: m.Text, SentAt: m.SentAt.UTC().Format(TimeLayout)}
}

type presenceFrame struct {
	Type   string `json:"type"`
	UserID string `json:"user_id"`
	State  string `json:"state"`
}

type errorFrame struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	ClientID string `json:"client_id,omitempty"`
}

func encode(v any) []byte {
	b, _ := json.Marshal(v) // only strings: cannot fail
	return b
}

func messageBytes(m chat.Message) []byte { return encode(NewMessageFrame(m)) }

func presenceBytes(user, state string) []byte {
	return encode(presenceFrame{Type: "presence", UserID: user, State: state})
}

func errorBytes(e *FrameError) []byte {
	return encode(errorFrame{Type: "error", Code: e.Code, Message: e.Message, ClientID: e.ClientID})
}

// retryAfterMessage words a rate-limit refusal.
func retryAfterMessage(d time.Duration) string {
	return "too many messages; wait " + d.Round(time.Millisecond).String() + " and resend with the same client_id"
}
