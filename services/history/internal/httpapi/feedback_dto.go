package httpapi

import (
	"math"
	"time"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/history/internal/feedback"
)

// feedbackRequest is the body of PUT /sessions/{id}/feedback. Ratings are
// pointers so a missing one is named rather than read as 0.
type feedbackRequest struct {
	ProblemSolving *int    `json:"problem_solving"`
	Communication  *int    `json:"communication"`
	CodeQuality    *int    `json:"code_quality"`
	Comment        *string `json:"comment"`
}

// toInput reports missing ratings by field; their ranges and the comment
// are checked by the domain.
func (r feedbackRequest) toInput() (feedback.Input, error) {
	var in feedback.Input
	var bad []httperr.FieldError
	for _, f := range []struct {
		name string
		in   *int
		out  *int
	}{
		{"problem_solving", r.ProblemSolving, &in.ProblemSolving},
		{"communication", r.Communication, &in.Communication},
		{"code_quality", r.CodeQuality, &in.CodeQuality},
	} {
		if f.in == nil {
			bad = append(bad, httperr.FieldError{Field: f.name, Message: "is required"})
			continue
		}
		*f.out = *f.in
	}
	if r.Comment != nil {
		in.Comment = *r.Comment
	}
	if len(bad) > 0 {
		return feedback.Input{}, httperr.Validation(bad...)
	}
	return in, nil
}

type ratingsDTO struct {
	ProblemSolving int `json:"problem_solving"`
	Communication  int `json:"communication"`
	CodeQuality    int `json:"code_quality"`
}

// givenDTO is feedback as its author sees it.
type givenDTO struct {
	SessionID string `json:"session_id"`
	RatedID   string `json:"rated_id"`
	ratingsDTO
	Comment       string    `json:"comment"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	EditableUntil time.Time `json:"editable_until"`
}

// receivedDTO is feedback as the person rated sees it on their attempt;
// the author is the session's partner, shown on the attempt itself.
type receivedDTO struct {
	SessionID string `json:"session_id"`
	AuthorID  string `json:"author_id"`
	ratingsDTO
	Comment   string    `json:"comment"`
	UpdatedAt time.Time `json:"updated_at"`
}

type exchangeResponse struct {
	SessionID string       `json:"session_id"`
	Given     *givenDTO    `json:"given"`
	Received  *receivedDTO `json:"received"`
}

type averagesDTO struct {
	ProblemSolving float64 `json:"problem_solving"`
	Communication  float64 `json:"communication"`
	CodeQuality    float64 `json:"code_quality"`
	Overall        float64 `json:"overall"`
}

// summaryResponse names nobody: counts and averages only.
type summaryResponse struct {
	Count    int          `json:"count"`
	Averages *averagesDTO `json:"averages"` // null when nothing was received
}

type pendingDTO struct {
	SessionID     string     `json:"session_id"`
	AttemptID     string     `json:"attempt_id"`
	Partner       partnerDTO `json:"partner"`
	QuestionTitle *string    `json:"question_title"`
	EndedAt       time.Time  `json:"ended_at"`
}

type pendingResponse struct {
	Items []pendingDTO `json:"items"`
}

func toRatingsDTO(r feedback.Ratings) ratingsDTO {
	return ratingsDTO{ProblemSolving: r.ProblemSolving, Communication: r.Communication, CodeQuality: r.CodeQuality}
}

func toGivenDTO(f feedback.Feedback) givenDTO {
	return givenDTO{
		SessionID: f.SessionID.String(), RatedID: f.RatedID.String(), ratingsDTO: toRatingsDTO(f.Ratings),
		Comment: f.Comment, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, EditableUntil: f.EditableUntil(),
	}
}

func toReceivedDTO(f feedback.Feedback) receivedDTO {
	return receivedDTO{
		SessionID: f.SessionID.String(), AuthorID: f.AuthorID.String(), ratingsDTO: toRatingsDTO(f.Ratings),
		Comment: f.Comment, UpdatedAt: f.UpdatedAt,
	}
}

// round2 keeps averages to two decimals, as they are shown.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

func toSummaryResponse(a feedback.Averages) summaryResponse {
	out := summaryResponse{Count: a.Count}
	if a.Count > 0 {
		out.Averages = &averagesDTO{
			ProblemSolving: round2(a.ProblemSolving), Communication: round2(a.Communication), CodeQuality: round2(a.CodeQuality),
			Overall: round2((a.ProblemSolving + a.Communication + a.CodeQuality) / 3),
		}
	}
	return out
}

func toPendingDTO(p feedback.PendingView) pendingDTO {
	d := pendingDTO{
		SessionID: p.SessionID.String(), AttemptID: p.AttemptID.String(),
		Partner: partnerDTO{ID: p.Partner.ID.String(), Username: p.Partner.Username}, EndedAt: p.EndedAt,
	}
	if p.QuestionTitle != "" {
		d.QuestionTitle = ptr(p.QuestionTitle)
	}
	return d
}
