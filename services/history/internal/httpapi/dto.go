package httpapi

import (
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// recordRequest is the body of POST /internal/attempts. Ids and times are
// strings so a bad one is reported by field name.
type recordRequest struct {
	SessionID  string  `json:"session_id"`
	UserID     string  `json:"user_id"`
	PartnerID  string  `json:"partner_id"`
	QuestionID string  `json:"question_id"`
	Language   string  `json:"language"`
	Code       *string `json:"code"`
	StartedAt  string  `json:"started_at"`
	EndedAt    string  `json:"ended_at"`
	Role       *string `json:"role"` // optional: "interviewer" or "candidate" in a mock interview
}

// toNewAttempt parses r; malformed ids and times are a validation error
// naming each field. The domain rules are checked by the service.
func (r recordRequest) toNewAttempt() (attempt.NewAttempt, error) {
	var n attempt.NewAttempt
	var bad []httperr.FieldError
	for _, f := range []struct {
		name string
		in   string
		out  *uuid.UUID
	}{
		{"session_id", r.SessionID, &n.SessionID},
		{"user_id", r.UserID, &n.UserID},
		{"partner_id", r.PartnerID, &n.PartnerID},
		{"question_id", r.QuestionID, &n.QuestionID},
	} {
		if f.in == "" {
			bad = append(bad, httperr.FieldError{Field: f.name, Message: "is required"})
			continue
		}
		id, ok := parseUUID(f.in)
		if !ok {
			bad = append(bad, httperr.FieldError{Field: f.name, Message: "must be a UUID"})
			continue
		}
		*f.out = id
	}
	for _, f := range []struct {
		name string
		in   string
		out  *time.Time
	}{
		{"started_at", r.StartedAt, &n.StartedAt},
		{"ended_at", r.EndedAt, &n.EndedAt},
	} {
		if f.in == "" {
			bad = append(bad, httperr.FieldError{Field: f.name, Message: "is required"})
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.in)
		if err != nil {
			bad = append(bad, httperr.FieldError{Field: f.name, Message: "must be an RFC 3339 time"})
			continue
		}
		*f.out = t
	}
	if r.Language == "" {
		bad = append(bad, httperr.FieldError{Field: "language", Message: "is required"})
	}
	n.Language = r.Language
	if r.Role != nil {
		n.Role = *r.Role
	}
	if r.Code == nil {
		bad = append(bad, httperr.FieldError{Field: "code", Message: "is required"})
	} else {
		n.Code = *r.Code
	}
	if len(bad) > 0 {
		return attempt.NewAttempt{}, httperr.Validation(bad...)
	}
	return n, nil
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// parseUUID accepts only the canonical 36-character form.
func parseUUID(s string) (uuid.UUID, bool) {
	if len(s) != 36 {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

type questionDTO struct {
	ID         string   `json:"id"`
	Title      *string  `json:"title"`
	Slug       *string  `json:"slug"`
	Difficulty *string  `json:"difficulty"`
	Topics     []string `json:"topics"`
	// Snapshot is "ready", "pending" (question-service was unreachable;
	// filled in shortly) or "missing" (the question did not exist).
	Snapshot string `json:"snapshot"`
}

type attemptBase struct {
	ID              string      `json:"id"`
	SessionID       string      `json:"session_id"`
	UserID          string      `json:"user_id"`
	Question        questionDTO `json:"question"`
	Language        string      `json:"language"`
	Code            string      `json:"code"`
	StartedAt       time.Time   `json:"started_at"`
	EndedAt         time.Time   `json:"ended_at"`
	DurationSeconds int64       `json:"duration_seconds"`
	CreatedAt       time.Time   `json:"created_at"`
	// Role: "interviewer" or "candidate" for a question of a mock
	// interview, null otherwise.
	Role *string `json:"role"`
}

type partnerDTO struct {
	ID       string  `json:"id"`
	Username *string `json:"username"` // null when user-service could not be asked
}

// attemptResponse is an attempt as its owner sees it.
type attemptResponse struct {
	attemptBase
	Partner partnerDTO `json:"partner"`
}

// recordedResponse answers the internal caller that recorded an attempt.
type recordedResponse struct {
	attemptBase
	PartnerID string `json:"partner_id"`
}

type listResponse struct {
	Items      []attemptResponse `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

type questionIDsResponse struct {
	QuestionIDs []string `json:"question_ids"`
}

func toQuestionIDsResponse(ids []uuid.UUID) questionIDsResponse {
	out := questionIDsResponse{QuestionIDs: make([]string, len(ids))}
	for i, id := range ids {
		out.QuestionIDs[i] = id.String()
	}
	return out
}

type dayDTO struct {
	Date  string `json:"date"`
	Count int    `json:"count"`
}

type statsResponse struct {
	Total             int            `json:"total"`
	DistinctQuestions int            `json:"distinct_questions"`
	ByDifficulty      map[string]int `json:"by_difficulty"`
	ByTopic           map[string]int `json:"by_topic"`
	ByDay             []dayDTO       `json:"by_day"`
	TimeZone          string         `json:"time_zone"`
	CurrentStreak     int            `json:"current_streak"`
	LongestStreak     int            `json:"longest_streak"`
	// NoShows: sessions the caller never joined (only ever their own).
	NoShows int `json:"no_shows"`
}

// noShowRequest is the body of POST /internal/no-shows.
type noShowRequest struct {
	SessionID string `json:"session_id"`
	UserID    string `json:"user_id"`
}

func toBase(a attempt.Attempt) attemptBase {
	q := questionDTO{ID: a.QuestionID.String(), Topics: []string{}, Snapshot: string(a.Snapshot)}
	if a.Snapshot == attempt.SnapshotReady {
		q.Title, q.Difficulty = ptr(a.Question.Title), ptr(a.Question.Difficulty)
		if a.Question.Slug != "" {
			q.Slug = ptr(a.Question.Slug)
		}
		if a.Question.Topics != nil {
			q.Topics = a.Question.Topics
		}
	}
	return attemptBase{
		ID: a.ID.String(), SessionID: a.SessionID.String(), UserID: a.UserID.String(),
		Question: q, Language: a.Language, Code: a.Code,
		StartedAt: a.StartedAt.UTC(), EndedAt: a.EndedAt.UTC(), CreatedAt: a.CreatedAt.UTC(),
		DurationSeconds: int64(a.EndedAt.Sub(a.StartedAt) / time.Second),
		Role:            orNull(a.Role),
	}
}

func toAttemptResponse(v attempt.View) attemptResponse {
	return attemptResponse{attemptBase: toBase(v.Attempt), Partner: partnerDTO{ID: v.Partner.ID.String(), Username: v.Partner.Username}}
}

func toRecordedResponse(a attempt.Attempt) recordedResponse {
	return recordedResponse{attemptBase: toBase(a), PartnerID: a.PartnerID.String()}
}

func toStatsResponse(s attempt.Stats) statsResponse {
	days := make([]dayDTO, len(s.ByDay))
	for i, d := range s.ByDay {
		days[i] = dayDTO{Date: d.Date.Format(time.DateOnly), Count: d.Count}
	}
	return statsResponse{
		Total: s.Total, DistinctQuestions: s.DistinctQuestions,
		ByDifficulty: s.ByDifficulty, ByTopic: s.ByTopic, ByDay: days,
		TimeZone: s.TimeZone, CurrentStreak: s.CurrentStreak, LongestStreak: s.LongestStreak, NoShows: s.NoShows,
	}
}

func ptr[T any](v T) *T { return &v }
