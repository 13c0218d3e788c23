package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/question/internal/httpapi"
	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

const (
	internalToken = "internal-token-for-tests-0123456789"
	base          = "/question-service-api"
)

type api struct {
	h            http.Handler
	svc          *question.Service
	cache        *httpapi.Cache
	user, admin  string
	twoSum, tree question.Question
}

// newAPI serves the real router, with its cache fed by the change feed as
// in production, over a fresh database holding two questions.
func newAPI(t testing.TB) *api {
	t.Helper()
	a := replica(t, postgres.New(pgtest.New(t, migrations.FS)))
	var err error
	ctx := context.Background()
	if a.twoSum, err = a.svc.Create(ctx, draft("Two Sum", "easy", "arrays", "hash-tables")); err != nil {
		t.Fatal(err)
	}
	if a.tree, err = a.svc.Create(ctx, draft("Binary Tree Depth", "medium", "trees")); err != nil {
		t.Fatal(err)
	}
	return a
}

// replica is one service instance over store; several may share one
// database, as replicas do in production.
func replica(t testing.TB, store *postgres.Store) *api {
	t.Helper()
	svc := question.NewService(store, nil, nil)
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(priv, nil)
	verifier := auth.NewVerifier(auth.StaticKeys{signer.KeyID(): auth.Public(priv)}, nil)
	srv := server.New(server.Options{Service: "question-service", Prefix: httpapi.Prefix, MapError: httpapi.MapError})
	cache := httpapi.NewCache(1000, time.Minute, nil)
	httpapi.Register(srv.Echo, httpapi.Options{Questions: svc, Cache: cache, Verifier: verifier, InternalToken: internalToken})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		store.WatchChanges(ctx, cache, func(err error) { t.Logf("change feed: %v", err) })
	}()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(5 * time.Second); !cache.Listening(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the change feed never connected")
		}
	}
	a := &api{h: srv.Echo, svc: svc, cache: cache}
	a.user, _, _ = signer.Sign("6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", auth.RoleUser, "")
	a.admin, _, _ = signer.Sign("7a1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a2", auth.RoleAdmin, "")
	return a
}

func draft(title, difficulty string, topics ...string) question.Draft {
	return question.Draft{
		Title: title, Difficulty: question.Difficulty(difficulty), Topics: topics,
		Description:      "Describe " + title + ".",
		Examples:         []question.Example{{Input: "in", Output: "out", Explanation: "why"}},
		Constraints:      []string{"n <= 10"},
		Hints:            []string{"hint"},
		InterviewerNotes: []string{"Ask for O(n)."},
		StarterCode:      map[string]string{"python": "def f():\n    pass\n", "go": "func f() {}\n"},
	}
}

func body(title, difficulty string, topics ...string) string {
	b, _ := json.Marshal(map[string]any{
		"title": title, "difficulty": difficulty, "topics": topics,
		"description": "Describe it.",
		"examples":    []map[string]string{{"input": "in", "output": "out", "explanation": "why"}},
		"constraints": []string{"n <= 10"}, "hints": []string{"hint"},
		"starter_code": map[string]string{"python": "def f():\n    pass\n", "cpp": "int f();"},
	})
	return string(b)
}

// response is one answer of the API.
type response = apitest.Response

// do sends a request to the API and checks that an error answer has the
// shared shape.
func (a *api) do(t testing.TB, method, path, token, reqBody string, hdr ...string) response {
	t.Helper()
	r := apitest.Serve(t, a.h, method, path, token, reqBody, hdr...)
	if r.Status >= 400 && (r.Err().Code == "" || r.RequestID() == "") {
		t.Fatalf("%s %s: error body is not the shared shape: %s", method, path, r.Raw)
	}
	return r
}

func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Raw), &v); err != nil {
		t.Fatalf("decode %s: %v", r.Raw, err)
	}
	return v
}

