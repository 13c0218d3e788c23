package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/collaboration/internal/interview"
	"github.com/peerprep/peerprep/services/collaboration/internal/questions"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

// Questions reads a question (package questions).
type Questions interface {
	Question(ctx context.Context, id string) (questions.Question, error)
}

// Fields of a question only some roles see.
const (
	fieldHints = "hints"
	fieldNotes = "interviewer_notes"
)

// RegisterSessionQuestion mounts GET /sessions/{id}/question: the session's
// question as the caller's role allows.
func RegisterSessionQuestion(e *echo.Echo, sessions *session.Service, interviews *interview.Service, qs Questions, verifier *auth.Verifier) {
	h := &sessionQuestionAPI{sessions: sessions, interviews: interviews, questions: qs}
	e.Group(Prefix).GET("/sessions/:id/question", h.get, auth.Authenticate(verifier))
}

type sessionQuestionAPI struct {
	sessions   *session.Service
	interviews *interview.Service
	questions  Questions
}

// get answers the question with two more fields: role ("interviewer",
// "candidate" or "" outside a mock interview) and hints_hidden. The
// candidate of a running mock interview gets neither the hints nor the
// interviewer's notes; notes go to interviewers only.
func (h *sessionQuestionAPI) get(c echo.Context) error {
	ctx, user := c.Request().Context(), userID(c)
	sess, err := h.sessions.GetFor(ctx, c.Param("id"), user)
	if err != nil {
		return err
	}
	role, hideHints, questionID := "", false, sess.QuestionID
	if sess.ModeOrDefault() == session.ModeMock {
		v, err := h.interviews.Get(ctx, sess.ID, user)
		if err != nil {
			return err
		}
		role = v.Role(user)
		hideHints = v.Status == interview.StatusRunning && role == interview.RoleCandidate
		if id := v.QuestionID(); id != "" {
			questionID = id // the second phase has a question of its own
		}
	}
	q, err := h.questions.Question(ctx, questionID)
	switch {
	case errors.Is(err, questions.ErrNotFound):
		return httperr.NotFound("the session's question no longer exists")
	case err != nil:
		return httperr.Unavailable(err)
	}
	if role != interview.RoleInterviewer {
		delete(q, fieldNotes)
	}
	if hideHints {
		delete(q, fieldHints)
	}
	q["role"], _ = json.Marshal(role)
	q["hints_hidden"], _ = json.Marshal(hideHints)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, q)
}
