package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/collaboration/internal/interview"
	"github.com/peerprep/peerprep/services/collaboration/internal/room"
)

// RegisterInterview mounts the mock-interview routes: the shared clock and
// roles, and the swap button.
func RegisterInterview(e *echo.Echo, svc *interview.Service, verifier *auth.Verifier) {
	h := &interviewAPI{svc: svc}
	user := auth.Authenticate(verifier)
	g := e.Group(Prefix)
	g.GET("/sessions/:id/interview", h.get, user)
	g.POST("/sessions/:id/interview/swap", h.swap, user)
}

type interviewAPI struct{ svc *interview.Service }

func (h *interviewAPI) get(c echo.Context) error {
	v, err := h.svc.Get(c.Request().Context(), c.Param("id"), userID(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, toInterviewDTO(v, userID(c)))
}

func (h *interviewAPI) swap(c echo.Context) error {
	v, err := h.svc.VoteSwap(c.Request().Context(), c.Param("id"), userID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toInterviewDTO(v, userID(c)))
}

// interviewDTO is a mock interview's clock and roles at server_time.
// Clients count down to phase_ends_at corrected by the offset between
// server_time and their own clock, so both screens agree.
type interviewDTO struct {
	Type           string     `json:"type,omitempty"` // "interview" in a control message
	SessionID      string     `json:"session_id"`
	Phase          int        `json:"phase"`
	Status         string     `json:"status"`
	EndReason      string     `json:"end_reason,omitempty"`
	QuestionID     string     `json:"question_id"` // the current phase's
	InterviewerID  string     `json:"interviewer_id"`
	CandidateID    string     `json:"candidate_id"`
	YourRole       string     `json:"your_role,omitempty"`
	PhaseStartedAt time.Time  `json:"phase_started_at"`
	PhaseEndsAt    time.Time  `json:"phase_ends_at"`
	PhaseSeconds   int64      `json:"phase_seconds"`
	SwapVotes      []string   `json:"swap_votes"`
	EndedAt        *time.Time `json:"ended_at,omitempty"`
	ServerTime     time.Time  `json:"server_time"`
}

func toInterviewDTO(v interview.View, user string) interviewDTO {
	return interviewDTO{
		SessionID: v.SessionID, QuestionID: v.QuestionID(), Phase: v.Phase, Status: v.Status, EndReason: v.EndReason,
		InterviewerID: v.Interviewer(), CandidateID: v.Candidate(), YourRole: v.Role(user),
		PhaseStartedAt: v.PhaseStartedAt, PhaseEndsAt: v.PhaseEndsAt(), PhaseSeconds: int64(v.PhaseLength / time.Second),
		SwapVotes: v.SwapVotes, EndedAt: v.EndedAt, ServerTime: v.Now,
	}
}

// InterviewNotifier sends each new interview state to both participants'
// sockets, on every replica, as a control message.
type InterviewNotifier struct {
	Hub *room.Hub
	Log *slog.Logger
}

// InterviewChanged implements interview.Notifier. A lost message costs
// little: clients read the state again when they reconnect or when their
// countdown ends.
func (n InterviewNotifier) InterviewChanged(ctx context.Context, sid string, v interview.View) {
	d := toInterviewDTO(v, "")
	d.Type = "interview"
	b, err := json.Marshal(d)
	if err == nil {
		err = n.Hub.Control(ctx, sid, b)
	}
	if err != nil {
		n.Log.Warn("telling the sockets of an interview change failed", "session_id", sid, "error", err.Error())
	}
}

// mapInterviewError maps the interview domain's errors; nil for others.
func mapInterviewError(err error) *httperr.Error {
	switch {
	case errors.Is(err, interview.ErrNotInterview):
		return httperr.NotFound("this session is not a mock interview")
	case errors.Is(err, interview.ErrOver):
		return httperr.New(http.StatusConflict, "interview_over", "the interview is over")
	case errors.Is(err, interview.ErrNotParticipant):
		return httperr.NotFound("session not found")
	}
	return nil
}
