package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

func newStore(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.New(t, migrations.FS)
	return postgres.New(pool), pool
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// q builds a valid question; description defaults to something bland.
func q(title string, d question.Difficulty, topics ...string) question.Question {
	return question.Question{
		ID:          uuid.New(),
		Slug:        question.Slugify(title),
		Title:       title,
		Difficulty:  d,
		Topics:      topics,
		Description: "Solve the problem described by the title.",
		Examples:    []question.Example{{Input: "x = 1", Output: "1", Explanation: "It is."}},
		Constraints: []string{"1 <= x <= 10"},
		Hints:       []string{"Think."},
		StarterCode: map[string]string{"go": "func f() {}\n", "python": "def f():\n    pass\n"},
		Tests:       question.Tests{Compare: signature.Exact, Cases: []question.TestCase{}},
		CreatedAt:   t0,
		UpdatedAt:   t0,
	}
}

func insert(t *testing.T, s *postgres.Store, qs ...question.Question) {
	t.Helper()
	for _, x := range qs {
		if err := s.Insert(context.Background(), x); err != nil {
			t.Fatalf("insert %s: %v", x.Title, err)
		}
	}
}

func TestTopicsTableMatchesDomain(t *testing.T) {
	t.Parallel()
	_, pool := newStore(t)
	rows, err := pool.Query(context.Background(), `SELECT slug, name FROM topics ORDER BY position`)
	if err != nil {
		t.Fatal(err)
	}
	var got []question.Topic
	for rows.Next() {
		var tp question.Topic
		if err := rows.Scan(&tp.Slug, &tp.Name); err != nil {
			t.Fatal(err)
		}
		got = append(got, tp)
	}
	if !slices.Equal(got, question.Topics()) {
		t.Fatalf("topics table %v\ndomain %v", got, question.Topics())
	}
}

func TestGetRoundTrips(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	want := q("Two Sum", question.Easy, "hash-tables", "arrays")
	want.Description = "Markdown with `code` and <tags> & ampersands.\n\n- a list"
	insert(t, s, want)
	for name, ref := range map[string]question.Ref{"by id": {ID: want.ID}, "by slug": {Slug: "two-sum"}} {
		got, err := s.Get(ctx, ref)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	for name, ref := range map[string]question.Ref{"unknown id": {ID: uuid.New()}, "unknown slug": {Slug: "nope"}} {
		if _, err := s.Get(ctx, ref); !errors.Is(err, question.ErrNotFound) {
			t.Fatalf("%s: got %v, want ErrNotFound", name, err)
		}
	}
}

func TestTestCasesRoundTripInOrder(t *testing.T) {
	t.Parallel()
	s, pool := newStore(t)
	ctx := context.Background()
	want := q("Two Sum", question.Easy, "arrays")
	want.Tests = question.Tests{Signature: "twoSum(nums int[], target int) int[]", Compare: signature.Unordered, Cases: []question.TestCase{
		{Input: []byte(`[[2, 7, 11], 9]`), Expected: []byte(`[0,1]`)},
		{Input: []byte(`[[3,3],6]`), Expected: []byte(`[0, 1]`), Hidden: true},
		{Input: []byte(`[[1,5,4],9]`), Expected: []byte(`[1,2]`)},
	}}
	insert(t, s, want)
	same := func(what string, got, want question.Tests) {
		t.Helper()
		ok := got.Signature == want.Signature && got.Compare == want.Compare && len(got.Cases) == len(want.Cases)
		for i := 0; ok && i < len(got.Cases); i++ {
			g, w := got.Cases[i], want.Cases[i]
			ok = g.Hidden == w.Hidden && signature.Exact.Equal(g.Input, w.Input) && signature.Exact.Equal(g.Expected, w.Expected)
		}
		if !ok {
			t.Fatalf("%s: tests\n got %+v\nwant %+v", what, got, want)
		}
	}
	got, err := s.Get(ctx, question.Ref{ID: want.ID})
	if err != nil {
		t.Fatal(err)
	}
	same("read back", got.Tests, want.Tests)

	// Cases nil keeps all three; as an editor that predates tests sends.
	edit := want
	edit.Title, edit.Tests = "Two Sum Again", question.Tests{}
	if got, err = s.Update(ctx, question.Ref{ID: want.ID}, edit, nil); err != nil {
		t.Fatal(err)
	}
	same("update's answer without tests", got.Tests, want.Tests)
	if got, _ = s.Get(ctx, question.Ref{ID: want.ID}); got.Title != "Two Sum Again" {
		t.Fatalf("title not updated: %q", got.Title)
	}
	same("update without tests", got.Tests, want.Tests)

	edit.Tests = question.Tests{Signature: "twoSum(nums int[], target int) int[]", Compare: signature.Exact,
		Cases: []question.TestCase{{Input: []byte(`[[1,2],3]`), Expected: []byte(`[0,1]`), Hidden: true}}}
	if _, err = s.Update(ctx, question.Ref{ID: want.ID}, edit, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, question.Ref{ID: want.ID})
	same("replaced", got.Tests, edit.Tests)

	edit.Tests = question.Tests{Compare: signature.Exact, Cases: []question.TestCase{}}
	if _, err = s.Update(ctx, question.Ref{ID: want.ID}, edit, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, question.Ref{ID: want.ID})
	same("cleared", got.Tests, edit.Tests)

	other := q("Other", question.Easy, "math")
	other.Tests = want.Tests
	insert(t, s, other)
	if _, err := s.Delete(ctx, question.Ref{ID: other.ID}); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM question_test_cases`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("test cases left after deleting their question: %d %v", left, err)
	}
}

func TestSlugUniqueness(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	a, b := q("Two Sum", question.Easy, "arrays"), q("Three Sum", question.Medium, "arrays")
	insert(t, s, a, b)

	clash := q("Two  Sum!", question.Hard, "math") // same slug, different title
	if err := s.Insert(ctx, clash); !errors.Is(err, question.ErrSlugTaken) {
		t.Fatalf("insert with a taken slug: %v, want ErrSlugTaken", err)
	}
	renamed := b
	renamed.Title, renamed.Slug = "Two Sum", "two-sum"
	if _, err := s.Update(ctx, question.Ref{ID: b.ID}, renamed, nil); !errors.Is(err, question.ErrSlugTaken) {
		t.Fatalf("update to a taken slug: %v, want ErrSlugTaken", err)
	}
	// The failed writes left nothing behind.
	if got, _ := s.Get(ctx, question.Ref{ID: b.ID}); got.Slug != "three-sum" {
		t.Fatalf("failed update changed the slug to %q", got.Slug)
	}
	assertDrawsConsistent(t, s, ctx)
	// Keeping one's own slug is no clash.
	same := a
	same.Description = "New text."
	if _, err := s.Update(ctx, question.Ref{Slug: "two-sum"}, same, nil); err != nil {
		t.Fatalf("update keeping the slug: %v", err)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	a := q("Two Sum", question.Easy, "arrays", "hash-tables")
	insert(t, s, a, q("Other", question.Easy, "arrays"))

	change := q("Two Sum Revisited", question.Hard, "math")
	change.UpdatedAt = t0.Add(time.Hour)
	got, err := s.Update(ctx, question.Ref{Slug: "two-sum"}, change, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != a.ID || !got.CreatedAt.Equal(a.CreatedAt) || got.Slug != "two-sum-revisited" {
		t.Fatalf("update must keep id and created_at and take the new slug: %+v", got)
	}
	stored, err := s.Get(ctx, question.Ref{ID: a.ID})
	if err != nil || fmt.Sprint(stored) != fmt.Sprint(got) {
		t.Fatalf("stored %+v, %v\nreturned %+v", stored, err, got)
	}
	assertDrawsConsistent(t, s, ctx)

	if _, err := s.Update(ctx, question.Ref{ID: uuid.New()}, change, nil); !errors.Is(err, question.ErrNotFound) {
		t.Fatalf("update of a missing question: %v", err)
	}

	// A precondition sees the stored question and may refuse the write.
	var seen question.Question
	stale := q("Overwritten", question.Easy, "arrays")
	_, err = s.Update(ctx, question.Ref{ID: a.ID}, stale, func(cur question.Question) bool { seen = cur; return false })
	if !errors.Is(err, question.ErrPreconditionFailed) || fmt.Sprint(seen) != fmt.Sprint(stored) {
		t.Fatalf("refused update: %v, precondition saw %+v", err, seen)
	}
	if after, _ := s.Get(ctx, question.Ref{ID: a.ID}); fmt.Sprint(after) != fmt.Sprint(stored) {
		t.Fatalf("a refused update wrote %+v", after)
	}
	if _, err := s.Delete(ctx, question.Ref{ID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, question.Ref{ID: a.ID}); !errors.Is(err, question.ErrNotFound) {
		t.Fatalf("deleted question still found: %v", err)
	}
	if _, err := s.Delete(ctx, question.Ref{ID: a.ID}); !errors.Is(err, question.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	assertDrawsConsistent(t, s, ctx)
}

func slugs(items []question.Summary) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Slug
	}
	return out
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	insert(t, s,
		q("Alpha", question.Easy, "arrays"),
		q("Bravo", question.Medium, "arrays", "strings"),
		q("Charlie", question.Hard, "strings"),
		q("Delta", question.Easy, "trees"),
		q("Echo", question.Medium, "graphs", "trees"),
	)
	cases := []struct {
		name string
		f    question.Filter
		want []string
	}{
		{"no filter lists all by title", question.Filter{}, []string{"alpha", "bravo", "charlie", "delta", "echo"}},
		{"difficulty", question.Filter{Difficulty: question.Easy}, []string{"alpha", "delta"}},
		{"one topic", question.Filter{Topics: []string{"strings"}}, []string{"bravo", "charlie"}},
		{"several topics match any of them", question.Filter{Topics: []string{"strings", "trees"}}, []string{"bravo", "charlie", "delta", "echo"}},
		{"difficulty and topic", question.Filter{Difficulty: question.Medium, Topics: []string{"trees"}}, []string{"echo"}},
		{"difficulty and several topics", question.Filter{Difficulty: question.Medium, Topics: []string{"arrays", "graphs"}}, []string{"bravo", "echo"}},
		{"a topic nobody has", question.Filter{Topics: []string{"heaps"}}, []string{}},
		{"search", question.Filter{Query: "charlie"}, []string{"charlie"}},
		{"search and filters", question.Filter{Query: "problem", Difficulty: question.Easy, Topics: []string{"trees"}}, []string{"delta"}},
		{"search with no match", question.Filter{Query: "zebra"}, []string{}},
		{"search of stop words only", question.Filter{Query: "the"}, []string{}},
		{"search syntax is forgiving", question.Filter{Query: `"solve the" -charlie or (`}, []string{"alpha", "bravo", "delta", "echo"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.f
			f.Page, f.Limit = 1, 100
			items, total, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := slugs(items); !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Fatalf("got %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
}

func TestListSearchRanking(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	inTitle := q("Binary Tree Paths", question.Easy, "trees")
	inTitle.Description = "List every root-to-leaf path."
	often := q("Level Sums", question.Medium, "trees")
	often.Description = "A binary tree is given. Sum each level of the binary tree; every binary tree level counts."
	once := q("Zigzag Order", question.Medium, "trees")
	once.Description = "Traverse the binary tree in zigzag order."
	unrelated := q("Coin Change", question.Medium, "dynamic-programming")
	insert(t, s, once, unrelated, often, inTitle)

	items, total, err := s.List(ctx, question.Filter{Query: "binary tree", Page: 1, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"binary-tree-paths", "level-sums", "zigzag-order"}
	if got := slugs(items); !slices.Equal(got, want) || total != 3 {
		t.Fatalf("ranking %v (total %d), want %v: a title match first, then more mentions before fewer", got, total, want)
	}
	// Stemming: "trees" finds "tree".
	items, _, _ = s.List(ctx, question.Filter{Query: "trees", Page: 1, Limit: 10})
	if len(items) != 3 {
		t.Fatalf("stemmed search found %v", slugs(items))
	}
}

func TestListPaginationIsStable(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	// 23 questions that tie on search rank: pages must still partition them.
	for i := range 23 {
		x := q(fmt.Sprintf("Question %02d", 22-i), question.Difficulty(question.Difficulties()[i%3]), "arrays")
		x.Description = "Same words everywhere."
		insert(t, s, x)
	}
	for _, f := range []question.Filter{{}, {Query: "words"}, {Topics: []string{"arrays"}}, {Topics: []string{"arrays", "math"}}} {
		f.Page, f.Limit = 1, 100
		all, total, err := s.List(ctx, f)
		if err != nil || total != 23 || len(all) != 23 {
			t.Fatalf("%+v: %d items, total %d, %v", f, len(all), total, err)
		}
		var paged []question.Summary
		for page := 1; ; page++ {
			f.Page, f.Limit = page, 5
			items, total, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if total != 23 {
				t.Fatalf("page %d of %+v: total %d", page, f, total)
			}
			again, _, _ := s.List(ctx, f)
			if !slices.Equal(slugs(items), slugs(again)) {
				t.Fatalf("page %d changed between calls: %v then %v", page, slugs(items), slugs(again))
			}
			if len(items) == 0 {
				break
			}
			paged = append(paged, items...)
		}
		if !slices.Equal(slugs(paged), slugs(all)) {
			t.Fatalf("%+v: pages %v\nwhole %v", f, slugs(paged), slugs(all))
		}
	}
}

func TestListPastTheEndKeepsTotal(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	insert(t, s, q("Alpha", question.Easy, "arrays"), q("Bravo", question.Easy, "arrays", "math"))
	for _, f := range []question.Filter{{}, {Topics: []string{"arrays"}}, {Topics: []string{"arrays", "math"}}, {Query: "problem"}} {
		f.Page, f.Limit = 5, 10
		items, total, err := s.List(context.Background(), f)
		if err != nil || len(items) != 0 || total != 2 {
			t.Fatalf("%+v: %d items, total %d, %v", f, len(items), total, err)
		}
	}
}

func TestTopicCounts(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	insert(t, s,
		q("Alpha", question.Easy, "arrays"),
		q("Bravo", question.Medium, "arrays", "strings"),
		q("Charlie", question.Hard, "arrays"),
		q("Delta", question.Hard, "arrays"),
	)
	tcs, err := s.TopicCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tcs) != len(question.Topics()) {
		t.Fatalf("%d topics, want every topic", len(tcs))
	}
	byslug := map[string]question.TopicCount{}
	for i, tc := range tcs {
		if tc.Topic != question.Topics()[i] {
			t.Fatalf("topic %d is %+v, want display order", i, tc.Topic)
		}
		byslug[tc.Slug] = tc
	}
	arrays := byslug["arrays"]
	if arrays.Count != 4 || arrays.ByDifficulty[question.Easy] != 1 || arrays.ByDifficulty[question.Medium] != 1 || arrays.ByDifficulty[question.Hard] != 2 {
		t.Fatalf("arrays %+v", arrays)
	}
	if st := byslug["strings"]; st.Count != 1 || st.ByDifficulty[question.Medium] != 1 {
		t.Fatalf("strings %+v", st)
	}
	if g := byslug["graphs"]; g.Count != 0 || g.ByDifficulty[question.Hard] != 0 {
		t.Fatalf("graphs %+v", g)
	}
}

// chiSquare draws n times and checks the picks are uniform over want. The
// critical value is for p = 0.0001, so a correct sampler fails one run in
// ten thousand.
func chiSquare(t *testing.T, s *postgres.Store, f question.RandomFilter, want []question.Question, n int) {
	t.Helper()
	ctx := context.Background()
	counts := map[uuid.UUID]int{}
	for range n {
		got, err := s.Random(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		counts[got.ID]++
	}
	expected := float64(n) / float64(len(want))
	stat := 0.0
	for _, w := range want {
		d := float64(counts[w.ID]) - expected
		stat += d * d / expected
		delete(counts, w.ID)
	}
	if len(counts) > 0 {
		t.Fatalf("picked questions outside the filter: %v", counts)
	}
	if crit := chiSquareCritical(len(want) - 1); stat > crit {
		t.Fatalf("chi-square %.2f > %.2f with %d degrees of freedom: not uniform", stat, crit, len(want)-1)
	}
}

// chiSquareCritical is the p = 0.0001 critical value (Wilson–Hilferty).
func chiSquareCritical(df int) float64 {
	const z = 3.719 // standard normal quantile at 0.9999
	k := float64(df)
	c := 1 - 2/(9*k) + z*math.Sqrt(2/(9*k))
	return k * c * c * c
}

func TestRandomIsUniform(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	easyArrays := []question.Question{
		q("A1", question.Easy, "arrays"), q("A2", question.Easy, "arrays", "math"), q("A3", question.Easy, "strings", "arrays"),
		q("A4", question.Easy, "arrays"), q("A5", question.Easy, "arrays", "heaps", "trees"),
	}
	easyStrings := []question.Question{q("S1", question.Easy, "strings"), q("S2", question.Easy, "strings", "graphs")}
	others := []question.Question{q("M1", question.Medium, "arrays"), q("H1", question.Hard, "strings"), q("H2", question.Hard, "math")}
	insert(t, s, slices.Concat(easyArrays, easyStrings, others)...)
	// Holes left by deletes must not skew anything.
	gone := q("Gone", question.Easy, "arrays")
	insert(t, s, gone)
	if _, err := s.Delete(context.Background(), question.Ref{ID: gone.ID}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		f    question.RandomFilter
		want []question.Question
	}{
		{"difficulty and topic", question.RandomFilter{Difficulty: question.Easy, Topics: []string{"arrays"}}, easyArrays},
		{"topic only", question.RandomFilter{Topics: []string{"strings"}}, []question.Question{easyArrays[2], easyStrings[0], easyStrings[1], others[1]}},
		{"difficulty only", question.RandomFilter{Difficulty: question.Hard}, others[1:]},
		{"no filter", question.RandomFilter{}, slices.Concat(easyArrays, easyStrings, others)},
		{"overlapping topics", question.RandomFilter{Difficulty: question.Easy, Topics: []string{"arrays", "strings"}}, slices.Concat(easyArrays, easyStrings)},
		{"with exclusions", question.RandomFilter{Difficulty: question.Easy, Topics: []string{"arrays"},
			Exclude: []question.Ref{{ID: easyArrays[0].ID}, {Slug: easyArrays[3].Slug}}}, []question.Question{easyArrays[1], easyArrays[2], easyArrays[4]}},
		{"overlapping topics with exclusions", question.RandomFilter{Topics: []string{"arrays", "strings", "math"},
			Exclude: []question.Ref{{ID: easyArrays[2].ID}, {ID: others[2].ID}, {ID: uuid.New()}}},
			[]question.Question{easyArrays[0], easyArrays[1], easyArrays[3], easyArrays[4], easyStrings[0], easyStrings[1], others[0], others[1]}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			chiSquare(t, s, tc.f, tc.want, 300*len(tc.want))
		})
	}
}

func TestRandomExclude(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	a, b, c := q("A", question.Easy, "arrays"), q("B", question.Easy, "arrays", "math"), q("C", question.Easy, "arrays")
	insert(t, s, a, b, c, q("D", question.Medium, "arrays"))
	arrays := []string{"arrays"}

	for range 50 {
		got, err := s.Random(ctx, question.RandomFilter{Difficulty: question.Easy, Topics: arrays, Exclude: []question.Ref{{ID: a.ID}, {Slug: "c"}}})
		if err != nil || got.ID != b.ID {
			t.Fatalf("only B is left, got %s, %v", got.Slug, err)
		}
		got, err = s.Random(ctx, question.RandomFilter{Difficulty: question.Easy, Topics: []string{"arrays", "math"}, Exclude: []question.Ref{{ID: b.ID}, {ID: c.ID}}})
		if err != nil || got.ID != a.ID {
			t.Fatalf("only A is left among two topics, got %s, %v", got.Slug, err)
		}
	}
	for name, f := range map[string]question.RandomFilter{
		"everything excluded":                  {Difficulty: question.Easy, Topics: arrays, Exclude: []question.Ref{{ID: a.ID}, {ID: b.ID}, {ID: c.ID}}},
		"everything excluded among two topics": {Difficulty: question.Easy, Topics: []string{"arrays", "math"}, Exclude: []question.Ref{{Slug: "a"}, {Slug: "b"}, {Slug: "c"}}},
		"no question has the topic":            {Topics: []string{"graphs"}},
		"no question at the difficulty":        {Difficulty: question.Hard},
		"no question for either topic":         {Topics: []string{"graphs", "trees"}},
	} {
		if _, err := s.Random(ctx, f); !errors.Is(err, question.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", name, err)
		}
	}
}

// assertDrawsConsistent checks the invariant random picks rely on: every
// question holds exactly its slots, and each group is numbered 1..size.
func assertDrawsConsistent(t *testing.T, s *postgres.Store, ctx context.Context) {
	t.Helper()
	var bad int
	err := s.Pool().QueryRow(ctx, `
		WITH expected AS (
			SELECT d.difficulty, t.topic, q.id AS question_id FROM questions q
			CROSS JOIN LATERAL (VALUES (q.difficulty), ('*')) AS d (difficulty)
			CROSS JOIN LATERAL (SELECT unnest(q.topics) UNION ALL SELECT '*') AS t (topic)
		), mismatch AS (
			(SELECT * FROM expected EXCEPT SELECT difficulty, topic, question_id FROM draw_slots)
			UNION ALL
			(SELECT difficulty, topic, question_id FROM draw_slots EXCEPT SELECT * FROM expected)
		), sparse AS (
			SELECT g.difficulty FROM draw_groups g
			LEFT JOIN draw_slots s USING (difficulty, topic)
			GROUP BY g.difficulty, g.topic, g.size
			HAVING count(s.seq) <> g.size OR coalesce(max(s.seq), 0) <> g.size
		), orphan AS (
			SELECT s.difficulty FROM draw_slots s LEFT JOIN draw_groups g USING (difficulty, topic) WHERE g.size IS NULL
		)
		SELECT (SELECT count(*) FROM mismatch) + (SELECT count(*) FROM sparse) + (SELECT count(*) FROM orphan)`).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Fatalf("draw groups are inconsistent (%d problems)", bad)
	}
}

func TestDrawGroupsStayDenseUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	topics := question.Topics()
	diffs := question.Difficulties()
	var (
		mu  sync.Mutex
		ids []uuid.UUID
	)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 30 {
				n := w*1000 + i
				pick := func(k int) []string {
					var out []string
					for j := range k {
						out = append(out, topics[(n+j*5)%len(topics)].Slug)
					}
					return out
				}
				switch i % 3 {
				case 0, 1:
					x := q(fmt.Sprintf("W%d Q%d", w, i), diffs[n%3], pick(1+n%4)...)
					if err := s.Insert(ctx, x); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					ids = append(ids, x.ID)
					mu.Unlock()
				case 2:
					mu.Lock()
					id := ids[n%len(ids)]
					mu.Unlock()
					change := q(fmt.Sprintf("W%d R%d", w, i), diffs[(n+1)%3], pick(1+(n+1)%5)...)
					_, err := s.Update(ctx, question.Ref{ID: id}, change, nil)
					if err != nil && !errors.Is(err, question.ErrNotFound) {
						errs <- err
						return
					}
					if n%2 == 0 {
						if _, err := s.Delete(ctx, question.Ref{ID: id}); err != nil && !errors.Is(err, question.ErrNotFound) {
							errs <- err
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent write: %v", err)
	}
	assertDrawsConsistent(t, s, ctx)

	// A rebuild from scratch gives the same membership.
	if err := s.RebuildDraws(ctx); err != nil {
		t.Fatal(err)
	}
	assertDrawsConsistent(t, s, ctx)
}
