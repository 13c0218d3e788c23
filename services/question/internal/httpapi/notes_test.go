package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// notesOf reports whether a question body has interviewer_notes, and them.
func notesOf(t *testing.T, r response) ([]string, bool) {
	t.Helper()
	var v map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Raw), &v); err != nil {
		t.Fatalf("decode %s: %v", r.Raw, err)
	}
	raw, ok := v["interviewer_notes"]
	if !ok {
		return nil, false
	}
	var notes []string
	if err := json.Unmarshal(raw, &notes); err != nil {
		t.Fatalf("interviewer_notes is not a list of strings: %s", raw)
	}
	return notes, true
}

// TestInterviewerNotesOnlyForAdminsAndServices: a user reading a question,
// by id, by slug or as the random pick, never gets the interviewer's notes;
// an admin and another service (the internal token) do. Each case runs
// twice, so the second read is served from the cache the first one filled
// for whichever audience came first.
func TestInterviewerNotesOnlyForAdminsAndServices(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	readTwoSumAs(t, a, [][]string{{"user", "internal", "admin"}, {"internal", "admin", "user"}}, func(who, path string, r response) {
		notes, ok := notesOf(t, r)
		if who == "user" {
			if ok || strings.Contains(r.Raw, "Ask for O(n).") {
				t.Fatalf("a user reads the interviewer's notes at %s: %s", path, r.Raw)
			}
			return
		}
		if !ok || len(notes) != 1 || notes[0] != "Ask for O(n)." {
			t.Fatalf("%s GET %s: notes %q (present %v), want [Ask for O(n).]", who, path, notes, ok)
		}
	})
}

// readTwoSumAs reads a.twoSum by id, by slug and as the random pick as
// each audience in each order, twice from an empty cache, so reads are also
// served from the cache whichever audience filled it; check sees each 200.
func readTwoSumAs(t *testing.T, a *api, orders [][]string, check func(who, path string, r response)) {
	t.Helper()
	for _, order := range orders {
		a.cache.Reset(true)
		for range 2 {
			for _, who := range order {
				token := map[string]string{"user": a.user, "admin": a.admin, "internal": internalToken}[who]
				for _, path := range []string{
					"/questions/" + a.twoSum.ID.String(),
					"/questions/two-sum",
					"/questions/random?topic=hash-tables",
				} {
					r := a.do(t, "GET", base+path, token, "")
					if r.Status != http.StatusOK {
						t.Fatalf("%s GET %s: %d %s", who, path, r.Status, r.Raw)
					}
					check(who, path, r)
				}
			}
		}
	}
}

// TestInterviewerNotesETags: the user's and the admin's bodies have
// different ETags, so a user's If-None-Match never turns into a 304 for the
// admin's body or the other way round.
func TestInterviewerNotesETags(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	path := base + "/questions/" + a.twoSum.ID.String()
	user := a.do(t, "GET", path, a.user, "")
	admin := a.do(t, "GET", path, a.admin, "")
	if user.Header.Get("ETag") == admin.Header.Get("ETag") {
		t.Fatal("the user's and the admin's bodies share an ETag")
	}
	if got := user.Header.Get("Vary"); got != "Authorization" {
		t.Errorf("Vary = %q, want Authorization", got)
	}
	if r := a.do(t, "GET", path, a.admin, "", "If-None-Match", user.Header.Get("ETag")); r.Status != http.StatusOK {
		t.Errorf("admin revalidating the user's ETag: %d, want 200 with the notes", r.Status)
	}
	if r := a.do(t, "GET", path, a.user, "", "If-None-Match", admin.Header.Get("ETag")); r.Status != http.StatusOK {
		t.Errorf("user revalidating the admin's ETag: %d, want 200 without the notes", r.Status)
	}
	if r := a.do(t, "GET", path, a.user, "", "If-None-Match", user.Header.Get("ETag")); r.Status != http.StatusNotModified {
		t.Errorf("user revalidating their own ETag: %d, want 304", r.Status)
	}
	// An admin's write conditioned on the body they read goes through.
	if r := a.do(t, "PUT", path, a.admin, body("Two Sum", "easy", "arrays"), "If-Match", admin.Header.Get("ETag")); r.Status != http.StatusOK {
		t.Errorf("PUT with the admin's ETag: %d %s", r.Status, r.Raw)
	}
}

