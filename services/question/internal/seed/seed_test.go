package seed_test

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/question/internal/question"
	"github.com/peerprep/peerprep/services/question/internal/seed"
)

func drafts(t *testing.T) []question.Draft {
	t.Helper()
	ds, err := seed.Drafts()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestSeedCoversEveryTopicAndDifficulty(t *testing.T) {
	t.Parallel()
	ds := drafts(t)
	if len(ds) < 48 {
		t.Fatalf("%d seed questions, want at least 48", len(ds))
	}
	cover := map[string]int{}
	for _, d := range ds {
		for _, tp := range d.Topics {
			cover[tp+"/"+string(d.Difficulty)]++
		}
	}
	for _, tp := range question.Topics() {
		for _, diff := range question.Difficulties() {
			if cover[tp.Slug+"/"+string(diff)] == 0 {
				t.Errorf("no %s question for topic %s", diff, tp.Slug)
			}
		}
	}
}

func TestSeedQuestionsAreComplete(t *testing.T) {
	t.Parallel()
	slugs := map[string]bool{}
	for _, d := range drafts(t) {
		d = d.Normalize()
		if err := d.Validate(); err != nil {
			t.Errorf("%q: %v", d.Title, err)
		}
		slug := question.Slugify(d.Title)
		if slugs[slug] {
			t.Errorf("%q: slug %s is used twice", d.Title, slug)
		}
		slugs[slug] = true
		if len(d.Examples) == 0 || len(d.Constraints) == 0 || len(d.Hints) == 0 || len(d.InterviewerNotes) == 0 {
			t.Errorf("%q: needs examples, constraints, hints and interviewer notes", d.Title)
		}
		for _, lang := range question.Languages() {
			if d.StarterCode[lang] == "" {
				t.Errorf("%q: no %s starter code", d.Title, lang)
			}
		}
		// The Go stub must at least be Go.
		if _, err := parser.ParseFile(token.NewFileSet(), "stub.go", "package p\n\n"+d.StarterCode["go"], parser.AllErrors); err != nil {
			t.Errorf("%q: Go starter code does not parse: %v\n%s", d.Title, err, d.StarterCode["go"])
		}
	}
}

// TestSeedQuestionsHaveTestCases: every seed question can be run: a
// signature, at least 3 visible and 5 hidden cases valid for it, and the
// reference solutions the cases were computed with, in Python and
// JavaScript (execution-service's tests run them through the sandbox).
func TestSeedQuestionsHaveTestCases(t *testing.T) {
	t.Parallel()
	refs := filepath.Join("..", "..", "..", "execution", "internal", "harness", "testdata", "reference")
	for _, d := range drafts(t) {
		d = d.Normalize()
		if d.Tests == nil || d.Tests.Signature == "" {
			t.Errorf("%q: no signature", d.Title)
			continue
		}
		visible, hidden := len(d.Tests.Visible()), len(d.Tests.Cases)-len(d.Tests.Visible())
		if visible < 3 || hidden < 5 {
			t.Errorf("%q: %d visible and %d hidden cases, want at least 3 and 5", d.Title, visible, hidden)
		}
		// Validate checks each case against the signature.
		if err := d.Validate(); err != nil {
			t.Errorf("%q: %v", d.Title, err)
		}
		for _, ext := range []string{".py", ".js"} {
			if _, err := os.Stat(filepath.Join(refs, question.Slugify(d.Title)+ext)); err != nil {
				t.Errorf("%q: no reference solution: %v", d.Title, err)
			}
		}
	}
}

type row struct {
	id, slug, content, created, updated string
}

func TestLoadTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t, migrations.FS)
	svc := question.NewService(postgres.New(pool), nil, nil)
	n := len(drafts(t))

	dump := func() []row {
		rows, err := pool.Query(ctx, `SELECT id::text, slug, (to_jsonb(q) - 'created_at' - 'updated_at' - 'id')::text ||
			(SELECT coalesce(jsonb_agg(to_jsonb(t) - 'question_id' ORDER BY t.position), '[]')::text FROM question_test_cases t WHERE t.question_id = q.id),
			created_at::text, updated_at::text FROM questions q ORDER BY slug`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.slug, &r.content, &r.created, &r.updated); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}

	res, err := seed.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if res != (seed.Result{Inserted: n}) {
		t.Fatalf("first load %+v, want %d inserted", res, n)
	}
	before := dump()
	res, err = seed.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if res != (seed.Result{Unchanged: n}) {
		t.Fatalf("second load %+v, want all %d unchanged", res, n)
	}
	after := dump()
	if len(before) != n || len(after) != n {
		t.Fatalf("%d then %d rows, want %d", len(before), len(after), n)
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("second load changed %s:\n%+v\n%+v", before[i].slug, before[i], after[i])
		}
	}
	if before[0].id != seed.ID(before[0].slug).String() {
		t.Fatalf("seed id %s is not derived from the slug", before[0].id)
	}

	// An edited seed question is restored, test cases included; questions
	// outside the seed stay.
	if _, err := pool.Exec(ctx, `UPDATE questions SET description = 'vandalised' WHERE slug = 'two-sum'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE question_test_cases SET expected = '[1,0]' WHERE question_id = $1 AND position = 4`, seed.ID("two-sum")); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM question_test_cases WHERE question_id = $1 AND position = 6`, seed.ID("best-time-to-sell-a-stock")); err != nil {
		t.Fatal(err)
	}
	mine := question.Draft{Title: "My Own Question", Difficulty: question.Easy, Topics: []string{"math"}, Description: "d",
		Examples: []question.Example{{Input: "1", Output: "1"}}, StarterCode: map[string]string{"go": "x"}}
	if _, err := svc.Create(ctx, mine); err != nil {
		t.Fatal(err)
	}
	res, err = seed.Load(ctx, svc)
	if err != nil || res != (seed.Result{Updated: 2, Unchanged: n - 2}) {
		t.Fatalf("third load %+v, %v; want 2 updated", res, err)
	}
	content := map[string]string{}
	for _, r := range dump() {
		content[r.slug] = r.content
	}
	for _, r := range before {
		if content[r.slug] != r.content {
			t.Errorf("third load left %s unlike the seed:\n%s\n%s", r.slug, content[r.slug], r.content)
		}
	}
	restored, err := svc.Get(ctx, question.Ref{Slug: "two-sum"})
	if err != nil || restored.Description == "vandalised" {
		t.Fatalf("two-sum not restored: %v", err)
	}
	if _, err := svc.Get(ctx, question.Ref{Slug: "my-own-question"}); err != nil {
		t.Fatalf("seed touched a question outside the seed: %v", err)
	}
}
