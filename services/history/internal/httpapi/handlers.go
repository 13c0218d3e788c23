package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

type handler struct {
	svc *attempt.Service
}

// recordAttempt: 201 with the new attempt, 200 with the stored one when
// the same (session_id, user_id, question_id) was recorded before.
func (h *handler) recordAttempt(c echo.Context) error {
	var req recordRequest
	if err := server.BindJSON(c, &req); err != nil {
		return err
	}
	n, err := req.toNewAttempt()
	if err != nil {
		return err
	}
	a, created, err := h.svc.Record(c.Request().Context(), n)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toRecordedResponse(a))
}

func (h *handler) attemptedQuestionIDs(c echo.Context) error {
	userID, ok := parseUUID(c.Param("id"))
	if !ok {
		return httperr.Validation(httperr.FieldError{Field: "id", Message: "must be a UUID"})
	}
	ids, err := h.svc.QuestionIDs(c.Request().Context(), userID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toQuestionIDsResponse(ids))
}

// attemptedQuestionIDsOf: the questions any of the users (?user_id=…,
// one to internalapi.MaxAttemptedUsers) attempted, each once.
func (h *handler) attemptedQuestionIDsOf(c echo.Context) error {
	users := c.QueryParams()["user_id"]
	if len(users) == 0 || len(users) > internalapi.MaxAttemptedUsers {
		return httperr.Validation(httperr.FieldError{Field: "user_id", Message: fmt.Sprintf("between 1 and %d user ids", internalapi.MaxAttemptedUsers)})
	}
	var ids []uuid.UUID
	seen := map[uuid.UUID]bool{}
	for _, u := range users {
		userID, ok := parseUUID(u)
		if !ok {
			return httperr.Validation(httperr.FieldError{Field: "user_id", Message: "must be a UUID"})
		}
		got, err := h.svc.QuestionIDs(c.Request().Context(), userID)
		if err != nil {
			return err
		}
		for _, id := range got {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return c.JSON(http.StatusOK, toQuestionIDsResponse(ids))
}

// attemptedQuestions: the distinct questions the caller has attempted, for
// the question bank's "attempted" marks.
func (h *handler) attemptedQuestions(c echo.Context) error {
	owner, err := caller(c)
	if err != nil {
		return err
	}
	ids, err := h.svc.QuestionIDs(c.Request().Context(), owner)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toQuestionIDsResponse(ids))
}

func (h *handler) listAttempts(c echo.Context) error {
	owner, err := caller(c)
	if err != nil {
		return err
	}
	q, err := parseListQuery(c)
	if err != nil {
		return err
	}
	q.UserID = owner
	page, err := h.svc.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := listResponse{Items: make([]attemptResponse, len(page.Items))}
	for i, v := range page.Items {
		out.Items[i] = toAttemptResponse(v)
	}
	if page.Next != nil {
		out.NextCursor = ptr(page.Next.Encode())
	}
	return c.JSON(http.StatusOK, out)
}

// parseListQuery reads the query parameters of GET /attempts; the domain
// checks the values' rules.
func parseListQuery(c echo.Context) (attempt.ListQuery, error) {
	var q attempt.ListQuery
	var bad []httperr.FieldError
	qp := c.QueryParams()
	for _, p := range []struct {
		name string
		out  *uuid.UUID
	}{{"question_id", &q.Filter.QuestionID}, {"session_id", &q.Filter.SessionID}} {
		if s := qp.Get(p.name); s != "" {
			id, ok := parseUUID(s)
			if !ok {
				bad = append(bad, httperr.FieldError{Field: p.name, Message: "must be a UUID"})
			}
			*p.out = id
		}
	}
	q.Filter.Difficulty = qp.Get("difficulty")
	q.Filter.Topic = qp.Get("topic")
	for _, p := range []struct {
		name string
		out  *int
	}{{"limit", &q.Limit}, {"page", &q.Page}} {
		s := qp.Get(p.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			bad = append(bad, httperr.FieldError{Field: p.name, Message: "must be a positive whole number"})
			continue
		}
		*p.out = n
	}
	loc, err := attempt.ParseTimeZone(qp.Get("tz"))
	if err != nil {
		bad = append(bad, tzFieldError)
		loc = time.UTC
	}
	for _, p := range []struct {
		name    string
		out     *time.Time
		nextDay bool
	}{{"from", &q.Filter.EndedFrom, false}, {"to", &q.Filter.EndedBefore, true}} {
		s := qp.Get(p.name)
		if s == "" {
			continue
		}
		d, err := attempt.ParseDate(s, loc)
		if err != nil {
			bad = append(bad, httperr.FieldError{Field: p.name, Message: err.Error()})
			continue
		}
		if p.nextDay { // to= is inclusive: attempts before the next midnight
			d = d.AddDate(0, 0, 1)
		}
		*p.out = d
	}
	if s := qp.Get("cursor"); s != "" {
		cur, err := attempt.DecodeCursor(s)
		if err != nil {
			bad = append(bad, httperr.FieldError{Field: "cursor", Message: "is not a cursor this API returned"})
		} else {
			q.After = &cur
		}
	}
	if len(bad) > 0 {
		return q, httperr.Validation(bad...)
	}
	return q, nil
}

func (h *handler) getAttempt(c echo.Context) error {
	owner, err := caller(c)
	if err != nil {
		return err
	}
	id, ok := parseUUID(c.Param("id"))
	if !ok {
		return httperr.Validation(httperr.FieldError{Field: "id", Message: "must be a UUID"})
	}
	v, err := h.svc.Get(c.Request().Context(), owner, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAttemptResponse(v))
}

// recordNoShow counts a no-show (matching-service): 201, or 200 when the
// (session_id, user_id) pair was counted already.
func (h *handler) recordNoShow(c echo.Context) error {
	var in noShowRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	sid, okS := parseUUID(in.SessionID)
	uid, okU := parseUUID(in.UserID)
	var bad []httperr.FieldError
	if !okS {
		bad = append(bad, httperr.FieldError{Field: "session_id", Message: "must be a UUID"})
	}
	if !okU {
		bad = append(bad, httperr.FieldError{Field: "user_id", Message: "must be a UUID"})
	}
	if len(bad) > 0 {
		return httperr.Validation(bad...)
	}
	created, err := h.svc.RecordNoShow(c.Request().Context(), sid, uid)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, noShowRequest{SessionID: sid.String(), UserID: uid.String()})
}

func (h *handler) stats(c echo.Context) error {
	owner, err := caller(c)
	if err != nil {
		return err
	}
	loc, err := attempt.ParseTimeZone(c.QueryParam("tz"))
	if err != nil {
		return httperr.Validation(tzFieldError)
	}
	s, err := h.svc.Stats(c.Request().Context(), owner, loc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStatsResponse(s))
}

// caller is the signed-in user, whose attempts are the only ones visible.
func caller(c echo.Context) (uuid.UUID, error) {
	cl := auth.ClaimsFrom(c)
	if cl == nil {
		return uuid.Nil, httperr.Unauthenticated("a valid access token is required")
	}
	id, ok := parseUUID(cl.UserID())
	if !ok {
		return uuid.Nil, httperr.Unauthenticated("the access token does not name a user")
	}
	return id, nil
}