// TestInterviewerNotesWrites: admins set, replace and clear ([]) the notes
// on create and update, a PUT without them keeps them, and invalid notes
// are refused by field.
func TestInterviewerNotesWrites(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	withNotes := func(title string, notes any) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(body(title, "easy", "math")), &m); err != nil {
			t.Fatal(err)
		}
		m["interviewer_notes"] = notes
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name   string
		notes  any
		status int
		field  string
		want   []string
	}{
		{"two notes are kept, trimmed", []string{" Ask about ties. ", "Probe **empty** input."}, 201, "", []string{"Ask about ties.", "Probe **empty** input."}},
		{"no notes is an empty list", nil, 201, "", []string{}},
		{"an empty list is an empty list", []string{}, 201, "", []string{}},
		{"a blank note is refused", []string{"ok", "  "}, 400, "interviewer_notes[1]", nil},
		{"a note with a control character is refused", []string{"bell\a"}, 400, "interviewer_notes[0]", nil},
		{"a note over 1000 bytes is refused", []string{strings.Repeat("n", 1001)}, 400, "interviewer_notes[0]", nil},
		{"more than 20 notes are refused", make21(), 400, "interviewer_notes", nil},
		{"one string instead of a list is refused", "Ask for O(n).", 400, "", nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			title := "Notes Case " + string(rune('A'+i))
			r := a.do(t, "POST", base+"/questions", a.admin, withNotes(title, tc.notes))
			if r.Status != tc.status {
				t.Fatalf("create: %d %s, want %d", r.Status, r.Raw, tc.status)
			}
			if tc.field != "" && (len(r.Err().Details) == 0 || r.Err().Details[0].Field != tc.field) {
				t.Fatalf("create: details %+v, want field %s", r.Err().Details, tc.field)
			}
			if tc.status != 201 {
				return
			}
			if notes, ok := notesOf(t, r); !ok || !equal(notes, tc.want) {
				t.Fatalf("create answered notes %q, want %q", notes, tc.want)
			}
			got := a.do(t, "GET", r.Header.Get("Location"), internalToken, "")
			if notes, ok := notesOf(t, got); !ok || !equal(notes, tc.want) {
				t.Fatalf("internal read: notes %q, want %q", notes, tc.want)
			}
		})
	}

	path := base + "/questions/" + a.tree.ID.String()
	if r := a.do(t, "PUT", path, a.admin, withNotes("Binary Tree Depth", []string{"New note."})); r.Status != 200 {
		t.Fatalf("update: %d %s", r.Status, r.Raw)
	}
	if notes, _ := notesOf(t, a.do(t, "GET", path, a.admin, "")); !equal(notes, []string{"New note."}) {
		t.Fatalf("after update: %q", notes)
	}
	// The admin editor of before the notes sends none: they stay.
	if r := a.do(t, "PUT", path, a.admin, body("Binary Tree Depth", "medium", "trees")); r.Status != 200 {
		t.Fatalf("update without notes: %d %s", r.Status, r.Raw)
	}
	if notes, _ := notesOf(t, a.do(t, "GET", path, a.admin, "")); !equal(notes, []string{"New note."}) {
		t.Fatalf("a PUT without the field lost the notes: %q", notes)
	}
	if r := a.do(t, "PUT", path, a.admin, withNotes("Binary Tree Depth", nil)); r.Status != 200 {
		t.Fatalf("update with null notes: %d %s", r.Status, r.Raw)
	}
	if notes, _ := notesOf(t, a.do(t, "GET", path, a.admin, "")); !equal(notes, []string{"New note."}) {
		t.Fatalf("a PUT with null notes lost them: %q", notes)
	}
	if r := a.do(t, "PUT", path, a.admin, withNotes("Binary Tree Depth", []string{})); r.Status != 200 {
		t.Fatalf("update clearing: %d %s", r.Status, r.Raw)
	}
	if notes, ok := notesOf(t, a.do(t, "GET", path, a.admin, "")); !ok || len(notes) != 0 {
		t.Fatalf("after clearing: %q (present %v)", notes, ok)
	}
}

func make21() []string {
	out := make([]string, 21)
	for i := range out {
		out[i] = "note"
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
