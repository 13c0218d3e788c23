package httpapi

import (
	"time"

	"github.com/peerprep/peerprep/services/execution/internal/harness"
	"github.com/peerprep/peerprep/services/execution/internal/run"
)

type createRequest struct {
	QuestionID string  `json:"question_id"`
	Language   string  `json:"language"`
	Code       string  `json:"code"`
	Mode       string  `json:"mode"`
	SessionID  *string `json:"session_id"`
	Stdin      *string `json:"stdin"`
}

// runResponse is a Run as the API shows it.
type runResponse struct {
	ID                string               `json:"id"`
	UserID            string               `json:"user_id"`
	Username          string               `json:"username"`
	SessionID         *string              `json:"session_id"`
	QuestionID        string               `json:"question_id"`
	Language          string               `json:"language"`
	Mode              string               `json:"mode"`
	Verdict           harness.Verdict      `json:"verdict"`
	Message           string               `json:"message"`
	CreatedAt         time.Time            `json:"created_at"`
	TimeMS            float64              `json:"time_ms"`
	MemoryBytes       uint64               `json:"memory_bytes"`
	Cases             []harness.CaseResult `json:"cases"`
	FirstFailedHidden *int                 `json:"first_failed_hidden"`
	Error             *harness.Error       `json:"error"`
}

func toRunResponse(r run.Run) runResponse {
	out := runResponse{
		ID: r.ID, UserID: r.UserID, Username: r.Username, QuestionID: r.QuestionID, Language: r.Language,
		Mode: r.Mode, Verdict: r.Verdict, Message: r.Message, CreatedAt: r.CreatedAt, TimeMS: r.TimeMS,
		MemoryBytes: r.MemoryBytes, Cases: r.Cases, FirstFailedHidden: r.FirstFailedHidden, Error: r.Error,
	}
	if r.SessionID != "" {
		out.SessionID = &r.SessionID
	}
	if out.Cases == nil {
		out.Cases = []harness.CaseResult{}
	}
	return out
}

type listResponse struct {
	Runs []runResponse `json:"runs"`
}
