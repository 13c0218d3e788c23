package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzQueryAndID throws arbitrary query strings and path segments at the
// read routes, through the real router and a real database: whatever a
// caller sends, the answer is never a 5xx, always JSON, and nothing panics.
func FuzzQueryAndID(f *testing.F) {
	for _, s := range []struct{ query, id string }{
		{"difficulty=easy&topic=arrays&q=two+sum&page=1&limit=20", "two-sum"},
		{"topic=arrays,strings&topic=math&exclude=two-sum", "779f065f-7952-5f9a-ab6e-709697aeee94"},
		{"q=%22binary+tree%22+-graph+or+heap", "random"},
		{"q=%00&page=-1&limit=1e9", "%00"},
		{"q=%ff%fe&difficulty=%c3", "\xff"},
		{"q=a:*+%26+!b+%7C+(c", "a--b"},
		{"page=9223372036854775807&limit=100", "00000000-0000-0000-0000-000000000000"},
		{"exclude=,,,&topic=,", "{779f065f-7952-5f9a-ab6e-709697aeee94}"},
		{"%zz=1&;=;", "../../etc/passwd"},
		{"q=" + string(make([]byte, 300)), ""},
	} {
		f.Add(s.query, s.id)
	}
	a := newAPI(f)
	f.Fuzz(func(t *testing.T, rawQuery, id string) {
		for _, target := range []struct{ path, rawPath string }{
			{"/question-service-api/questions", ""},
			{"/question-service-api/questions/random", ""},
			{"/question-service-api/questions/" + id, "/question-service-api/questions/" + url.PathEscape(id)},
		} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path, req.URL.RawPath, req.URL.RawQuery = target.path, target.rawPath, rawQuery
			req.Header.Set("Authorization", "Bearer "+a.user)
			rec := httptest.NewRecorder()
			a.h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("GET %s?%q: %d %s", target.path, rawQuery, rec.Code, rec.Body)
			}
			if rec.Code != http.StatusNotModified && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("GET %s?%q: body is not JSON: %q", target.path, rawQuery, rec.Body)
			}
		}
	})
}

// FuzzIfMatch sends arbitrary If-Match headers with a valid edit: the
// answer is the edit (200) or a refusal (412), never anything else.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{"*", `"abc"`, `W/"abc"`, `"a", "b"`, ",,,", `"`, "\x00", " * "} {
		f.Add(s)
	}
	a := newAPI(f)
	path := "/question-service-api/questions/" + a.tree.ID.String()
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodPut, path, strings.NewReader(body("Binary Tree Depth", "medium", "trees")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+a.admin)
		req.Header["If-Match"] = []string{header}
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusPreconditionFailed {
			t.Fatalf("If-Match %q: %d %s", header, rec.Code, rec.Body)
		}
	})
}
