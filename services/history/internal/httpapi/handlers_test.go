package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

func TestRecordAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user, partner := uuid.New(), uuid.New()
	ended := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)

	t.Run("a new attempt is 201 with the question snapshot", func(t *testing.T) {
		body := e.attemptBody(user, partner, ended)
		a := e.record(body, http.StatusCreated)
		if a.UserID != user.String() || a.PartnerID != partner.String() || a.Code != "print('hi')" || !a.EndedAt.Equal(ended) {
			t.Fatalf("attempt %+v", a)
		}
		q := a.Question
		if q.Snapshot != "ready" || *q.Title != "Two Sum" || *q.Slug != "two-sum" || *q.Difficulty != "easy" || !slices.Equal(q.Topics, []string{"array", "hash-table"}) {
			t.Fatalf("snapshot %+v", q)
		}
		if a.DurationSeconds != 20*60 {
			t.Fatalf("duration %d", a.DurationSeconds)
		}
	})

	big := strings.Repeat("x", attempt.MaxCodeBytes+1)
	cases := []struct {
		name   string
		mut    func(map[string]any)
		raw    string // sent instead of the body when set
		ctype  string
		status int
		code   string
		fields []string
	}{
		{"code over 100 KiB is 413", func(b map[string]any) { b["code"] = big }, "", "", 413, "payload_too_large", nil},
		{"body over 1 MiB is 413", func(b map[string]any) { b["code"] = strings.Repeat("x", 1<<20) }, "", "", 413, "payload_too_large", nil},
		{"ended_at before started_at is 400", func(b map[string]any) {
			b["ended_at"] = ended.Add(-time.Hour).Format(time.RFC3339)
		}, "", "", 400, "validation_failed", []string{"ended_at"}},
		{"unknown field is 400", func(b map[string]any) { b["score"] = 10 }, "", "", 400, "validation_failed", []string{"score"}},
		{"unsupported language is 400", func(b map[string]any) { b["language"] = "cobol" }, "", "", 400, "validation_failed", []string{"language"}},
		{"malformed ids are 400", func(b map[string]any) { b["user_id"] = "42"; b["question_id"] = "two-sum" }, "", "", 400, "validation_failed", []string{"user_id", "question_id"}},
		{"missing fields are 400", func(b map[string]any) { delete(b, "code"); delete(b, "session_id") }, "", "", 400, "validation_failed", []string{"session_id", "code"}},
		{"non RFC 3339 time is 400", func(b map[string]any) { b["started_at"] = "yesterday" }, "", "", 400, "validation_failed", []string{"started_at"}},
		{"wrong JSON type is 400", func(b map[string]any) { b["code"] = 5 }, "", "", 400, "validation_failed", []string{"code"}},
		{"partner equal to user is 400", func(b map[string]any) { b["partner_id"] = b["user_id"] }, "", "", 400, "validation_failed", []string{"partner_id"}},
		{"malformed JSON is 400", nil, `{"session_id":`, "", 400, "invalid_request", nil},
		{"non-JSON content type is 415", nil, `{}`, "text/plain", 415, "unsupported_media_type", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r response
			switch {
			case tc.ctype != "":
				r = apitest.Serve(t, e.h, http.MethodPost, Prefix+"/internal/attempts", internalToken, tc.raw, "Content-Type", tc.ctype)
			case tc.raw != "":
				r = e.do(http.MethodPost, Prefix+"/internal/attempts", internalToken, tc.raw)
			default:
				body := e.attemptBody(uuid.New(), uuid.New(), ended)
				tc.mut(body)
				r = e.do(http.MethodPost, Prefix+"/internal/attempts", internalToken, body)
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.ctype == "" && r.Err().Code != tc.code {
				t.Fatalf("error code %q, want %q: %s", r.Err().Code, tc.code, r.Raw)
			}
			for _, f := range tc.fields {
				if !slices.Contains(fields(r), f) {
					t.Fatalf("fields %v lack %s: %s", fields(r), f, r.Raw)
				}
			}
		})
	}

	t.Run("code with NUL characters is kept", func(t *testing.T) {
		t.Parallel()
		body := e.attemptBody(uuid.New(), uuid.New(), ended)
		body["code"] = "a\x00b"
		a := e.record(body, http.StatusCreated)
		if a.Code != "a\uFFFDb" {
			t.Fatalf("code %q", a.Code)
		}
	})
}

func TestRecordAttemptIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user, partner := uuid.New(), uuid.New()
	body := e.attemptBody(user, partner, time.Now().Add(-time.Minute))
	first := e.record(body, http.StatusCreated)
	calls := e.peers.Calls(internalapi.QuestionService)

	body["code"] = "a retry carrying other code"
	again := e.record(body, http.StatusOK)
	if again.ID != first.ID || again.Code != first.Code {
		t.Fatalf("repeat answered %s %q, want the first attempt %s %q", again.ID, again.Code, first.ID, first.Code)
	}
	if e.peers.Calls(internalapi.QuestionService) != calls {
		t.Fatalf("a repeat asked question-service again")
	}
	// The partner's attempt of the same session is separate.
	body["user_id"], body["partner_id"] = partner.String(), user.String()
	if b := e.record(body, http.StatusCreated); b.ID == first.ID {
		t.Fatal("the partner's attempt reused the user's")
	}
	if n := e.count("session_id = $1", body["session_id"]); n != 2 {
		t.Fatalf("%d attempts for the session, want 2", n)
	}
}

func TestConcurrentDuplicatePostsStoreOneAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := e.attemptBody(uuid.New(), uuid.New(), time.Now().Add(-time.Minute))
	const n = 20
	codes := make([]int, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			r := e.do(http.MethodPost, Prefix+"/internal/attempts", internalToken, body)
			var a attemptJSON
			_ = jsonUnmarshal([]byte(r.Raw), &a)
			codes[i], ids[i] = r.Status, a.ID
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		switch codes[i] {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("post %d: status %d", i, codes[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("post %d answered attempt %s, post 0 %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d posts answered 201, want exactly 1", created)
	}
	if rows := e.count("session_id = $1", body["session_id"]); rows != 1 {
		t.Fatalf("%d rows stored, want 1", rows)
	}
}

func TestInternalRoutesNeedTheInternalToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, userTok := e.user("ann")
	routes := []struct{ method, path string }{
		{http.MethodPost, Prefix + "/internal/attempts"},
		{http.MethodGet, Prefix + "/internal/users/" + uuid.NewString() + "/attempted-question-ids"},
	}
	for _, rt := range routes {
		for _, tc := range []struct{ name, token string }{
			{"no token", ""}, {"a user's token", userTok}, {"a wrong token", "not-the-internal-token-at-all"},
		} {
			t.Run(rt.method+" "+rt.path+" with "+tc.name+" is 401", func(t *testing.T) {
				t.Parallel()
				var body any
				if rt.method == http.MethodPost {
					body = e.attemptBody(uuid.New(), uuid.New(), time.Now())
				}
				r := e.do(rt.method, rt.path, tc.token, body)
				if r.Status != http.StatusUnauthorized || r.Err().Code != "unauthenticated" {
					t.Fatalf("status %d: %s", r.Status, r.Raw)
				}
			})
		}
	}
	if n := e.count("true"); n != 0 {
		t.Fatalf("%d attempts stored by refused calls", n)
	}
}

func TestUserRoutesNeedAUserToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, path := range []string{"/attempts", "/attempts/" + uuid.NewString(), "/stats", "/attempted-questions"} {
		for _, tc := range []struct{ name, token string }{
			{"no token", ""}, {"the internal token", internalToken}, {"a garbage token", "a.b.c"},
		} {
			t.Run(path+" with "+tc.name+" is 401", func(t *testing.T) {
				t.Parallel()
				r := e.do(http.MethodGet, Prefix+path, tc.token, nil)
				if r.Status != http.StatusUnauthorized {
					t.Fatalf("status %d: %s", r.Status, r.Raw)
				}
			})
		}
	}
	t.Run("an unknown path is 404, not 401", func(t *testing.T) {
		t.Parallel()
		if r := e.do(http.MethodGet, Prefix+"/nope", "", nil); r.Status != http.StatusNotFound {
			t.Fatalf("status %d", r.Status)
		}
	})
}

