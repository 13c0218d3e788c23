package question

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

// Limits on list and random queries.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxPage      = 100_000
	MaxQuery     = 200 // characters of a search
	MaxExclude   = 1000
)

// Ref names a question by id or by slug; exactly one is set.
type Ref struct {
	ID   uuid.UUID
	Slug string
}

// IsID reports whether r names a question by id.
func (r Ref) IsID() bool { return r.Slug == "" }

func (r Ref) String() string {
	if r.IsID() {
		return r.ID.String()
	}
	return r.Slug
}

// ParseRef accepts a UUID in its canonical 36-character form (any case) or
// a slug: lower-case letters and digits in hyphen-separated runs.
func ParseRef(s string) (Ref, bool) {
	if len(s) == 36 && s[8] == '-' {
		id, err := uuid.Parse(s)
		if err != nil {
			return Ref{}, false
		}
		return Ref{ID: id}, true
	}
	if !IsSlug(s) {
		return Ref{}, false
	}
	return Ref{Slug: s}, true
}

// IsSlug reports whether s has the shape of a slug (^[a-z0-9]+(-[a-z0-9]+)*$)
// and is no longer than MaxSlug.
func IsSlug(s string) bool {
	if s == "" || len(s) > MaxSlug || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// Filter selects a page of questions. Zero values mean "any".
type Filter struct {
	Difficulty Difficulty
	Topics     []string // questions carrying any of these
	Query      string   // full-text search over title and description
	Page       int      // from 1
	Limit      int
}

// Offset is the number of matches before the page.
func (f Filter) Offset() int { return (f.Page - 1) * f.Limit }

// Validate checks f; field names are the query parameters'.
func (f Filter) Validate() error {
	var errs validation.Error
	checkCriteria(&errs, f.Difficulty, f.Topics)
	if !validText(f.Query, false) {
		errs.Add("q", "must be text without control characters")
	} else if utf8.RuneCountInString(f.Query) > MaxQuery {
		errs.Add("q", fmt.Sprintf("must be at most %d characters", MaxQuery))
	}
	if f.Page < 1 || f.Page > MaxPage {
		errs.Add("page", fmt.Sprintf("must be a whole number from 1 to %d", MaxPage))
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		errs.Add("limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxLimit))
	}
	return errs.OrNil()
}

// RandomFilter selects the questions a random pick draws from.
type RandomFilter struct {
	Difficulty Difficulty
	Topics     []string // questions carrying any of these
	Exclude    []Ref    // never picked
}

// Validate checks f; field names are the query parameters'.
func (f RandomFilter) Validate() error {
	var errs validation.Error
	checkCriteria(&errs, f.Difficulty, f.Topics)
	if len(f.Exclude) > MaxExclude {
		errs.Add("exclude", fmt.Sprintf("must have at most %d items", MaxExclude))
	}
	return errs.OrNil()
}

func checkCriteria(errs *validation.Error, d Difficulty, topics []string) {
	if d != "" {
		if _, ok := ParseDifficulty(string(d)); !ok {
			errs.Add("difficulty", "must be one of: easy, medium, hard")
		}
	}
	if len(topics) > len(Topics()) {
		errs.Add("topic", fmt.Sprintf("must name at most %d topics", len(Topics())))
		return
	}
	for _, t := range topics {
		if !IsTopic(t) {
			errs.Add("topic", fmt.Sprintf("%s is not a known topic (want one of: %s)", quoteShort(t), topicSlugs()))
		}
	}
}

func topicSlugs() string {
	ts := Topics()
	slugs := make([]string, len(ts))
	for i, t := range ts {
		slugs[i] = t.Slug
	}
	return strings.Join(slugs, ", ")
}

// quoteShort quotes s for a message, cut to 40 characters so a caller's
// input cannot bloat the response.
func quoteShort(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
