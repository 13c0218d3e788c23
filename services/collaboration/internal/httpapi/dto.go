package httpapi

import (
	"time"

	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// createRequest is the body of POST /internal/sessions. Fields are checked
// by the domain, which names each bad one.
type createRequest struct {
	MatchID       string   `json:"match_id"`
	UserIDs       []string `json:"user_ids"`
	QuestionID    string   `json:"question_id"`
	Language      string   `json:"language"`
	Mode          string   `json:"mode"`
	InterviewerID string   `json:"interviewer_id"`
}

type createResponse struct {
	SessionID string `json:"session_id"`
}

// sessionDTO is a session as docs/internal-apis.md describes it.
type sessionDTO struct {
	ID         string     `json:"id"`
	UserIDs    [2]string  `json:"user_ids"`
	QuestionID string     `json:"question_id"`
	Language   string     `json:"language"` // the editors' current language
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	Mode       string     `json:"mode"`
	// InterviewerID is who starts as the interviewer of a mock interview.
	InterviewerID string `json:"interviewer_id,omitempty"`
}

func toSessionDTO(s session.Session) sessionDTO {
	return sessionDTO{ID: s.ID, UserIDs: s.UserIDs, QuestionID: s.QuestionID, Language: s.CurrentLanguage(),
		Status: s.Status, CreatedAt: s.CreatedAt, EndedAt: s.EndedAt, Mode: s.ModeOrDefault(), InterviewerID: s.InterviewerID}
}

// internalSessionDTO is GET /internal/sessions/{id}: the session and who
// has left it (history-service takes feedback from a participant once they
// have left or the session has ended).
type internalSessionDTO struct {
	sessionDTO
	LeftUserIDs []string `json:"left_user_ids"`
	// JoinedUserIDs: who opened the session's socket (matching-service
	// looks for a no-show).
	JoinedUserIDs []string `json:"joined_user_ids"`
	EndReason     string   `json:"end_reason,omitempty"`
}

func toInternalSessionDTO(s session.Session) internalSessionDTO {
	return internalSessionDTO{sessionDTO: toSessionDTO(s), LeftUserIDs: leftUserIDs(s), JoinedUserIDs: s.Joined(), EndReason: s.EndReason}
}

// noShowRequest is the body of POST /internal/sessions/{id}/no-show.
type noShowRequest struct {
	AbsentUserIDs []string `json:"absent_user_ids"`
}

func leftUserIDs(s session.Session) []string {
	left := []string{}
	for i, u := range s.UserIDs {
		if s.LeftAt[i] != nil {
			left = append(left, u)
		}
	}
	return left
}

// participantSessionDTO is what a participant sees: the session, who has
// left, and the latest plain-text snapshot (for an ended session, the
// final code to show read-only).
type participantSessionDTO struct {
	sessionDTO
	LeftUserIDs   []string   `json:"left_user_ids"`
	Code          string     `json:"code"`
	CodeUpdatedAt *time.Time `json:"code_updated_at,omitempty"`
}

func toParticipantDTO(s session.Session) participantSessionDTO {
	return participantSessionDTO{sessionDTO: toSessionDTO(s), LeftUserIDs: leftUserIDs(s), Code: s.Code, CodeUpdatedAt: s.CodeUpdatedAt}
}

// snapshotRequest is the body of PUT /sessions/{id}/snapshot.
type snapshotRequest struct {
	Code     *string `json:"code" validate:"required"`
	Language string  `json:"language" validate:"required"`
	// QuestionID is optional: the question whose document the code is. A
	// mock interview's late snapshot of the first question, arriving after
	// the swap, then updates that question's kept code.
	QuestionID string `json:"question_id"`
}