func TestGetAttemptOnlyTheOwners(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, annTok := e.user("ann")
	bob, bobTok := e.user("bob")
	_, eveTok := e.user("eve")
	body := e.attemptBody(ann, bob, time.Now().Add(-time.Minute))
	body["code"] = "def solve(): pass"
	a := e.record(body, http.StatusCreated)

	r := e.do(http.MethodGet, Prefix+"/attempts/"+a.ID, annTok, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("owner: %d %s", r.Status, r.Raw)
	}
	var got attemptJSON
	r.Decode(t, &got)
	if got.ID != a.ID || got.Code != "def solve(): pass" || got.Partner == nil || got.Partner.ID != bob.String() ||
		got.Partner.Username == nil || *got.Partner.Username != "bob" {
		t.Fatalf("attempt %s", r.Raw)
	}
	for name, tc := range map[string]struct {
		token, id string
		status    int
	}{
		"the partner cannot read it":         {bobTok, a.ID, 404},
		"another user cannot read it":        {eveTok, a.ID, 404},
		"an unknown id is 404":               {annTok, uuid.NewString(), 404},
		"a malformed id is 400":              {annTok, "not-a-uuid", 400},
		"a token with another signer is 401": {"eyJhbGciOiJFZERTQSJ9.e30.c2ln", a.ID, 401},
		"the internal token cannot read it":  {internalToken, a.ID, 401},
		"no token cannot read it":            {"", a.ID, 401},
		"a UUID in another form is 400":      {annTok, strings.ReplaceAll(a.ID, "-", ""), 400},
		"an id with trailing junk is 400":    {annTok, a.ID + "x", 400},
		"an id that is all zeros is not 5xx": {annTok, uuid.Nil.String(), 404},
		"an attempt is not found by session": {annTok, a.SessionID, 404},
		"an upper case id is the same id":    {annTok, strings.ToUpper(a.ID), 200},
		"a partner id is not an attempt id":  {annTok, bob.String(), 404},
		"a user id is not an attempt id":     {annTok, ann.String(), 404},
		"a question id is not an attempt id": {annTok, e.question.ID, 404},
		"an empty id is 404":                 {annTok, "", 404},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if r := e.do(http.MethodGet, Prefix+"/attempts/"+tc.id, tc.token, nil); r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
		})
	}
}

func TestListAttempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, annTok := e.user("ann")
	bob, _ := e.user("bob")
	other := uuid.New()
	hard := fakeQuestion(e, "hard", "graph")
	now := time.Now().UTC().Truncate(time.Second)
	var want []string // newest first
	var sessions []string
	for i := range 7 {
		body := e.attemptBody(ann, bob, now.Add(-time.Duration(i)*time.Hour))
		if i%3 == 0 {
			body["question_id"] = hard
		}
		a := e.record(body, http.StatusCreated)
		want, sessions = append(want, a.ID), append(sessions, a.SessionID)
	}
	others := e.record(e.attemptBody(other, ann, now), http.StatusCreated) // someone else's

	list := func(t *testing.T, query string) ([]attemptJSON, *string) {
		t.Helper()
		r := e.do(http.MethodGet, Prefix+"/attempts"+query, annTok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, r.Status, r.Raw)
		}
		var out struct {
			Items      []attemptJSON `json:"items"`
			NextCursor *string       `json:"next_cursor"`
		}
		r.Decode(t, &out)
		return out.Items, out.NextCursor
	}
	ids := func(items []attemptJSON) []string {
		var s []string
		for _, a := range items {
			s = append(s, a.ID)
		}
		return s
	}

	t.Run("own attempts newest first with partner and code", func(t *testing.T) {
		items, next := list(t, "")
		if !slices.Equal(ids(items), want) || next != nil {
			t.Fatalf("ids %v next %v, want %v and no cursor", ids(items), next, want)
		}
		p := items[0].Partner
		if p == nil || p.ID != bob.String() || p.Username == nil || *p.Username != "bob" || items[0].Code == "" {
			t.Fatalf("first item %+v", items[0])
		}
	})
	t.Run("cursor pages cover every attempt once", func(t *testing.T) {
		var got []string
		query := "?limit=3"
		for range 5 {
			items, next := list(t, query)
			got = append(got, ids(items)...)
			if next == nil {
				break
			}
			query = "?limit=3&cursor=" + *next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}
	})
	t.Run("page parameter pages by offset", func(t *testing.T) {
		items, _ := list(t, "?limit=3&page=2")
		if !slices.Equal(ids(items), want[3:6]) {
			t.Fatalf("page 2 %v, want %v", ids(items), want[3:6])
		}
	})
	t.Run("filters narrow the list", func(t *testing.T) {
		byQuestion, _ := list(t, "?question_id="+hard)
		byDifficulty, _ := list(t, "?difficulty=hard")
		byTopic, _ := list(t, "?topic=graph")
		easyGraph, _ := list(t, "?difficulty=easy&topic=graph")
		wantHard := []string{want[0], want[3], want[6]}
		if !slices.Equal(ids(byQuestion), wantHard) || !slices.Equal(ids(byDifficulty), wantHard) ||
			!slices.Equal(ids(byTopic), wantHard) || len(easyGraph) != 0 {
			t.Fatalf("question %v difficulty %v topic %v easy+graph %v, want %v", ids(byQuestion), ids(byDifficulty), ids(byTopic), ids(easyGraph), wantHard)
		}
	})
	t.Run("from and to are inclusive days in the caller's zone", func(t *testing.T) {
		day := func(at time.Time, zone string) string {
			loc, _ := time.LoadLocation(zone)
			return at.In(loc).Format(time.DateOnly)
		}
		// Every attempt ended within the last 7 hours: today or yesterday in any zone.
		for _, zone := range []string{"UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"} {
			var wantDay []string
			target := day(now, zone)
			for i, id := range want {
				if day(now.Add(-time.Duration(i)*time.Hour), zone) == target {
					wantDay = append(wantDay, id)
				}
			}
			items, _ := list(t, "?from="+target+"&to="+target+"&tz="+zone)
			if !slices.Equal(ids(items), wantDay) {
				t.Fatalf("%s on %s: %v, want %v", zone, target, ids(items), wantDay)
			}
		}
		tomorrow := now.AddDate(0, 0, 1).Format(time.DateOnly)
		if items, _ := list(t, "?from="+tomorrow); len(items) != 0 {
			t.Fatalf("from tomorrow: %v", ids(items))
		}
		// A range pages with the cursor like any filter.
		query, got := "?limit=2&difficulty=hard&from=2020-01-01&to="+tomorrow, []string(nil)
		for range 4 {
			items, next := list(t, query)
			got = append(got, ids(items)...)
			if next == nil {
				break
			}
			query = "?limit=2&difficulty=hard&from=2020-01-01&to=" + tomorrow + "&cursor=" + *next
		}
		if wantHard := []string{want[0], want[3], want[6]}; !slices.Equal(got, wantHard) {
			t.Fatalf("paged range %v, want %v", got, wantHard)
		}
	})
	t.Run("a session's attempt, and never another user's of it", func(t *testing.T) {
		one, _ := list(t, "?session_id="+sessions[4])
		if !slices.Equal(ids(one), want[4:5]) {
			t.Fatalf("session filter %v, want %v", ids(one), want[4:5])
		}
		if theirs, _ := list(t, "?session_id="+others.SessionID); len(theirs) != 0 {
			t.Fatalf("another user's session: %v", ids(theirs))
		}
	})
	t.Run("a user without attempts gets an empty list", func(t *testing.T) {
		_, tok := e.user("newbie")
		r := e.do(http.MethodGet, Prefix+"/attempts", tok, nil)
		if r.Status != 200 || !strings.Contains(r.Raw, `"items":[]`) || !strings.Contains(r.Raw, `"next_cursor":null`) {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
	for _, tc := range []struct{ query, field string }{
		{"?limit=0", "limit"}, {"?limit=101", "limit"}, {"?limit=ten", "limit"}, {"?limit=-1", "limit"},
		{"?page=0", "page"}, {"?page=99999", "page"}, {"?cursor=bogus", "cursor"},
		{"?difficulty=extreme", "difficulty"}, {"?topic=DROP%20TABLE", "topic"}, {"?question_id=1", "question_id"},
		{"?session_id=x", "session_id"}, {"?from=yesterday", "from"}, {"?to=2026-02-30", "to"},
		{"?from=1999-12-31", "from"}, {"?from=2026-03-02&to=2026-03-01", "to"}, {"?tz=Mars/Base", "tz"},
		{"?tz=Local", "tz"}, {"?from=2026-01-01&tz=..%2Fetc", "tz"},
	} {
		t.Run("query "+tc.query+" is 400", func(t *testing.T) {
			r := e.do(http.MethodGet, Prefix+"/attempts"+tc.query, annTok, nil)
			if r.Status != 400 || !slices.Contains(fields(r), tc.field) {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
		})
	}
	t.Run("page with cursor is 400", func(t *testing.T) {
		_, next := list(t, "?limit=1")
		r := e.do(http.MethodGet, Prefix+"/attempts?page=2&cursor="+*next, annTok, nil)
		if r.Status != 400 || !slices.Contains(fields(r), "page") {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
}

// fakeQuestion adds a question to the stand-in and returns its id.
func fakeQuestion(e *env, difficulty string, topics ...string) string {
	q := e.question
	q.ID, q.Slug, q.Title, q.Difficulty, q.Topics = uuid.NewString(), "q-"+difficulty, "A "+difficulty+" one", difficulty, topics
	e.peers.AddQuestion(q)
	return q.ID
}

func TestPartnerUsernames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, annTok := e.user("ann")
	bob, _ := e.user("bob")
	gone, _ := e.user("gone")
	e.peers.SetUser(gone.String(), "") // deleted account
	withBob := e.record(e.attemptBody(ann, bob, time.Now().Add(-time.Hour)), http.StatusCreated)
	withGone := e.record(e.attemptBody(ann, gone, time.Now().Add(-time.Minute)), http.StatusCreated)
	username := func(id string) *string {
		t.Helper()
		r := e.do(http.MethodGet, Prefix+"/attempts/"+id, annTok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		var a attemptJSON
		r.Decode(t, &a)
		return a.Partner.Username
	}

	if u := username(withGone.ID); u == nil || *u != attempt.DeletedUsername {
		t.Fatalf("deleted partner shown as %v", u)
	}
	if u := username(withBob.ID); u == nil || *u != "bob" {
		t.Fatalf("partner shown as %v", u)
	}
	calls := e.peers.Calls(internalapi.UserService)
	for range 5 {
		username(withBob.ID)
	}
	if got := e.peers.Calls(internalapi.UserService); got != calls {
		t.Fatalf("cached username looked up again: %d calls", got-calls)
	}
	t.Run("user-service down shows the id with a null username", func(t *testing.T) {
		e.peers.SetDown(internalapi.UserService, http.StatusServiceUnavailable)
		stranger, _ := e.user("stranger") // not cached yet
		a := e.record(e.attemptBody(ann, stranger, time.Now()), http.StatusCreated)
		r := e.do(http.MethodGet, Prefix+"/attempts", annTok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("list while user-service is down: %d %s", r.Status, r.Raw)
		}
		var out struct{ Items []attemptJSON }
		r.Decode(t, &out)
		first := out.Items[0]
		if first.ID != a.ID || first.Partner.ID != stranger.String() || first.Partner.Username != nil {
			t.Fatalf("partner %+v, want id with null username", first.Partner)
		}
		if out.Items[1].Partner.Username == nil {
			t.Fatal("cached usernames should still be shown")
		}
	})
}

func TestAttemptedQuestionIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, bob := uuid.New(), uuid.New()
	second := fakeQuestion(e, "medium", "tree")
	e.record(e.attemptBody(ann, bob, time.Now().Add(-time.Hour)), http.StatusCreated)
	e.record(e.attemptBody(ann, bob, time.Now().Add(-time.Minute)), http.StatusCreated) // same question again
	b := e.attemptBody(ann, bob, time.Now())
	b["question_id"] = second
	e.record(b, http.StatusCreated)

	get := func(user string) response {
		return e.do(http.MethodGet, Prefix+"/internal/users/"+user+"/attempted-question-ids", internalToken, nil)
	}
	r := get(ann.String())
	var out struct {
		QuestionIDs []string `json:"question_ids"`
	}
	r.Decode(t, &out)
	want := []string{e.question.ID, second}
	slices.Sort(want)
	slices.Sort(out.QuestionIDs)
	if r.Status != 200 || !slices.Equal(out.QuestionIDs, want) {
		t.Fatalf("%d %s, want %v", r.Status, r.Raw, want)
	}
	if r := get(uuid.NewString()); r.Status != 200 || !strings.Contains(r.Raw, `"question_ids":[]`) {
		t.Fatalf("user without attempts: %d %s", r.Status, r.Raw)
	}
	if r := get("nope"); r.Status != 400 {
		t.Fatalf("malformed id: %d %s", r.Status, r.Raw)
	}

	// The public route answers the caller about themself only.
	cid, tok := e.user("cid")
	e.record(e.attemptBody(cid, ann, time.Now()), http.StatusCreated)
	r = e.do(http.MethodGet, Prefix+"/attempted-questions", tok, nil)
	if r.Status != 200 || r.Raw != `{"question_ids":["`+e.question.ID+`"]}`+"\n" {
		t.Fatalf("own attempted questions: %d %s", r.Status, r.Raw)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, annTok := e.user("ann")
	bob := uuid.New()
	hard := fakeQuestion(e, "hard", "graph", "array")
	now := time.Now().UTC()
	e.record(e.attemptBody(ann, bob, now.Add(-time.Minute)), http.StatusCreated)
	e.record(e.attemptBody(ann, bob, now.Add(-2*time.Minute)), http.StatusCreated)
	b := e.attemptBody(ann, bob, now.Add(-3*24*time.Hour))
	b["question_id"] = hard
	e.record(b, http.StatusCreated)
	e.record(e.attemptBody(ann, bob, now.Add(-400*24*time.Hour)), http.StatusCreated) // before the window
	e.record(e.attemptBody(bob, ann, now), http.StatusCreated)                        // someone else's

	r := e.do(http.MethodGet, Prefix+"/stats", annTok, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	var s struct {
		Total             int            `json:"total"`
		DistinctQuestions int            `json:"distinct_questions"`
		ByDifficulty      map[string]int `json:"by_difficulty"`
		ByTopic           map[string]int `json:"by_topic"`
		ByDay             []struct {
			Date  string `json:"date"`
			Count int    `json:"count"`
		} `json:"by_day"`
		TimeZone      string `json:"time_zone"`
		CurrentStreak int    `json:"current_streak"`
		LongestStreak int    `json:"longest_streak"`
	}
	r.Decode(t, &s)
	if s.Total != 4 || s.DistinctQuestions != 2 {
		t.Errorf("total %d distinct %d, want 4 and 2", s.Total, s.DistinctQuestions)
	}
	if s.ByDifficulty["easy"] != 3 || s.ByDifficulty["hard"] != 1 || s.ByDifficulty["medium"] != 0 {
		t.Errorf("by difficulty %v", s.ByDifficulty)
	}
	if s.ByTopic["array"] != 4 || s.ByTopic["hash-table"] != 3 || s.ByTopic["graph"] != 1 {
		t.Errorf("by topic %v", s.ByTopic)
	}
	if len(s.ByDay) != 365 {
		t.Fatalf("%d days, want 365", len(s.ByDay))
	}
	last := s.ByDay[364]
	if last.Date != now.Format(time.DateOnly) {
		t.Errorf("last day %s, want today %s", last.Date, now.Format(time.DateOnly))
	}
	// Attempts a minute or two ago may fall on yesterday just after midnight UTC.
	sum := 0
	for _, d := range s.ByDay {
		sum += d.Count
	}
	if sum != 3 || s.ByDay[361].Count != 1 {
		t.Errorf("by day %v, want 3 in the window and one 3 days ago", s.ByDay)
	}
	if s.TimeZone != "UTC" || s.LongestStreak < 1 || s.CurrentStreak < 1 {
		t.Errorf("zone %q streaks %d/%d", s.TimeZone, s.CurrentStreak, s.LongestStreak)
	}

	r = e.do(http.MethodGet, Prefix+"/stats?tz=Pacific/Kiritimati", annTok, nil)
	r.Decode(t, &s)
	if r.Status != 200 || s.TimeZone != "Pacific/Kiritimati" || s.ByDay[364].Date != now.Add(14*time.Hour).Format(time.DateOnly) {
		t.Errorf("stats in Kiritimati: %d zone %s last day %s", r.Status, s.TimeZone, s.ByDay[364].Date)
	}
	for _, bad := range []string{"Mars/Base", "Local", "Europe%2FZurich%00", "%2Fetc%2Flocaltime"} {
		r = e.do(http.MethodGet, Prefix+"/stats?tz="+bad, annTok, nil)
		if r.Status != 400 || !slices.Contains(fields(r), "tz") {
			t.Errorf("tz=%s: %d %s", bad, r.Status, r.Raw)
		}
	}

	_, tok := e.user("newbie")
	r = e.do(http.MethodGet, Prefix+"/stats", tok, nil)
	if r.Status != 200 || !strings.Contains(r.Raw, `"total":0`) || !strings.Contains(r.Raw, `"by_difficulty":{"easy":0,"hard":0,"medium":0}`) {
		t.Fatalf("empty stats: %d %s", r.Status, r.Raw)
	}
}

// TestQuestionSnapshotPath: question-service up → the snapshot is taken at
// once; unknown question → stored as missing; down → the attempt is stored
// pending, and once question-service is back the background loop fills it.
func TestQuestionSnapshotPath(t *testing.T) {
	t.Parallel()
	t.Run("question-service down, then back: the loop fills the snapshot", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{retryBase: 20 * time.Millisecond})
		ann, annTok := e.user("ann")
		e.peers.SetDown(internalapi.QuestionService, http.StatusServiceUnavailable)
		a := e.record(e.attemptBody(ann, uuid.New(), time.Now()), http.StatusCreated)
		if a.Question.Snapshot != "pending" || a.Question.Title != nil || a.Question.ID != e.question.ID {
			t.Fatalf("snapshot %+v, want pending", a.Question)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.svc.RunSnapshotLoop(ctx, 20*time.Millisecond); close(done) }()
		defer func() { cancel(); <-done }()

		time.Sleep(200 * time.Millisecond) // a few failing rounds while still down
		if n := e.count("snapshot_status = 'pending' AND snapshot_tries > 1"); n != 1 {
			t.Fatalf("the loop did not retry while question-service was down")
		}
		e.peers.SetDown(internalapi.QuestionService, 0)
		deadline := time.Now().Add(10 * time.Second)
		for {
			var got attemptJSON
			e.do(http.MethodGet, Prefix+"/attempts/"+a.ID, annTok, nil).Decode(t, &got)
			if got.Question.Snapshot == "ready" {
				if *got.Question.Title != "Two Sum" || *got.Question.Difficulty != "easy" || len(got.Question.Topics) != 2 {
					t.Fatalf("filled snapshot %+v", got.Question)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("snapshot still %s", got.Question.Snapshot)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("question-service down, then the question is gone: marked missing, no more retries", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{retryBase: time.Millisecond})
		e.peers.SetDown(internalapi.QuestionService, http.StatusServiceUnavailable)
		body := e.attemptBody(uuid.New(), uuid.New(), time.Now())
		body["question_id"] = uuid.NewString() // question-service does not know it
		a := e.record(body, http.StatusCreated)
		if a.Question.Snapshot != "pending" {
			t.Fatalf("snapshot %s, want pending", a.Question.Snapshot)
		}
		e.peers.SetDown(internalapi.QuestionService, 0)
		time.Sleep(10 * time.Millisecond) // past the first retry delay
		if n, err := e.svc.FillPendingSnapshots(context.Background()); err != nil || n != 1 {
			t.Fatalf("round claimed %d: %v", n, err)
		}
		if n := e.count("snapshot_status = 'missing' AND snapshot_retry_at IS NULL"); n != 1 {
			t.Fatal("the attempt is not marked missing")
		}
		time.Sleep(10 * time.Millisecond)
		if n, err := e.svc.FillPendingSnapshots(context.Background()); err != nil || n != 0 {
			t.Fatalf("a missing snapshot was claimed again: %d %v", n, err)
		}
	})
	t.Run("while question-service is down a retry round asks it only once", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{retryBase: time.Millisecond})
		e.peers.SetDown(internalapi.QuestionService, http.StatusServiceUnavailable)
		first := e.attemptBody(uuid.New(), uuid.New(), time.Now())
		e.record(first, http.StatusCreated)
		perQuestion := e.peers.Calls(internalapi.QuestionService) // one lookup, retries included
		second := e.attemptBody(uuid.New(), uuid.New(), time.Now())
		second["question_id"] = fakeQuestion(e, "hard", "graph")
		e.record(second, http.StatusCreated)
		before := e.peers.Calls(internalapi.QuestionService)
		time.Sleep(10 * time.Millisecond)
		if n, err := e.svc.FillPendingSnapshots(context.Background()); err != nil || n != 2 {
			t.Fatalf("round claimed %d: %v", n, err)
		}
		if calls := e.peers.Calls(internalapi.QuestionService) - before; calls != perQuestion {
			t.Fatalf("round made %d calls, want %d (one lookup)", calls, perQuestion)
		}
		// Rescheduled by backoff, not left to the one-minute claim lease.
		if n := e.count("snapshot_status = 'pending' AND snapshot_tries = 2 AND snapshot_retry_at < now() + interval '30 seconds'"); n != 2 {
			t.Fatalf("%d attempts rescheduled, want 2", n)
		}
	})
	t.Run("question-service unreachable: the attempt is still stored", func(t *testing.T) {
		t.Parallel()
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		e := newEnv(t, envOptions{questionURL: closed.URL})
		a := e.record(e.attemptBody(uuid.New(), uuid.New(), time.Now()), http.StatusCreated)
		if a.Question.Snapshot != "pending" {
			t.Fatalf("snapshot %s, want pending", a.Question.Snapshot)
		}
	})
	t.Run("an unknown question is stored as missing", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		body := e.attemptBody(uuid.New(), uuid.New(), time.Now())
		body["question_id"] = uuid.NewString()
		a := e.record(body, http.StatusCreated)
		if a.Question.Snapshot != "missing" || a.Question.Title != nil {
			t.Fatalf("snapshot %+v, want missing", a.Question)
		}
		if n := e.count("snapshot_status = 'pending'"); n != 0 {
			t.Fatal("a missing question must not be retried")
		}
	})
	t.Run("the snapshot survives the question changing later", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		ann, annTok := e.user("ann")
		a := e.record(e.attemptBody(ann, uuid.New(), time.Now()), http.StatusCreated)
		renamed := e.question
		renamed.Title = "Renamed"
		e.peers.AddQuestion(renamed)
		var got attemptJSON
		e.do(http.MethodGet, Prefix+"/attempts/"+a.ID, annTok, nil).Decode(t, &got)
		if *got.Question.Title != "Two Sum" {
			t.Fatalf("title %q, want the one at record time", *got.Question.Title)
		}
	})
}
