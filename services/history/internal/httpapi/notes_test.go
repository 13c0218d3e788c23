package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

type notesJSON struct {
	SessionID string  `json:"session_id"`
	Notes     string  `json:"notes"`
	UpdatedAt *string `json:"updated_at"`
}

func notesPath(session uuid.UUID) string {
	return Prefix + "/sessions/" + session.String() + "/notes"
}

func TestPrivateNotesAreTheAuthorsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, tokA := e.user("alice")
	b, tokB := e.user("bob")
	_, tokC := e.user("carol")
	sid := e.session(a, b, "active") // notes are kept during the session

	get := func(tok string) notesJSON {
		t.Helper()
		r := e.do(http.MethodGet, notesPath(sid), tok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("get: %d %s", r.Status, r.Raw)
		}
		var n notesJSON
		r.Decode(t, &n)
		return n
	}
	if n := get(tokA); n.Notes != "" || n.UpdatedAt != nil {
		t.Fatalf("before any: %+v", n)
	}
	if r := e.do(http.MethodPut, notesPath(sid), tokA, map[string]any{"notes": "Asked about O(n); good on edge cases."}); r.Status != http.StatusOK {
		t.Fatalf("save: %d %s", r.Status, r.Raw)
	}
	if r := e.do(http.MethodPut, notesPath(sid), tokA, map[string]any{"notes": "Second draft."}); r.Status != http.StatusOK {
		t.Fatalf("save again: %d %s", r.Status, r.Raw)
	}
	if n := get(tokA); n.Notes != "Second draft." || n.UpdatedAt == nil {
		t.Fatalf("alice's notes: %+v", n)
	}
	if n := get(tokB); n.Notes != "" {
		t.Fatalf("bob reads alice's notes: %+v", n)
	}
	if n := get(tokC); n.Notes != "" {
		t.Fatalf("a stranger reads alice's notes: %+v", n)
	}
	if r := e.do(http.MethodPut, notesPath(sid), tokC, map[string]any{"notes": "x"}); r.Status != http.StatusForbidden {
		t.Fatalf("a stranger saves: %d %s", r.Status, r.Raw)
	}
	if r := e.do(http.MethodPut, notesPath(uuid.New()), tokB, map[string]any{"notes": "x"}); r.Status != http.StatusNotFound {
		t.Fatalf("an unknown session: %d %s", r.Status, r.Raw)
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"notes over 10000 characters", map[string]any{"notes": strings.Repeat("é", 10001)}, "notes"},
		{"no notes field", map[string]any{}, "notes"},
		{"an unknown field", map[string]any{"notes": "", "title": "x"}, "title"},
	} {
		r := e.do(http.MethodPut, notesPath(sid), tokB, tc.body)
		if r.Status != http.StatusBadRequest || !slices.Contains(fields(r), tc.field) {
			t.Fatalf("%s: %d %s", tc.name, r.Status, r.Raw)
		}
	}
	if r := e.do(http.MethodPut, notesPath(sid), tokB, map[string]any{"notes": strings.Repeat("é", 10000)}); r.Status != http.StatusOK {
		t.Fatalf("exactly 10000 characters: %d", r.Status)
	}
}

// FuzzNotesBody sends arbitrary bodies as private notes: whatever arrives,
// the answer is never a 5xx.
func FuzzNotesBody(f *testing.F) {
	for _, s := range []string{
		`{"notes":"Asked about O(n)."}`, `{"notes":"\u0000\ud800"}`, `{"notes":null}`, `{"notes":1}`,
		`{"notes":"` + strings.Repeat("x", 10001) + `"}`, `{}`, `[]`, `null`, ``,
	} {
		f.Add(s)
	}
	e := newEnv(f)
	a, tok := e.user("alice")
	b, _ := e.user("bob")
	sid := e.session(a, b, "active")
	f.Fuzz(func(t *testing.T, body string) {
		if r := e.send(t, http.MethodPut, notesPath(sid), tok, body); r.Status >= 500 {
			t.Fatalf("status %d for body %q: %s", r.Status, body, r.Raw)
		}
	})
}
