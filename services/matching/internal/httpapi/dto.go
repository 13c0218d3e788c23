package httpapi

import (
	"time"

	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/ws"
)

// ticketRequest is POST /tickets. Language may be absent, null or "" for
// any language; Mode absent or "" is practise. The values are checked by
// match.Criteria.Validate so every bad field is named at once.
type ticketRequest struct {
	Difficulty         string  `json:"difficulty"`
	Topic              string  `json:"topic"`
	Language           *string `json:"language"`
	Mode               string  `json:"mode"`
	StartAsInterviewer bool    `json:"start_as_interviewer"`
}

func (r ticketRequest) criteria() match.Criteria {
	c := match.Criteria{Difficulty: r.Difficulty, Topic: r.Topic, Mode: r.Mode, StartAsInterviewer: r.StartAsInterviewer}
	if r.Language != nil {
		c.Language = *r.Language
	}
	return c
}

// createdResponse is the 202 of POST /tickets.
type createdResponse struct {
	TicketID  string      `json:"ticket_id"`
	Status    string      `json:"status"`
	ExpiresAt time.Time   `json:"expires_at"`
	QueuedAt  time.Time   `json:"queued_at"`
	Criteria  ws.Criteria `json:"criteria"`
	Relaxed   bool        `json:"relaxed"`
}

// ticketResponse is a ticket as GET /tickets/current shows it.
type ticketResponse struct {
	TicketID  string         `json:"ticket_id"`
	Status    string         `json:"status"`
	Criteria  ws.Criteria    `json:"criteria"`
	QueuedAt  time.Time      `json:"queued_at"`
	ExpiresAt time.Time      `json:"expires_at"`
	Relaxed   bool           `json:"relaxed"` // may match any difficulty of the topic now
	Match     *matchResponse `json:"match,omitempty"`
	Reason    string         `json:"reason,omitempty"`
}

// matchResponse has the fields of the matched event.
type matchResponse struct {
	MatchID    string     `json:"match_id"`
	SessionID  string     `json:"session_id"`
	QuestionID string     `json:"question_id"`
	Partner    ws.Partner `json:"partner"`
	Role       string     `json:"role,omitempty"` // mock interviews: interviewer or candidate
}

func toCriteria(c match.Criteria) ws.Criteria {
	return ws.CriteriaOf(c)
}

func toTicketResponse(t match.Ticket) ticketResponse {
	r := ticketResponse{
		TicketID: t.ID, Status: string(t.Status), Criteria: toCriteria(t.Criteria),
		QueuedAt: t.QueuedAt, ExpiresAt: t.ExpiresAt, Reason: t.Reason, Relaxed: t.Relaxed,
	}
	if m := t.Match; m != nil {
		r.Match = &matchResponse{MatchID: m.ID, SessionID: m.SessionID, QuestionID: m.QuestionID,
			Partner: ws.Partner{ID: m.Partner.ID, Username: m.Partner.Username}, Role: m.Role}
	}
	return r
}