type questionBody struct {
	ID          string            `json:"id"`
	Slug        string            `json:"slug"`
	Title       string            `json:"title"`
	Difficulty  string            `json:"difficulty"`
	Topics      []string          `json:"topics"`
	Description *string           `json:"description"`
	Examples    []json.RawMessage `json:"examples"`
	Constraints []string          `json:"constraints"`
	Hints       []string          `json:"hints"`
	StarterCode map[string]string `json:"starter_code"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
}

type pageBody struct {
	Items []questionBody `json:"items"`
	Total int            `json:"total"`
	Page  int            `json:"page"`
	Limit int            `json:"limit"`
}

// TestStatuses covers each route's outcomes, one row per case.
func TestStatuses(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.twoSum.ID.String()
	cases := []struct {
		name, method, path, token, body string
		status                          int
		code, field                     string
	}{
		// Reads need a user's token or the internal token.
		{"list without a token is 401", "GET", "/questions", "", "", 401, "unauthenticated", ""},
		{"list with a bad token is 401", "GET", "/questions", "not.a.jwt", "", 401, "unauthenticated", ""},
		{"list with a user token", "GET", "/questions", a.user, "", 200, "", ""},
		{"list with the internal token", "GET", "/questions", internalToken, "", 200, "", ""},
		{"list with every filter", "GET", "/questions?difficulty=easy&topic=arrays&topic=math,trees&q=sum&page=1&limit=5", a.user, "", 200, "", ""},
		{"empty parameters mean unset", "GET", "/questions?difficulty=&topic=&q=&page=&limit=", a.user, "", 200, "", ""},
		{"unknown difficulty is 400", "GET", "/questions?difficulty=extreme", a.user, "", 400, "validation_failed", "difficulty"},
		{"unknown topic is 400", "GET", "/questions?topic=arrays,astrology", a.user, "", 400, "validation_failed", "topic"},
		{"page 0 is 400", "GET", "/questions?page=0", a.user, "", 400, "validation_failed", "page"},
		{"page that is not a number is 400", "GET", "/questions?page=two", a.user, "", 400, "validation_failed", "page"},
		{"limit 101 is 400", "GET", "/questions?limit=101", a.user, "", 400, "validation_failed", "limit"},
		{"negative limit is 400", "GET", "/questions?limit=-1", a.user, "", 400, "validation_failed", "limit"},
		{"huge page is 400", "GET", "/questions?page=99999999999999999999", a.user, "", 400, "validation_failed", "page"},
		{"overlong search is 400", "GET", "/questions?q=" + strings.Repeat("x", 201), a.user, "", 400, "validation_failed", "q"},
		{"search with a NUL is 400", "GET", "/questions?q=a%00b", a.user, "", 400, "validation_failed", "q"},
		{"unknown parameter is 400", "GET", "/questions?dificulty=easy", a.user, "", 400, "validation_failed", `"dificulty"`},
		{"repeated page is 400", "GET", "/questions?page=1&page=2", a.user, "", 400, "validation_failed", "page"},

		{"get by id", "GET", "/questions/" + id, a.user, "", 200, "", ""},
		{"get by upper-case id", "GET", "/questions/" + strings.ToUpper(id), a.user, "", 200, "", ""},
		{"get by slug", "GET", "/questions/two-sum", internalToken, "", 200, "", ""},
		{"get without a token is 401", "GET", "/questions/two-sum", "", "", 401, "unauthenticated", ""},
		{"get of an unknown slug is 404", "GET", "/questions/no-such-question", a.user, "", 404, "not_found", ""},
		{"get of an unknown id is 404", "GET", "/questions/00000000-0000-4000-8000-000000000000", a.user, "", 404, "not_found", ""},
		{"get of a malformed id is 400", "GET", "/questions/Two_Sum", a.user, "", 400, "validation_failed", "id"},
		{"get of a malformed uuid is 400", "GET", "/questions/779f065f-7952-5f9a-ab6e-709697aeeeZZ", a.user, "", 400, "validation_failed", "id"},

		{"random", "GET", "/questions/random", a.user, "", 200, "", ""},
		{"random with filters", "GET", "/questions/random?difficulty=easy&topic=arrays&exclude=", internalToken, "", 200, "", ""},
		{"random without a token is 401", "GET", "/questions/random", "", "", 401, "unauthenticated", ""},
		{"random with nothing left is 404", "GET", "/questions/random?topic=arrays&exclude=" + id, a.user, "", 404, "not_found", ""},
		{"random with no match is 404", "GET", "/questions/random?difficulty=hard", a.user, "", 404, "not_found", ""},
		{"random with a malformed exclude is 400", "GET", "/questions/random?exclude=" + id + ",Not_An_Id", a.user, "", 400, "validation_failed", "exclude"},
		{"random with an unknown topic is 400", "GET", "/questions/random?topic=astrology", a.user, "", 400, "validation_failed", "topic"},
		{"random with a list parameter is 400", "GET", "/questions/random?page=1", a.user, "", 400, "validation_failed", `"page"`},

		{"topics", "GET", "/topics", a.user, "", 200, "", ""},
		{"topics without a token is 401", "GET", "/topics", "", "", 401, "unauthenticated", ""},

		// Writes need an admin's token.
		{"create without a token is 401", "POST", "/questions", "", body("New One", "easy", "math"), 401, "unauthenticated", ""},
		{"create as a user is 403", "POST", "/questions", a.user, body("New One", "easy", "math"), 403, "forbidden", ""},
		{"create with the internal token is 401", "POST", "/questions", internalToken, body("New One", "easy", "math"), 401, "unauthenticated", ""},
		{"create as an admin is 201", "POST", "/questions", a.admin, body("New One", "easy", "math"), 201, "", ""},
		{"create with a taken slug is 409", "POST", "/questions", a.admin, body("two  SUM", "hard", "math"), 409, "conflict", ""},
		{"create with a short title is 400", "POST", "/questions", a.admin, body("ab", "easy", "math"), 400, "validation_failed", "title"},
		{"create with no topics is 400", "POST", "/questions", a.admin, body("Topicless", "easy"), 400, "validation_failed", "topics"},
		{"create with an unknown topic is 400", "POST", "/questions", a.admin, body("Odd Topic", "easy", "astrology"), 400, "validation_failed", "topics[0]"},
		{"create with a bad difficulty is 400", "POST", "/questions", a.admin, body("Odd Difficulty", "trivial", "math"), 400, "validation_failed", "difficulty"},
		{"create with an unknown field is 400", "POST", "/questions", a.admin, `{"title":"x","slug":"x"}`, 400, "validation_failed", "slug"},
		{"create with a wrong type is 400", "POST", "/questions", a.admin, `{"topics":"arrays"}`, 400, "validation_failed", "topics"},
		{"create with malformed JSON is 400", "POST", "/questions", a.admin, `{"title":`, 400, "invalid_request", ""},
		{"create with an empty object lists every field", "POST", "/questions", a.admin, `{}`, 400, "validation_failed", "title"},
		{"create with a huge body is 413", "POST", "/questions", a.admin, `{"description":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "payload_too_large", ""},

		{"update as an admin is 200", "PUT", "/questions/binary-tree-depth", a.admin, body("Binary Tree Height", "hard", "trees", "graphs"), 200, "", ""},
		{"update as a user is 403", "PUT", "/questions/" + id, a.user, body("Two Sum", "easy", "arrays"), 403, "forbidden", ""},
		{"update without a token is 401", "PUT", "/questions/" + id, "", body("Two Sum", "easy", "arrays"), 401, "unauthenticated", ""},
		{"update of a missing question is 404", "PUT", "/questions/gone", a.admin, body("Gone Again", "easy", "arrays"), 404, "not_found", ""},
		{"update with a malformed id is 400", "PUT", "/questions/-x-", a.admin, body("Two Sum", "easy", "arrays"), 400, "validation_failed", "id"},
		{"update with an invalid body is 400", "PUT", "/questions/" + id, a.admin, body("Two Sum", "easy", "arrays", "arrays"), 400, "validation_failed", "topics[1]"},

		{"delete as a user is 403", "DELETE", "/questions/" + id, a.user, "", 403, "forbidden", ""},
		{"delete without a token is 401", "DELETE", "/questions/" + id, "", "", 401, "unauthenticated", ""},
		{"delete of a missing question is 404", "DELETE", "/questions/gone", a.admin, "", 404, "not_found", ""},
		{"delete with a malformed id is 400", "DELETE", "/questions/%20", a.admin, "", 400, "validation_failed", "id"},

		{"unknown route is 404", "GET", "/nothing-here", a.user, "", 404, "not_found", ""},
		{"unsupported method is 405", "PATCH", "/questions/" + id, a.admin, "", 405, "method_not_allowed", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Sequential: some rows write, and later rows must not see
			// another row's question.
			r := a.do(t, tc.method, base+tc.path, tc.token, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.code != "" && r.Err().Code != tc.code {
				t.Fatalf("code %q, want %q: %s", r.Err().Code, tc.code, r.Raw)
			}
			if tc.field != "" {
				for _, d := range r.Err().Details {
					if d.Field == tc.field && d.Message != "" {
						return
					}
				}
				t.Fatalf("no detail for %s: %s", tc.field, r.Raw)
			}
		})
	}
}

