package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// TestNoShowsAreCountedOncePerSessionAndShownToTheUserOnly: the internal
// route counts a (session, user) pair once; /stats shows the caller's own
// count and nobody else's.
func TestNoShowsAreCountedOncePerSessionAndShownToTheUserOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, annTok := e.user("ann")
	_, bobTok := e.user("bob")
	s1, s2 := uuid.NewString(), uuid.NewString()
	for _, c := range []struct {
		sid  string
		want int
	}{{s1, http.StatusCreated}, {s1, http.StatusOK}, {s2, http.StatusCreated}} {
		r := e.do(http.MethodPost, Prefix+"/internal/no-shows", internalToken, map[string]any{"session_id": c.sid, "user_id": ann.String()})
		if r.Status != c.want {
			t.Fatalf("no-show %s: %d %s, want %d", c.sid, r.Status, r.Raw, c.want)
		}
	}
	if r := e.do(http.MethodPost, Prefix+"/internal/no-shows", internalToken, map[string]any{"session_id": "x", "user_id": ann.String()}); r.Status != http.StatusBadRequest {
		t.Errorf("bad session id: %d, want 400", r.Status)
	}
	if r := e.do(http.MethodPost, Prefix+"/internal/no-shows", annTok, map[string]any{"session_id": s1, "user_id": ann.String()}); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		t.Errorf("a user's token: %d, want 401/403", r.Status)
	}
	for _, c := range []struct {
		tok  string
		want int
	}{{annTok, 2}, {bobTok, 0}} {
		r := e.do(http.MethodGet, Prefix+"/stats", c.tok, nil)
		var s struct {
			NoShows *int `json:"no_shows"`
		}
		if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Raw), &s) != nil || s.NoShows == nil || *s.NoShows != c.want {
			t.Errorf("stats: %d %s, want no_shows %d", r.Status, r.Raw, c.want)
		}
	}
}
