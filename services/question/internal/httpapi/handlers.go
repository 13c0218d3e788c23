package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

type handlers struct {
	svc   *question.Service
	cache *Cache
}

func (h *handlers) list(c echo.Context) error {
	f, err := parseListQuery(c.QueryParams())
	if err != nil {
		return err
	}
	page, err := h.svc.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]summaryDTO, len(page.Items))
	for i, s := range page.Items {
		items[i] = toSummaryDTO(s)
	}
	return writeJSON(c, http.StatusOK, pageDTO{Items: items, Total: page.Total, Page: page.Page, Limit: page.Limit})
}

func (h *handlers) get(c echo.Context) error {
	ref, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	if audienceOf(c) == adminAudience {
		// Admins read the hidden cases, which the cache never holds.
		q, err := h.svc.Get(c.Request().Context(), ref)
		if err != nil {
			return err
		}
		return writeQuestion(c, http.StatusOK, q)
	}
	e, err := h.question(c, ref)
	if err != nil {
		return err
	}
	return writeCached(c, http.StatusOK, e.forCaller(c))
}

// question returns the encoded question ref names, from the cache when it
// holds it.
func (h *handlers) question(c echo.Context, ref question.Ref) (*cached, error) {
	e, gen := h.cache.lookup(ref)
	if e != nil {
		return e, nil
	}
	q, err := h.svc.Get(c.Request().Context(), ref)
	if err != nil {
		return nil, err
	}
	if e, err = encode(q); err != nil {
		return nil, err
	}
	h.cache.fill(gen, e)
	return e, nil
}

func (h *handlers) random(c echo.Context) error {
	f, err := parseRandomQuery(c.QueryParams())
	if err != nil {
		return err
	}
	gen := h.cache.generation()
	q, err := h.svc.Random(c.Request().Context(), f)
	if errors.Is(err, question.ErrNotFound) {
		return httperr.NotFound("no question matches the filters")
	}
	if err != nil {
		return err
	}
	e, err := encode(q)
	if err != nil {
		return err
	}
	// The matcher's pick is read next by both peers' clients: keep it.
	h.cache.fill(gen, e)
	body := e.forCaller(c).body
	if audienceOf(c) == adminAudience {
		r, err := render(q, adminAudience)
		if err != nil {
			return err
		}
		body = r.body
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Vary", "Authorization")
	return c.JSONBlob(http.StatusOK, body)
}

// tests answers the internal route: every test case of a question, hidden
// ones included, for execution-service.
func (h *handlers) tests(c echo.Context) error {
	ref, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	q, err := h.svc.Get(c.Request().Context(), ref)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, http.StatusOK, toTestsDTO(q))
}

func (h *handlers) topics(c echo.Context) error {
	tcs, err := h.svc.Topics(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]topicDTO, len(tcs))
	for i, tc := range tcs {
		out[i] = topicDTO{
			Slug:  tc.Slug,
			Name:  tc.Name,
			Count: tc.Count,
			ByDifficulty: difficultyDTO{
				Easy:   tc.ByDifficulty[question.Easy],
				Medium: tc.ByDifficulty[question.Medium],
				Hard:   tc.ByDifficulty[question.Hard],
			},
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

func (h *handlers) create(c echo.Context) error {
	var in questionInput
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	q, err := h.svc.Create(c.Request().Context(), in.draft())
	if err != nil {
		return err
	}
	h.cache.Changed(q.ID)
	c.Response().Header().Set("Location", Prefix+"/questions/"+q.ID.String())
	return writeQuestion(c, http.StatusCreated, q)
}

func (h *handlers) update(c echo.Context) error {
	ref, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	var in questionInput
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	q, err := h.svc.Update(c.Request().Context(), ref, in.draft(), ifMatch(c.Request().Header.Get("If-Match")))
	if err != nil {
		return err
	}
	// Evicted here too, not only by the change feed, so that this replica
	// reads its own write at once.
	h.cache.Changed(q.ID)
	return writeQuestion(c, http.StatusOK, q)
}

func (h *handlers) delete(c echo.Context) error {
	ref, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	id, err := h.svc.Delete(c.Request().Context(), ref)
	if err != nil {
		return err
	}
	h.cache.Changed(id)
	return c.NoContent(http.StatusNoContent)
}

// encode renders q for the two audiences the cache serves, each with a
// strong ETag (the hash of its body): without the interviewer's notes for
// users, with them for internal callers. Neither holds hidden test cases;
// admins' bodies, which do, are rendered per request and never cached. The
// bodies differ, so their ETags do too, and an If-None-Match from one
// audience never revalidates another's body.
func encode(q question.Question) (*cached, error) {
	public, err := render(q, userAudience)
	if err != nil {
		return nil, err
	}
	full, err := render(q, internalAudience)
	if err != nil {
		return nil, err
	}
	return &cached{id: q.ID, slug: q.Slug, public: public, full: full}, nil
}

func render(q question.Question, a audience) (rendering, error) {
	body, err := marshal(toQuestionDTO(q, a))
	if err != nil {
		return rendering{}, err
	}
	sum := sha256.Sum256(body)
	return rendering{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}, nil
}

// audienceOf says what the caller may read: users neither interviewer
// notes nor hidden cases, other services notes only (auth gives the
// internal token the admin role, with subject auth.InternalCaller), admins
// everything.
func audienceOf(c echo.Context) audience {
	claims := auth.ClaimsFrom(c)
	switch {
	case claims == nil || claims.Role != auth.RoleAdmin:
		return userAudience
	case claims.Subject == auth.InternalCaller:
		return internalAudience
	}
	return adminAudience
}

// writeQuestion sends q as the caller may read it; writers are admins.
func writeQuestion(c echo.Context, status int, q question.Question) error {
	r, err := render(q, audienceOf(c))
	if err != nil {
		return err
	}
	return writeCached(c, status, r)
}

// writeCached sends an encoded question with its ETag, and answers a GET
// whose If-None-Match already holds it with 304. Questions change rarely,
// so clients may keep them and revalidate (no-cache); private because reads
// need a token, and varying by it because admins get another body.
func writeCached(c echo.Context, status int, e rendering) error {
	hdr := c.Response().Header()
	hdr.Set("ETag", e.etag)
	hdr.Set("Cache-Control", "private, no-cache")
	hdr.Set("Vary", "Authorization")
	if c.Request().Method == http.MethodGet && etagMatches(c.Request().Header.Get("If-None-Match"), e.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSONBlob(status, e.body)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2):
// "*" or any listed tag equal to etag once a W/ prefix is dropped.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// ifMatch turns an If-Match header into a precondition on the stored
// question: "*" (any current version) or one of the listed strong tags
// equal to the question's ETag (RFC 9110 §13.1.1: weak tags never match).
// Writers are admins, so the tag is that of an admin's body (with notes
// and every test case), and an edit of the cases alone changes it too.
// No header is no precondition, so a write without it overwrites.
func ifMatch(header string) question.Precondition {
	if strings.TrimSpace(header) == "" {
		return nil
	}
	return func(current question.Question) bool {
		r, err := render(current, adminAudience)
		if err != nil {
			return false
		}
		for tag := range strings.SplitSeq(header, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || tag == r.etag {
				return true
			}
		}
		return false
	}
}

// marshal encodes v as JSON without escaping <, > and & (the API is JSON
// served with nosniff, and code samples are full of them).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(c echo.Context, status int, v any) error {
	body, err := marshal(v)
	if err != nil {
		return err
	}
	return c.JSONBlob(status, body)
}