func TestListShape(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.do(t, "GET", base+"/questions?limit=1&page=2", a.user, "")
	p := decode[pageBody](t, r)
	if p.Total != 2 || p.Page != 2 || p.Limit != 1 || len(p.Items) != 1 || p.Items[0].Slug != "two-sum" {
		t.Fatalf("page %+v", p)
	}
	it := p.Items[0]
	if it.Description != nil || it.ID == "" || it.Title != "Two Sum" || it.Difficulty != "easy" || len(it.Topics) != 2 || it.CreatedAt == "" {
		t.Fatalf("summary %s", r.Raw)
	}
	r = a.do(t, "GET", base+"/questions?topic=trees&topic=hash-tables", a.user, "")
	if p := decode[pageBody](t, r); p.Total != 2 || p.Limit != 20 || p.Page != 1 {
		t.Fatalf("defaults and repeated topics: %+v", p)
	}
	r = a.do(t, "GET", base+"/questions?q=binary", a.user, "")
	if p := decode[pageBody](t, r); p.Total != 1 || p.Items[0].Slug != "binary-tree-depth" {
		t.Fatalf("search: %s", r.Raw)
	}
	r = a.do(t, "GET", base+"/questions?topic=heaps", a.user, "")
	if !strings.Contains(r.Raw, `"items":[]`) {
		t.Fatalf("an empty page must list [] not null: %s", r.Raw)
	}
}

