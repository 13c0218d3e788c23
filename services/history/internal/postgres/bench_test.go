package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	libpostgres "github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// BenchmarkStore measures the store queries behind GET /attempts and
// GET /stats for a user with 10,000 attempts among 1,000,000 rows.
//
// With HISTORY_BENCH_DATABASE_URL set it uses that database as filled by
// `history-service gen-bench-data`; otherwise it makes a fresh database and
// generates the same data set first (about a minute).
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	user := uuid.MustParse("00000000-0000-4000-8000-00000000beef")
	var s *Store
	if u := os.Getenv("HISTORY_BENCH_DATABASE_URL"); u != "" {
		pool, err := libpostgres.Connect(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		s = New(pool)
	} else {
		s = newStore(b)
		d := BenchData{Rows: 1_000_000, UserAttempts: 10_000, User: user, OtherUsers: 10_000, Questions: 200, Days: 365}
		if err := s.GenerateBenchData(ctx, d, nil); err != nil {
			b.Fatal(err)
		}
	}
	first, err := s.List(ctx, attempt.ListQuery{UserID: user, Limit: 21})
	if err != nil || len(first) < 21 {
		b.Fatalf("the bench user has %d attempts (%v); run gen-bench-data", len(first), err)
	}
	// A cursor half-way down the user's history.
	mid, err := s.List(ctx, attempt.ListQuery{UserID: user, Limit: 1, Offset: 5000})
	if err != nil || len(mid) != 1 {
		b.Fatal(err)
	}

	list := func(q attempt.ListQuery) func(b *testing.B) {
		return func(b *testing.B) {
			q.UserID = user
			for b.Loop() {
				if _, err := s.List(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("List/first_page_of_20", list(attempt.ListQuery{Limit: 21}))
	b.Run("List/page_of_20_after_cursor_at_5000", list(attempt.ListQuery{Limit: 21, After: &attempt.Cursor{EndedAt: mid[0].EndedAt, ID: mid[0].ID}}))
	b.Run("List/page_of_20_by_topic_and_difficulty", list(attempt.ListQuery{Limit: 21, Filter: attempt.Filter{Topic: "graph", Difficulty: "hard"}}))
	b.Run("List/page_of_20_by_question", list(attempt.ListQuery{Limit: 21, Filter: attempt.Filter{QuestionID: first[0].QuestionID}}))
	b.Run("Totals", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Totals(ctx, user, time.UTC); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("QuestionIDs", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.QuestionIDs(ctx, user); err != nil {
				b.Fatal(err)
			}
		}
	})
}
