// Package benchdata fills a question-service database with generated
// questions, fast (COPY), for benchmarks and load tests: `question-service
// gen-bench-data <n>` and the store benchmarks use it.
package benchdata

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

// Words is the start of the generated vocabulary, most frequent first, so
// searches for these hit many questions and searches for the generated
// words further down the Zipf tail hit few.
func Words() []string {
	return strings.Fields(`array string number target return given integer element index value
		sum list node tree graph path pair window pointer sorted order left right maximum minimum
		count length subarray substring sequence matrix grid cell edge vertex root leaf depth level
		height binary search heap stack queue interval range prefix suffix palindrome anagram
		character digit bit mask xor product difference distance cost price profit coin step jump
		island course word letter frequency cycle component parent child sibling ancestor median
		average rotation partition merge split reverse swap insert delete replace shift window
		greedy dynamic memo table state transition constraint query update point line slope
		circle square rectangle area volume triangle angle weight capacity schedule task job deadline
		meeting room train station city road bridge network server packet message stream buffer`)
}

// vocabulary is Words followed by made-up words built from syllables.
func vocabulary(rng *rand.Rand) []string {
	syl := []string{"ka", "lo", "mi", "ren", "tor", "vi", "sel", "dun", "pra", "qui", "zen", "bo", "fa", "gri", "hul", "jex", "nor", "pel", "sud", "wim"}
	words := Words()
	seen := make(map[string]bool, 4000)
	for _, w := range words {
		seen[w] = true
	}
	for len(words) < 4000 {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// Load adds n generated questions to the database behind pool with one
// COPY and renumbers the draw groups. seed makes the data reproducible.
// Slugs continue after the questions already there, so it can run again.
func Load(ctx context.Context, pool *pgxpool.Pool, n int, seed uint64) error {
	var existing int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM questions`).Scan(&existing); err != nil {
		return fmt.Errorf("count questions: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, uint64(existing)))
	g := &generator{
		rng:   rng,
		words: vocabulary(rng),
		start: existing,
		n:     n,
		base:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	g.zipf = rand.NewZipf(rng, 1.07, 2, uint64(len(g.words)-1))
	columns := []string{"id", "slug", "title", "difficulty", "topics", "description",
		"examples", "constraints", "hints", "starter_code", "created_at", "updated_at"}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"questions"}, columns, g); err != nil {
		return fmt.Errorf("copy questions: %w", err)
	}
	if err := postgres.New(pool).RebuildDraws(ctx); err != nil {
		return fmt.Errorf("rebuild draw groups: %w", err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE questions, draw_slots, draw_groups`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// generator is a pgx.CopyFromSource making one question per row.
type generator struct {
	rng      *rand.Rand
	zipf     *rand.Zipf
	words    []string
	start, i int
	n        int
	base     time.Time
	row      []any
}

func (g *generator) Next() bool {
	if g.i >= g.n {
		return false
	}
	g.row = g.question(g.start + g.i)
	g.i++
	return true
}

func (g *generator) Values() ([]any, error) { return g.row, nil }
func (g *generator) Err() error             { return nil }

func (g *generator) word() string { return g.words[g.zipf.Uint64()] }

func (g *generator) question(i int) []any {
	titleWords := make([]string, 2+g.rng.IntN(3))
	for j := range titleWords {
		w := g.word()
		titleWords[j] = strings.ToUpper(w[:1]) + w[1:]
	}
	title := fmt.Sprintf("%s %d", strings.Join(titleWords, " "), i+1)

	paras := make([]string, 2+g.rng.IntN(2))
	for p := range paras {
		ws := make([]string, 30+g.rng.IntN(60))
		for j := range ws {
			ws[j] = g.word()
		}
		paras[p] = strings.Join(ws, " ") + "."
	}

	topics := question.Topics()
	picked := make([]string, 0, 3)
	for _, j := range g.rng.Perm(len(topics))[:1+g.rng.IntN(3)] {
		picked = append(picked, topics[j].Slug)
	}
	at := g.base.Add(time.Duration(i) * time.Second)
	var id uuid.UUID
	for b := range id {
		id[b] = byte(g.rng.Uint32())
	}
	id[6], id[8] = id[6]&0x0f|0x40, id[8]&0x3f|0x80 // version 4, RFC 4122 variant
	return []any{
		id, question.Slugify(title), title,
		string(question.Difficulties()[g.rng.IntN(3)]), picked,
		strings.Join(paras, "\n\n"),
		[]map[string]string{{"input": "nums = [1, 2, 3]", "output": "6", "explanation": "Generated example."}},
		[]string{"1 <= n <= 10^5", "-10^9 <= nums[i] <= 10^9"},
		[]string{"Think about the " + g.word() + "."},
		map[string]string{
			"python":     "def solve(nums: list[int]) -> int:\n    pass\n",
			"javascript": "function solve(nums) {\n}\n",
			"java":       "class Solution {\n    public int solve(int[] nums) {\n    }\n}\n",
			"cpp":        "class Solution {\npublic:\n    int solve(vector<int>& nums) {\n    }\n};\n",
			"go":         "func solve(nums []int) int {\n}\n",
		},
		at, at,
	}
}
