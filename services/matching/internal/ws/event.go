package ws

import (
	"encoding/json"
	"time"

	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// Event is one message the server pushes:
//
//	{"type":"queued","ticket_id":…,"criteria":{…},"queued_at":…,"expires_at":…,"relaxed":false}
//	{"type":"matched","ticket_id":…,"match_id":…,"session_id":…,"question_id":…,"partner":{"id":…,"username":…},"mode":…,"role":…}
//	{"type":"timeout"|"cancelled","ticket_id":…}
//	{"type":"failed","ticket_id":…,"reason":…}
type Event struct {
	Type       string     `json:"type"`
	TicketID   string     `json:"ticket_id"`
	Criteria   *Criteria  `json:"criteria,omitempty"`
	QueuedAt   *time.Time `json:"queued_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	Relaxed    *bool      `json:"relaxed,omitempty"` // queued: may match any difficulty of the topic now
	MatchID    string     `json:"match_id,omitempty"`
	SessionID  string     `json:"session_id,omitempty"`
	QuestionID string     `json:"question_id,omitempty"`
	Partner    *Partner   `json:"partner,omitempty"`
	Mode       string     `json:"mode,omitempty"` // matched: the session's mode
	Role       string     `json:"role,omitempty"` // matched, mock interviews: interviewer or candidate
	Reason     string     `json:"reason,omitempty"`
}

// Criteria is a ticket's criteria on the wire; Language is omitted for any,
// StartAsInterviewer when false.
type Criteria struct {
	Difficulty         string `json:"difficulty"`
	Topic              string `json:"topic"`
	Language           string `json:"language,omitempty"`
	Mode               string `json:"mode"`
	StartAsInterviewer bool   `json:"start_as_interviewer,omitempty"`
}

// CriteriaOf is c on the wire.
func CriteriaOf(c match.Criteria) Criteria {
	return Criteria{Difficulty: c.Difficulty, Topic: c.Topic, Language: c.Language,
		Mode: c.ModeOrDefault(), StartAsInterviewer: c.StartAsInterviewer}
}

// Partner is the other user of a match.
type Partner struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// EventFor is the event announcing t's state.
func EventFor(t match.Ticket) Event {
	e := Event{Type: string(t.Status), TicketID: t.ID}
	switch t.Status {
	case match.StatusQueued:
		q, x := t.QueuedAt, t.ExpiresAt
		c := CriteriaOf(t.Criteria)
		e.Criteria = &c
		e.QueuedAt, e.ExpiresAt, e.Relaxed = &q, &x, &t.Relaxed
	case match.StatusMatched:
		if m := t.Match; m != nil {
			e.MatchID, e.SessionID, e.QuestionID = m.ID, m.SessionID, m.QuestionID
			e.Partner = &Partner{ID: m.Partner.ID, Username: m.Partner.Username}
			e.Mode, e.Role = t.Criteria.ModeOrDefault(), m.Role
		}
	case match.StatusFailed:
		e.Reason = t.Reason
	}
	return e
}

// ClientMessage is what a client may send: {"type":"ping"} (answered with
// {"type":"pong"}). Anything else is ignored.
type ClientMessage struct {
	Type string `json:"type"`
}

// ParseClientMessage reads one client message; ok is false for anything
// that is not a JSON object with a string type of at most 32 bytes.
func ParseClientMessage(data []byte) (ClientMessage, bool) {
	var m ClientMessage
	if len(data) > 4096 || json.Unmarshal(data, &m) != nil || m.Type == "" || len(m.Type) > 32 {
		return ClientMessage{}, false
	}
	return m, true
}
