// Package seed is the question bank's starting set: original write-ups of
// classic interview problems covering every topic at every difficulty, and
// the idempotent loader behind `question-service seed`.
package seed

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

//go:embed questions.json
var questionsJSON []byte

// namespace makes seed ids from slugs (UUIDv5), so a seed question has the
// same id in every environment. It is 4d6f0f9e-2a4b-5c1e-9a57-3b0f6c2d8e11.
func namespace() uuid.UUID {
	return uuid.UUID{0x4d, 0x6f, 0x0f, 0x9e, 0x2a, 0x4b, 0x5c, 0x1e, 0x9a, 0x57, 0x3b, 0x0f, 0x6c, 0x2d, 0x8e, 0x11}
}

// entry is one question as questions.json writes it: the description as a
// list of Markdown paragraphs (JSON has no multi-line strings), one
// function signature instead of five stubs, and the test cases.
type entry struct {
	Title       string   `json:"title"`
	Difficulty  string   `json:"difficulty"`
	Topics      []string `json:"topics"`
	Description []string `json:"description"`
	Examples    []struct {
		Input       string `json:"input"`
		Output      string `json:"output"`
		Explanation string `json:"explanation"`
	} `json:"examples"`
	Constraints []string `json:"constraints"`
	Hints       []string `json:"hints"`
	// InterviewerNotes: what to ask and look for in a mock interview.
	InterviewerNotes []string `json:"interviewer_notes"`
	Signature        string   `json:"signature"`
	// Compare is the comparison mode where exact will not do ("" is exact).
	Compare string `json:"compare"`
	// TestCases are written by gen_cases.py, which computes each expected
	// value with the question's reference solution.
	TestCases []struct {
		Input    json.RawMessage `json:"input"`
		Expected json.RawMessage `json:"expected"`
		Hidden   bool            `json:"hidden"`
	} `json:"test_cases"`
}

// Drafts returns the seed set.
func Drafts() ([]question.Draft, error) {
	dec := json.NewDecoder(bytes.NewReader(questionsJSON))
	dec.DisallowUnknownFields()
	var entries []entry
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("parse questions.json: %w", err)
	}
	drafts := make([]question.Draft, len(entries))
	for i, e := range entries {
		sig, err := signature.Parse(e.Signature)
		if err != nil {
			return nil, fmt.Errorf("question %q: %w", e.Title, err)
		}
		examples := make([]question.Example, len(e.Examples))
		for j, ex := range e.Examples {
			examples[j] = question.Example(ex)
		}
		tests := &question.Tests{Signature: e.Signature, Compare: signature.Compare(e.Compare), Cases: make([]question.TestCase, len(e.TestCases))}
		for j, c := range e.TestCases {
			tests.Cases[j] = question.TestCase(c)
		}
		drafts[i] = question.Draft{
			Title:            e.Title,
			Difficulty:       question.Difficulty(e.Difficulty),
			Topics:           e.Topics,
			Description:      strings.Join(e.Description, "\n\n"),
			Examples:         examples,
			Constraints:      e.Constraints,
			Hints:            e.Hints,
			InterviewerNotes: e.InterviewerNotes,
			StarterCode:      starterCode(sig),
			Tests:            tests,
		}
	}
	return drafts, nil
}

// ID is the id a seed question with slug gets when first inserted.
func ID(slug string) uuid.UUID { return uuid.NewSHA1(namespace(), []byte(slug)) }

// Result counts what Load did.
type Result struct {
	Inserted, Updated, Unchanged int
}

// Upserter is the part of question.Service Load needs.
type Upserter interface {
	Upsert(ctx context.Context, id uuid.UUID, d question.Draft) (question.Outcome, error)
}

// Load makes the bank hold the seed set: missing questions are inserted,
// changed ones brought back to the seed's text (by slug), equal ones left
// untouched, so a second run changes nothing. Questions not in the seed
// are never touched.
func Load(ctx context.Context, svc Upserter) (Result, error) {
	var res Result
	drafts, err := Drafts()
	if err != nil {
		return res, err
	}
	for _, d := range drafts {
		out, err := svc.Upsert(ctx, ID(question.Slugify(d.Title)), d)
		if err != nil {
			return res, fmt.Errorf("seed %q: %w", d.Title, err)
		}
		switch out {
		case question.Inserted:
			res.Inserted++
		case question.Updated:
			res.Updated++
		default:
			res.Unchanged++
		}
	}
	return res, nil
}