func TestGetShapeAndETag(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	path := base + "/questions/" + a.twoSum.ID.String()
	r := a.do(t, "GET", path, a.user, "")
	q := decode[questionBody](t, r)
	if q.ID != a.twoSum.ID.String() || q.Slug != "two-sum" || q.Description == nil || len(q.Examples) != 1 ||
		len(q.Constraints) != 1 || len(q.Hints) != 1 || q.StarterCode["python"] == "" || !strings.HasSuffix(q.CreatedAt, "Z") {
		t.Fatalf("question %s", r.Raw)
	}
	etag := r.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || r.Header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("headers %v", r.Header)
	}
	if bySlug := a.do(t, "GET", base+"/questions/two-sum", a.user, ""); bySlug.Header.Get("ETag") != etag {
		t.Fatal("the same question by slug has another ETag")
	}
	for name, inm := range map[string]string{
		"exact tag": etag, "weak form": "W/" + etag, "in a list": `"other", ` + etag, "star": "*",
	} {
		r := a.do(t, "GET", path, a.user, "", "If-None-Match", inm)
		if r.Status != http.StatusNotModified || len(r.Raw) != 0 || r.Header.Get("ETag") != etag {
			t.Fatalf("%s: status %d, body %q", name, r.Status, r.Raw)
		}
	}
	if r := a.do(t, "GET", path, a.user, "", "If-None-Match", `"stale"`); r.Status != 200 {
		t.Fatalf("stale tag: %d", r.Status)
	}
	if r := a.do(t, "GET", path, "", "", "If-None-Match", etag); r.Status != 401 {
		t.Fatalf("a matching tag must not skip authentication: %d", r.Status)
	}

	// After an update the old tag no longer matches.
	up := a.do(t, "PUT", path, a.admin, body("Two Sum", "medium", "arrays"))
	if up.Status != 200 || up.Header.Get("ETag") == etag {
		t.Fatalf("update: %d, ETag %q", up.Status, up.Header.Get("ETag"))
	}
	r = a.do(t, "GET", path, a.admin, "", "If-None-Match", etag) // the PUT answered the admin's body
	if r.Status != 200 || r.Header.Get("ETag") != up.Header.Get("ETag") {
		t.Fatalf("after update: %d, ETag %q vs %q", r.Status, r.Header.Get("ETag"), up.Header.Get("ETag"))
	}
}

