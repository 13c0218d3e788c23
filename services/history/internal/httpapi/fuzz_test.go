package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// FuzzRecordAttempt sends arbitrary bodies through the real router,
// service and database: whatever arrives, the answer is never a 5xx (and a
// panic would be a 500).
func FuzzRecordAttempt(f *testing.F) {
	now := time.Now().UTC()
	valid := func(mut func(map[string]any)) string {
		b := map[string]any{
			"session_id": uuid.NewString(), "user_id": uuid.NewString(), "partner_id": uuid.NewString(),
			"question_id": uuid.NewString(), "language": "go", "code": "package main",
			"started_at": now.Add(-time.Hour).Format(time.RFC3339Nano), "ended_at": now.Format(time.RFC3339Nano),
		}
		if mut != nil {
			mut(b)
		}
		js, _ := json.Marshal(b)
		return string(js)
	}
	for _, s := range []string{
		valid(nil),
		valid(func(b map[string]any) { b["code"] = "\x00\xff\u2028" }),
		valid(func(b map[string]any) { b["ended_at"] = "0000-01-01T00:00:00Z" }),
		valid(func(b map[string]any) { b["started_at"] = "9999-12-31T23:59:59.999999999+14:00" }),
		valid(func(b map[string]any) { b["ended_at"] = "2026-02-30T25:61:00Z" }),
		valid(func(b map[string]any) { b["session_id"] = "00000000-0000-0000-0000-000000000000" }),
		valid(func(b map[string]any) { b["user_id"] = "{6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1}" }),
		valid(func(b map[string]any) { b["language"] = strings.Repeat("go", 1000) }),
		valid(func(b map[string]any) { b["code"] = nil }),
		valid(func(b map[string]any) { b["extra"] = []int{1} }),
		`{}`, `[]`, `null`, `"x"`, `{"code":1e999}`, `{"session_id":{}}`, ``,
	} {
		f.Add(s)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body string) {
		r := e.send(t, http.MethodPost, Prefix+"/internal/attempts", internalToken, body)
		if r.Status >= 500 {
			t.Fatalf("status %d for body %q: %s", r.Status, body, r.Raw)
		}
	})
}

// FuzzListQuery sends arbitrary query strings to GET /attempts and
// /stats: the answer is a 200 or a 400, never a 5xx.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{
		"", "limit=3&page=2", "from=2026-01-01&to=2026-01-31&tz=Europe/Zurich", "tz=Local", "tz=%00",
		"from=9999-12-31&to=9999-12-31&tz=Pacific/Kiritimati", "from=2000-01-01&tz=Etc/GMT-14",
		"difficulty=hard&topic=graph&cursor=AQ", "to=2026-02-30", "tz=America/Argentina/Buenos_Aires&from=2026-3-1",
	} {
		f.Add(s)
	}
	e := newEnv(f)
	_, tok := e.user("fuzz")
	f.Fuzz(func(t *testing.T, query string) {
		// Only strings a client could send as a request target.
		if _, err := url.ParseRequestURI("/x?" + query); err != nil || strings.ContainsAny(query, " #") {
			return
		}
		for _, path := range []string{"/attempts?", "/stats?"} {
			r := e.send(t, http.MethodGet, Prefix+path+query, tok, "")
			if r.Status >= 500 {
				t.Fatalf("status %d for %s%s: %s", r.Status, path, query, r.Raw)
			}
		}
	})
}
