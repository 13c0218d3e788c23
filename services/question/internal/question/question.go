// Package question is the question bank's domain: what a question is, the
// rules a question and a query must satisfy, and the Service that applies
// them over a Store. It knows nothing of HTTP or SQL.
package question

import (
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
)

// Difficulty is how hard a question is.
type Difficulty string

// The difficulties the matcher offers.
const (
	Easy   Difficulty = "easy"
	Medium Difficulty = "medium"
	Hard   Difficulty = "hard"
)

// Difficulties lists every difficulty, easiest first.
func Difficulties() []Difficulty { return []Difficulty{Easy, Medium, Hard} }

// ParseDifficulty accepts exactly "easy", "medium" or "hard".
func ParseDifficulty(s string) (Difficulty, bool) {
	switch d := Difficulty(s); d {
	case Easy, Medium, Hard:
		return d, true
	}
	return "", false
}

// Topic is one subject a question practises; the matcher offers exactly
// these.
type Topic struct {
	Slug string
	Name string
}

// Topics returns the fixed topic list in display order. The migration
// 0001 inserts the same rows into the topics table; a store test keeps the
// two equal.
func Topics() []Topic {
	return []Topic{
		{"arrays", "Arrays"},
		{"strings", "Strings"},
		{"hash-tables", "Hash Tables"},
		{"two-pointers", "Two Pointers"},
		{"sliding-window", "Sliding Window"},
		{"linked-lists", "Linked Lists"},
		{"stacks-queues", "Stacks and Queues"},
		{"trees", "Trees"},
		{"graphs", "Graphs"},
		{"heaps", "Heaps"},
		{"binary-search", "Binary Search"},
		{"dynamic-programming", "Dynamic Programming"},
		{"greedy", "Greedy"},
		{"backtracking", "Backtracking"},
		{"bit-manipulation", "Bit Manipulation"},
		{"math", "Math"},
	}
}

// IsTopic reports whether slug names a known topic.
func IsTopic(slug string) bool {
	for _, t := range Topics() {
		if t.Slug == slug {
			return true
		}
	}
	return false
}

// Languages returns the languages starter code may be written in.
func Languages() []string { return append([]string(nil), internalapi.Languages...) }

// IsLanguage reports whether lang is a supported starter-code language.
func IsLanguage(lang string) bool { return internalapi.IsLanguage(lang) }

// Example is one worked input/output pair shown with a question.
type Example struct {
	Input       string
	Output      string
	Explanation string
}

// Question is a full question.
type Question struct {
	ID          uuid.UUID
	Slug        string
	Title       string
	Difficulty  Difficulty
	Topics      []string // topic slugs, in the order the author gave
	Description string   // Markdown
	Examples    []Example
	Constraints []string
	Hints       []string
	// InterviewerNotes are what the interviewer of a mock interview should
	// ask or look for; admins and internal callers see them, users do not.
	InterviewerNotes []string
	StarterCode      map[string]string // language → code
	// Tests are what a solution is run against; see Tests for who sees what.
	Tests     Tests
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Summary is what a list shows: a question without its body.
type Summary struct {
	ID         uuid.UUID
	Slug       string
	Title      string
	Difficulty Difficulty
	Topics     []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Summary returns q without its body.
func (q Question) Summary() Summary {
	return Summary{ID: q.ID, Slug: q.Slug, Title: q.Title, Difficulty: q.Difficulty, Topics: q.Topics, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
}

// TopicCount is a topic with how many questions carry it.
type TopicCount struct {
	Topic
	Count        int
	ByDifficulty map[Difficulty]int
}

// Page is one page of a list.
type Page struct {
	Items []Summary
	Total int
	Page  int
	Limit int
}

// Errors the store and service return; httpapi maps them to statuses.
var (
	ErrNotFound  = errors.New("question not found")
	ErrSlugTaken = errors.New("a question with this slug already exists")
	// ErrPreconditionFailed: the question is not the version the writer
	// read (an HTTP If-Match that no longer holds).
	ErrPreconditionFailed = errors.New("the question changed since it was read")
)

// Precondition decides, from the stored question locked for the write,
// whether the write may go ahead. nil always allows it.
type Precondition func(current Question) bool
