package postgres

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	return New(pgtest.New(t, migrations.FS))
}

var base = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// fixture returns a ready attempt of user ending at base+offset.
func fixture(user uuid.UUID, offset time.Duration, difficulty string, topics ...string) attempt.Attempt {
	ended := base.Add(offset)
	return attempt.Attempt{
		ID: uuid.Must(uuid.NewV7()), SessionID: uuid.New(), UserID: user, PartnerID: uuid.New(), QuestionID: uuid.New(),
		Language: "python", Code: "print(1)", StartedAt: ended.Add(-30 * time.Minute), EndedAt: ended, CreatedAt: ended,
		Snapshot: attempt.SnapshotReady,
		Question: attempt.Question{Title: "Two Sum", Slug: "two-sum", Difficulty: difficulty, Topics: topics},
	}
}

func mustInsert(t testing.TB, s *Store, a attempt.Attempt) attempt.Attempt {
	t.Helper()
	got, created, err := s.Insert(context.Background(), a, time.Time{})
	if err != nil || !created {
		t.Fatalf("insert: created=%v err=%v", created, err)
	}
	return got
}

func TestInsertAndRead(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	a := fixture(uuid.New(), 0, "easy", "array", "hash-table")
	a.Code = "def f():\n    return 'ünïcödé'\n"
	got := mustInsert(t, s, a)
	if got.ID != a.ID || got.Code != a.Code || !got.EndedAt.Equal(a.EndedAt) || got.Question.Title != "Two Sum" ||
		!slices.Equal(got.Question.Topics, a.Question.Topics) || got.Snapshot != attempt.SnapshotReady {
		t.Fatalf("inserted %+v\ngot %+v", a, got)
	}
	byOwner, err := s.Get(ctx, a.UserID, a.ID)
	if err != nil || byOwner.ID != a.ID {
		t.Fatalf("get by owner: %v %v", byOwner.ID, err)
	}
	if _, err := s.Get(ctx, a.PartnerID, a.ID); !errors.Is(err, attempt.ErrNotFound) {
		t.Fatalf("get by another user: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, a.UserID, uuid.New()); !errors.Is(err, attempt.ErrNotFound) {
		t.Fatalf("get unknown: %v, want ErrNotFound", err)
	}
	if _, err := s.FindBySession(ctx, a.SessionID, a.PartnerID, a.QuestionID); !errors.Is(err, attempt.ErrNotFound) {
		t.Fatalf("find by session for another user: %v", err)
	}
}

func TestInsertSameSessionAndUserReturnsTheFirst(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	first := mustInsert(t, s, fixture(uuid.New(), 0, "easy"))
	again := first
	again.ID, again.Code = uuid.Must(uuid.NewV7()), "different code"
	got, created, err := s.Insert(context.Background(), again, time.Time{})
	if err != nil || created || got.ID != first.ID || got.Code != first.Code {
		t.Fatalf("second insert: created=%v err=%v id=%v code=%q", created, err, got.ID, got.Code)
	}
	// The partner's attempt of the same session is a different attempt.
	partner := first
	partner.ID, partner.UserID, partner.PartnerID = uuid.Must(uuid.NewV7()), first.PartnerID, first.UserID
	if _, created, err := s.Insert(context.Background(), partner, time.Time{}); err != nil || !created {
		t.Fatalf("partner's attempt: created=%v err=%v", created, err)
	}
}

func TestConcurrentDuplicateInsertsStoreOneAttempt(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	a := fixture(uuid.New(), 0, "medium")
	const n = 16
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, n)
	created := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			b := a
			b.ID = uuid.Must(uuid.NewV7())
			got, c, err := s.Insert(context.Background(), b, time.Time{})
			ids[i], created[i], errs[i] = got.ID, c, err
		})
	}
	wg.Wait()
	wins := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("insert %d: %v", i, errs[i])
		}
		if created[i] {
			wins++
		}
		if ids[i] != ids[0] {
			t.Fatalf("insert %d returned %v, insert 0 returned %v", i, ids[i], ids[0])
		}
	}
	var rows int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM attempts`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if wins != 1 || rows != 1 {
		t.Fatalf("%d inserts reported created and %d rows exist, want 1 and 1", wins, rows)
	}
}

func TestListNewestFirstWithKeysetPages(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	user, other := uuid.New(), uuid.New()
	for i := range 23 {
		// Pairs of attempts share an end time, so the id must break ties.
		mustInsert(t, s, fixture(user, time.Duration(i/2)*time.Minute, "easy"))
		mustInsert(t, s, fixture(other, time.Duration(i)*time.Minute, "easy"))
	}
	// Newest first: by ended_at, then id, both descending.
	all, err := s.List(ctx, attempt.ListQuery{UserID: user, Limit: 100})
	if err != nil || len(all) != 23 {
		t.Fatalf("list all: %d %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		p, c := all[i-1], all[i]
		if c.EndedAt.After(p.EndedAt) || (c.EndedAt.Equal(p.EndedAt) && c.ID.String() > p.ID.String()) {
			t.Fatalf("not newest first at %d: %v %v then %v %v", i, p.EndedAt, p.ID, c.EndedAt, c.ID)
		}
		if c.UserID != user {
			t.Fatalf("another user's attempt listed")
		}
	}
	var paged []uuid.UUID
	q := attempt.ListQuery{UserID: user, Limit: 5}
	for range 10 {
		page, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			paged = append(paged, a.ID)
		}
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.After = &attempt.Cursor{EndedAt: last.EndedAt, ID: last.ID}
	}
	var allIDs []uuid.UUID
	for _, a := range all {
		allIDs = append(allIDs, a.ID)
	}
	if !slices.Equal(paged, allIDs) {
		t.Fatalf("keyset pages\n%v\nwant\n%v", paged, allIDs)
	}
	third, err := s.List(ctx, attempt.ListQuery{UserID: user, Limit: 5, Offset: 10})
	if err != nil || len(third) != 5 || third[0].ID != allIDs[10] {
		t.Fatalf("offset 10: %d %v", len(third), err)
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	user := uuid.New()
	a := mustInsert(t, s, fixture(user, 1*time.Minute, "easy", "array", "hash-table"))
	b := mustInsert(t, s, fixture(user, 2*time.Minute, "hard", "graph"))
	c := fixture(user, 3*time.Minute, "easy", "graph")
	c.QuestionID = a.QuestionID
	c = mustInsert(t, s, c)
	pending := fixture(user, 4*time.Minute, "")
	pending.Snapshot, pending.Question = attempt.SnapshotPending, attempt.Question{}
	pending = mustInsert(t, s, pending)

	cases := []struct {
		name   string
		filter attempt.Filter
		want   []uuid.UUID
	}{
		{"no filter lists every attempt", attempt.Filter{}, []uuid.UUID{pending.ID, c.ID, b.ID, a.ID}},
		{"question filter", attempt.Filter{QuestionID: a.QuestionID}, []uuid.UUID{c.ID, a.ID}},
		{"difficulty filter skips pending snapshots", attempt.Filter{Difficulty: "easy"}, []uuid.UUID{c.ID, a.ID}},
		{"topic filter", attempt.Filter{Topic: "graph"}, []uuid.UUID{c.ID, b.ID}},
		{"filters combine", attempt.Filter{Topic: "graph", Difficulty: "hard"}, []uuid.UUID{b.ID}},
		{"no match is empty", attempt.Filter{Topic: "trie"}, nil},
		{"from is inclusive", attempt.Filter{EndedFrom: b.EndedAt}, []uuid.UUID{pending.ID, c.ID, b.ID}},
		{"before is exclusive", attempt.Filter{EndedBefore: c.EndedAt}, []uuid.UUID{b.ID, a.ID}},
		{"a date range combines with a topic", attempt.Filter{EndedFrom: a.EndedAt, EndedBefore: pending.EndedAt, Topic: "graph"}, []uuid.UUID{c.ID, b.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(ctx, attempt.ListQuery{UserID: user, Limit: 10, Filter: tc.filter})
			if err != nil {
				t.Fatal(err)
			}
			var ids []uuid.UUID
			for _, x := range got {
				ids = append(ids, x.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
		})
	}
}

func TestQuestionIDsAreDistinct(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	user := uuid.New()
	a := mustInsert(t, s, fixture(user, 0, "easy"))
	again := fixture(user, time.Minute, "easy")
	again.QuestionID = a.QuestionID
	mustInsert(t, s, again)
	b := mustInsert(t, s, fixture(user, 2*time.Minute, "easy"))
	mustInsert(t, s, fixture(uuid.New(), 0, "easy"))
	got, err := s.QuestionIDs(ctx, user)
	want := []uuid.UUID{a.QuestionID, b.QuestionID}
	slices.SortFunc(want, func(x, y uuid.UUID) int { return compareUUID(x, y) })
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("got %v %v, want %v", got, err, want)
	}
	none, err := s.QuestionIDs(ctx, uuid.New())
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("user without attempts: %v %v, want an empty list", none, err)
	}
}

func compareUUID(x, y uuid.UUID) int {
	for i := range x {
		if x[i] != y[i] {
			return int(x[i]) - int(y[i])
		}
	}
	return 0
}

func TestTotals(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	user := uuid.New()
	a := mustInsert(t, s, fixture(user, 0, "easy", "array", "graph"))
	again := fixture(user, 23*time.Hour, "easy", "array", "graph")
	again.QuestionID = a.QuestionID
	mustInsert(t, s, again)
	mustInsert(t, s, fixture(user, -40*24*time.Hour, "hard", "graph"))
	pending := fixture(user, time.Hour, "")
	pending.Snapshot, pending.Question = attempt.SnapshotPending, attempt.Question{}
	mustInsert(t, s, pending)
	mustInsert(t, s, fixture(uuid.New(), 0, "medium", "array"))

	got, err := s.Totals(ctx, user, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 4 || got.DistinctQuestions != 3 {
		t.Errorf("total %d distinct %d, want 4 and 3", got.Total, got.DistinctQuestions)
	}
	if got.ByDifficulty["easy"] != 2 || got.ByDifficulty["medium"] != 0 || got.ByDifficulty["hard"] != 1 {
		t.Errorf("by difficulty %v", got.ByDifficulty)
	}
	if got.ByTopic["graph"] != 3 || got.ByTopic["array"] != 2 || len(got.ByTopic) != 2 {
		t.Errorf("by topic %v", got.ByTopic)
	}
	// base is 2026-11-01 12:00 UTC: +0h and +1h fall on the 1st, +23h on the 2nd.
	if got.ByDay["2026-11-01"] != 2 || got.ByDay["2026-11-02"] != 1 || got.ByDay["2026-09-22"] != 1 || len(got.ByDay) != 3 {
		t.Errorf("by day %v", got.ByDay)
	}

	// On Kiritimati (UTC+14) the same attempts end a day later.
	kiri, err := time.LoadLocation("Pacific/Kiritimati")
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.Totals(ctx, user, kiri)
	if err != nil {
		t.Fatal(err)
	}
	if got.ByDay["2026-11-02"] != 2 || got.ByDay["2026-11-03"] != 1 || len(got.ByDay) != 3 {
		t.Errorf("by day on Kiritimati %v", got.ByDay)
	}

	// A zone PostgreSQL does not know is the domain's error, not a 500.
	if _, err := s.Totals(ctx, user, time.FixedZone("Nowhere/Atlantis", 0)); !errors.Is(err, attempt.ErrUnknownTimeZone) {
		t.Errorf("unknown zone: %v", err)
	}
}

func TestPendingSnapshotClaims(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	now := time.Now().UTC()
	var pending []attempt.Attempt
	for i := range 6 {
		a := fixture(uuid.New(), time.Duration(i)*time.Minute, "")
		a.Snapshot, a.Question = attempt.SnapshotPending, attempt.Question{}
		got, _, err := s.Insert(ctx, a, now.Add(-time.Second))
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, got)
	}
	notDue := fixture(uuid.New(), 0, "")
	notDue.Snapshot, notDue.Question = attempt.SnapshotPending, attempt.Question{}
	if _, _, err := s.Insert(ctx, notDue, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	mustInsert(t, s, fixture(uuid.New(), 0, "easy")) // ready: never claimed

	// Concurrent claimers split the due rows between them, never sharing one.
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			claims, err := s.ClaimPendingSnapshots(ctx, now, time.Minute, 2)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range claims {
				seen[c.ID]++
				if c.Tries != 2 {
					t.Errorf("tries = %d, want 2 (one at record time, one now)", c.Tries)
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != 6 {
		t.Fatalf("claimed %d distinct attempts, want the 6 due ones: %v", len(seen), seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("attempt %v claimed %d times", id, n)
		}
	}
	// Claimed rows are leased: nothing is due until the lease ends.
	if again, err := s.ClaimPendingSnapshots(ctx, now, time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("claim during lease: %v %v", again, err)
	}
	later, err := s.ClaimPendingSnapshots(ctx, now.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(later) != 6 {
		t.Fatalf("claim after lease: %d %v, want 6", len(later), err)
	}

	q := attempt.Question{Title: "Graph Valid Tree", Slug: "graph-valid-tree", Difficulty: "medium", Topics: []string{"graph"}}
	if err := s.SetSnapshot(ctx, []uuid.UUID{pending[0].ID, pending[1].ID}, q); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSnapshotMissing(ctx, []uuid.UUID{pending[2].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.RetrySnapshotAt(ctx, pending[3].ID, now.Add(10*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, pending[0].UserID, pending[0].ID)
	if got.Snapshot != attempt.SnapshotReady || got.Question.Title != q.Title || !slices.Equal(got.Question.Topics, q.Topics) {
		t.Fatalf("filled snapshot: %+v", got)
	}
	got, _ = s.Get(ctx, pending[2].UserID, pending[2].ID)
	if got.Snapshot != attempt.SnapshotMissing {
		t.Fatalf("missing snapshot: %v", got.Snapshot)
	}
	// Far in the future only the rescheduled row and the untouched ones are due.
	due, err := s.ClaimPendingSnapshots(ctx, now.Add(24*time.Hour), time.Minute, 10)
	if err != nil || len(due) != 4 { // pending[3], [4], [5] and notDue
		t.Fatalf("due later: %d %v, want 4", len(due), err)
	}
}

// TestRunningTotalsMatchARecount: after inserts, duplicates and snapshot
// fills, the totals /stats reads equal a count over the attempts themselves.
func TestRunningTotalsMatchARecount(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	user := uuid.New()
	shared := uuid.New()
	var pending []uuid.UUID
	for i := range 12 {
		a := fixture(user, -time.Duration(i)*36*time.Hour, []string{"easy", "medium", "hard"}[i%3], []string{"array", "graph", "tree"}[i%3])
		if i%2 == 0 {
			a.QuestionID = shared
		}
		if i%4 == 1 {
			a.Snapshot, a.Question = attempt.SnapshotPending, attempt.Question{}
			pending = append(pending, a.ID)
		}
		mustInsert(t, s, a)
		dup := a
		dup.ID = uuid.Must(uuid.NewV7())
		if _, created, err := s.Insert(ctx, dup, time.Time{}); err != nil || created {
			t.Fatalf("duplicate: created=%v err=%v", created, err)
		}
	}
	q := attempt.Question{Title: "T", Slug: "t", Difficulty: "hard", Topics: []string{"graph", "heap"}}
	for range 2 { // a second fill of the same rows must not move counts again
		if err := s.SetSnapshot(ctx, pending[:2], q); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkSnapshotMissing(ctx, pending[2:]); err != nil {
		t.Fatal(err)
	}

	since := base.AddDate(0, 0, -10).Truncate(24 * time.Hour)
	got, err := s.Totals(ctx, user, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := attempt.Totals{ByDifficulty: map[string]int{}, ByTopic: map[string]int{}, ByDay: map[string]int{}}
	err = s.pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT question_id) FROM attempts WHERE user_id = $1`, user).
		Scan(&want.Total, &want.DistinctQuestions)
	if err != nil {
		t.Fatal(err)
	}
	recount := func(sql string, into map[string]int) {
		rows, err := s.pool.Query(ctx, sql, user, since)
		if err != nil {
			t.Fatal(err)
		}
		var k string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { into[k] = n; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	recount(`SELECT question_difficulty, count(*) FROM attempts WHERE user_id = $1 AND $2::timestamptz IS NOT NULL
		AND question_difficulty IS NOT NULL GROUP BY 1`, want.ByDifficulty)
	recount(`SELECT t, count(*) FROM attempts, unnest(question_topics) t WHERE user_id = $1 AND $2::timestamptz IS NOT NULL GROUP BY 1`, want.ByTopic)
	recount(`SELECT to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*) FROM attempts
		WHERE user_id = $1 AND $2::timestamptz IS NOT NULL GROUP BY 1`, want.ByDay)
	if got.Total != want.Total || got.DistinctQuestions != want.DistinctQuestions ||
		!maps.Equal(got.ByDifficulty, want.ByDifficulty) || !maps.Equal(got.ByTopic, want.ByTopic) || !maps.Equal(got.ByDay, want.ByDay) {
		t.Fatalf("running totals\n%+v\nrecount\n%+v", got, want)
	}
	if got.Total != 12 || got.ByDifficulty["hard"] != 4+2-1 {
		// 4 hard fixtures, one of them pending and then missing; 2 pending filled as hard.
		t.Fatalf("totals %+v", got)
	}
}
