package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/pgtest"
	libpg "github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/services/question/internal/benchdata"
	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

// BenchmarkStore measures the store's queries on a bank of generated
// questions: QUESTION_BENCH_DATABASE_URL names a database already filled by
// `question-service gen-bench-data`, otherwise a fresh one is filled with
// QUESTION_BENCH_N (default 100000) questions first, which takes a minute.
//
//	go test -run '^$' -bench . -benchtime 3s ./internal/postgres/
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	dbURL := os.Getenv("QUESTION_BENCH_DATABASE_URL")
	if dbURL == "" {
		dbURL = pgtest.NewURL(b, migrations.FS)
		n := 100_000
		if v, err := strconv.Atoi(os.Getenv("QUESTION_BENCH_N")); err == nil && v > 0 {
			n = v
		}
		pool, err := libpg.Connect(ctx, dbURL)
		if err != nil {
			b.Fatal(err)
		}
		if err := benchdata.Load(ctx, pool, n, 1); err != nil {
			b.Fatal(err)
		}
		pool.Close()
	}
	pool, err := libpg.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	s := postgres.New(pool)

	rows, err := pool.Query(ctx, `SELECT id, slug FROM questions TABLESAMPLE SYSTEM (5) LIMIT 1000`)
	if err != nil {
		b.Fatal(err)
	}
	var (
		ids   []uuid.UUID
		slugs []string
	)
	for rows.Next() {
		var (
			id   uuid.UUID
			slug string
		)
		if err := rows.Scan(&id, &slug); err != nil {
			b.Fatal(err)
		}
		ids, slugs = append(ids, id), append(slugs, slug)
	}
	if len(ids) < 100 {
		b.Fatalf("only %d questions sampled; is the database filled?", len(ids))
	}
	exclude := make([]question.Ref, 50)
	for i := range exclude {
		exclude[i] = question.Ref{ID: ids[i]}
	}

	b.Run("Get/id", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.Get(ctx, question.Ref{ID: ids[i%len(ids)]}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Get/slug", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.Get(ctx, question.Ref{Slug: slugs[i%len(slugs)]}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Get/id-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.Get(ctx, question.Ref{ID: ids[i%len(ids)]}); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})

	graphs := []string{"graphs"}
	for _, lc := range []struct {
		name string
		f    question.Filter
	}{
		{"no-filter", question.Filter{}},
		{"difficulty", question.Filter{Difficulty: question.Medium}},
		{"topic+difficulty", question.Filter{Difficulty: question.Medium, Topics: graphs}},
		{"two-topics+difficulty", question.Filter{Difficulty: question.Medium, Topics: []string{"graphs", "trees"}}},
		{"topic+difficulty+q-rare", question.Filter{Difficulty: question.Medium, Topics: graphs, Query: "pelmifa"}},       // ~0.5% of questions
		{"topic+difficulty+q-5pct", question.Filter{Difficulty: question.Medium, Topics: graphs, Query: "kapello"}},       // ~5%
		{"topic+difficulty+q-44pct", question.Filter{Difficulty: question.Medium, Topics: graphs, Query: "cell"}},         // ~44%
		{"topic+difficulty+q-2words", question.Filter{Difficulty: question.Medium, Topics: graphs, Query: "binary tree"}}, // ~30% and ~75%
		{"q-5pct-only", question.Filter{Query: "kapello"}},
		{"topic+difficulty-page-50", question.Filter{Difficulty: question.Medium, Topics: graphs, Page: 50}},
	} {
		f := lc.f
		if f.Page == 0 {
			f.Page = 1
		}
		f.Limit = 20
		b.Run("List/"+lc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.List(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	for _, rc := range []struct {
		name string
		f    question.RandomFilter
	}{
		{"no-filter", question.RandomFilter{}},
		{"topic+difficulty", question.RandomFilter{Difficulty: question.Medium, Topics: graphs}},
		{"topic+difficulty+50-excluded", question.RandomFilter{Difficulty: question.Medium, Topics: graphs, Exclude: exclude}},
		{"two-topics+difficulty", question.RandomFilter{Difficulty: question.Medium, Topics: []string{"graphs", "trees"}}},
	} {
		b.Run("Random/"+rc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Random(ctx, rc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