func TestRandomRoute(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.do(t, "GET", base+"/questions/random?topic=trees", a.user, "")
	if q := decode[questionBody](t, r); q.Slug != "binary-tree-depth" || q.Description == nil {
		t.Fatalf("random: %s", r.Raw)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	// Excluding by slug and by id, in a comma list and repeated.
	r = a.do(t, "GET", base+"/questions/random?exclude=binary-tree-depth&exclude="+a.twoSum.ID.String(), a.user, "")
	if r.Status != 404 {
		t.Fatalf("everything excluded: %d %s", r.Status, r.Raw)
	}
	seen := map[string]bool{}
	for range 40 {
		seen[decode[questionBody](t, a.do(t, "GET", base+"/questions/random?topic=trees,arrays", a.user, "")).Slug] = true
	}
	if len(seen) != 2 {
		t.Fatalf("40 draws over two questions saw %v", seen)
	}
}

func TestTopicsRoute(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	type topic struct {
		Slug         string         `json:"slug"`
		Name         string         `json:"name"`
		Count        int            `json:"count"`
		ByDifficulty map[string]int `json:"by_difficulty"`
	}
	ts := decode[[]topic](t, a.do(t, "GET", base+"/topics", a.user, ""))
	if len(ts) != 16 || ts[0].Slug != "arrays" || ts[0].Name != "Arrays" {
		t.Fatalf("topics %+v", ts)
	}
	for _, tp := range ts {
		want := map[string]int{"arrays": 1, "hash-tables": 1, "trees": 1}[tp.Slug]
		if tp.Count != want || tp.ByDifficulty["easy"]+tp.ByDifficulty["medium"]+tp.ByDifficulty["hard"] != want {
			t.Errorf("%s: %+v", tp.Slug, tp)
		}
	}
}

func TestAdminWrites(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.do(t, "POST", base+"/questions", a.admin, body("  Crème Brûlée Problem  ", "hard", "math", "greedy"))
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	created := decode[questionBody](t, r)
	if created.Slug != "creme-brulee-problem" || created.Title != "Crème Brûlée Problem" || r.Header.Get("Location") != base+"/questions/"+created.ID {
		t.Fatalf("created %s, Location %q", r.Raw, r.Header.Get("Location"))
	}
	if got := a.do(t, "GET", r.Header.Get("Location"), a.admin, ""); got.Header.Get("ETag") != r.Header.Get("ETag") {
		t.Fatal("GET after POST shows another representation")
	}

	r = a.do(t, "PUT", base+"/questions/creme-brulee-problem", a.admin, body("Renamed Problem", "easy", "strings"))
	updated := decode[questionBody](t, r)
	if r.Status != 200 || updated.ID != created.ID || updated.Slug != "renamed-problem" || updated.CreatedAt != created.CreatedAt || updated.UpdatedAt == created.UpdatedAt {
		t.Fatalf("update: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, "GET", base+"/questions/creme-brulee-problem", a.user, ""); r.Status != 404 {
		t.Fatalf("old slug still answers: %d", r.Status)
	}
	if r := a.do(t, "PUT", base+"/questions/"+created.ID, a.admin, body("Two Sum", "easy", "strings")); r.Status != 409 {
		t.Fatalf("rename onto a taken slug: %d", r.Status)
	}
	if r := a.do(t, "DELETE", base+"/questions/renamed-problem", a.admin, ""); r.Status != 204 || len(r.Raw) != 0 {
		t.Fatalf("delete: %d %q", r.Status, r.Raw)
	}
	if r := a.do(t, "GET", base+"/questions/"+created.ID, a.user, ""); r.Status != 404 {
		t.Fatalf("deleted question answers %d", r.Status)
	}
	if r := a.do(t, "DELETE", base+"/questions/"+created.ID, a.admin, ""); r.Status != 404 {
		t.Fatalf("second delete: %d", r.Status)
	}
}

// TestIfMatchRefusesAStaleEdit: an admin who read a question sends its
// ETag back; if it was changed in the meantime the write is a 412 and the
// other edit stays.
func TestIfMatchRefusesAStaleEdit(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.do(t, "POST", base+"/questions", a.admin, body("Edited Twice", "hard", "math"))
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	path := r.Header.Get("Location")
	read := a.do(t, "GET", path, a.admin, "").Header.Get("ETag")

	put := func(etag, title string) response {
		t.Helper()
		if etag == "" {
			return a.do(t, "PUT", path, a.admin, body(title, "hard", "math"))
		}
		return a.do(t, "PUT", path, a.admin, body(title, "hard", "math"), "If-Match", etag)
	}
	first := put(read, "Edited Once")
	if first.Status != 200 || first.Header.Get("ETag") == read || first.Header.Get("ETag") == "" {
		t.Fatalf("first edit: %d %s etag %q", first.Status, first.Raw, first.Header.Get("ETag"))
	}
	stale := put(read, "Edited From A Stale Copy")
	if stale.Status != 412 || stale.Err().Code != "precondition_failed" {
		t.Fatalf("stale edit: %d %s", stale.Status, stale.Raw)
	}
	if got := a.do(t, "GET", path, a.user, ""); !strings.Contains(got.Raw, `"title":"Edited Once"`) {
		t.Fatalf("the stale edit overwrote: %s", got.Raw)
	}
	for _, tc := range []struct {
		name, etag string
		want       int
	}{
		{"a weak tag never matches", "W/" + first.Header.Get("ETag"), 412},
		{"one of several tags matches", `"nope", ` + first.Header.Get("ETag"), 200},
		{"star matches any version", "*", 200},
		{"no header overwrites", "", 200},
	} {
		if r := put(tc.etag, "Edited Again "+strings.Fields(tc.name)[0]); r.Status != tc.want {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Raw)
		}
	}
	if r := put("*", "x"); r.Status != 400 {
		t.Errorf("validation comes before the precondition: %d", r.Status)
	}
}

func TestValidationNamesEveryField(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.do(t, "POST", base+"/questions", a.admin, `{"title":"ok title","difficulty":"easy","topics":["math"],"description":"d",
		"examples":[{"input":"","output":"o"}],"hints":[""],"starter_code":{"rust":"fn f(){}","go":""}}`)
	got := map[string]bool{}
	for _, d := range r.Err().Details {
		got[d.Field] = true
	}
	for _, f := range []string{"examples[0].input", "hints[0]", "starter_code.rust", "starter_code.go"} {
		if !got[f] {
			t.Errorf("no detail for %s: %s", f, r.Raw)
		}
	}
}
