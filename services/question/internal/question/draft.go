package question

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/peerprep/peerprep/libs/validation"
)

// Limits on what an admin may write.
const (
	MinTitle       = 3
	MaxTitle       = 200 // characters
	MaxDescription = 50 << 10
	MinTopics      = 1
	MaxTopics      = 5
	MaxExamples    = 20
	MaxExampleText = 5000
	MaxConstraints = 30
	MaxConstraint  = 500
	MaxHints       = 20
	MaxHint        = 1000
	MaxNotes       = 20
	MaxNote        = 1000
	MaxStarterCode = 20 << 10
	MaxSlug        = 100
)

// ReservedSlug is a path segment that is a route, not a question.
const ReservedSlug = "random"

// Draft is a question as an admin writes it; the slug, id and times are
// the service's to set.
type Draft struct {
	Title       string
	Difficulty  Difficulty
	Topics      []string
	Description string
	Examples    []Example
	Constraints []string
	Hints       []string
	// InterviewerNotes is optional: nil keeps what an update's question
	// had (an old client's PUT does not erase them), empty clears them.
	InterviewerNotes []string
	StarterCode      map[string]string
	// Tests is optional: nil keeps what an update's question had (the
	// admin editor predates them); none on a create.
	Tests *Tests
}

// Normalize trims what surrounding whitespace cannot mean anything in:
// the title, constraints and hints. Descriptions and code keep theirs
// (Markdown indentation is meaningful).
func (d Draft) Normalize() Draft {
	d.Title = strings.TrimSpace(d.Title)
	d.Constraints = trimAll(d.Constraints)
	d.Hints = trimAll(d.Hints)
	d.InterviewerNotes = trimAll(d.InterviewerNotes)
	if d.Tests != nil {
		t := d.Tests.normalize()
		d.Tests = &t
	}
	return d
}

func trimAll(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// Validate checks every field and reports all that are wrong. Call it on a
// normalized draft.
func (d Draft) Validate() error {
	var errs validation.Error
	title := d.Title
	switch n := utf8.RuneCountInString(title); {
	case !validText(title, false):
		errs.Add("title", "must be valid text without control characters")
	case n < MinTitle || n > MaxTitle:
		errs.Add("title", fmt.Sprintf("must be %d to %d characters", MinTitle, MaxTitle))
	case Slugify(title) == "":
		errs.Add("title", "must contain letters or digits")
	case Slugify(title) == ReservedSlug:
		errs.Add("title", "must not make the slug "+ReservedSlug+", which names the random-question route")
	}
	if _, ok := ParseDifficulty(string(d.Difficulty)); !ok {
		errs.Add("difficulty", "must be one of: easy, medium, hard")
	}
	validateTopics(&errs, d.Topics)

	switch {
	case strings.TrimSpace(d.Description) == "":
		errs.Add("description", "is required")
	case len(d.Description) > MaxDescription:
		errs.Add("description", fmt.Sprintf("must be at most %d bytes", MaxDescription))
	case !validText(d.Description, true):
		errs.Add("description", "must be valid UTF-8 text without control characters")
	}

	switch {
	case len(d.Examples) == 0:
		errs.Add("examples", "must have at least 1 item")
	case len(d.Examples) > MaxExamples:
		errs.Add("examples", fmt.Sprintf("must have at most %d items", MaxExamples))
	default:
		for i, ex := range d.Examples {
			field := fmt.Sprintf("examples[%d]", i)
			checkText(&errs, field+".input", ex.Input, true, MaxExampleText)
			checkText(&errs, field+".output", ex.Output, true, MaxExampleText)
			checkText(&errs, field+".explanation", ex.Explanation, false, MaxExampleText)
		}
	}

	checkList(&errs, "constraints", d.Constraints, MaxConstraints, MaxConstraint)
	checkList(&errs, "hints", d.Hints, MaxHints, MaxHint)
	checkList(&errs, "interviewer_notes", d.InterviewerNotes, MaxNotes, MaxNote)

	switch {
	case len(d.StarterCode) == 0:
		errs.Add("starter_code", "must have code for at least one of: "+strings.Join(Languages(), ", "))
	default:
		for _, lang := range sortedKeys(d.StarterCode) {
			field := "starter_code." + lang
			if !IsLanguage(lang) {
				errs.Add(field, "is not a supported language (want one of: "+strings.Join(Languages(), ", ")+")")
				continue
			}
			checkText(&errs, field, d.StarterCode[lang], true, MaxStarterCode)
		}
	}
	if d.Tests != nil {
		d.Tests.validate(&errs)
	}
	return errs.OrNil()
}

func validateTopics(errs *validation.Error, topics []string) {
	if len(topics) < MinTopics || len(topics) > MaxTopics {
		errs.Add("topics", fmt.Sprintf("must have %d to %d items", MinTopics, MaxTopics))
		return
	}
	seen := make(map[string]bool, len(topics))
	for i, t := range topics {
		field := fmt.Sprintf("topics[%d]", i)
		switch {
		case !IsTopic(t):
			errs.Add(field, "is not a known topic")
		case seen[t]:
			errs.Add(field, "is listed twice")
		}
		seen[t] = true
	}
}

func checkText(errs *validation.Error, field, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		errs.Add(field, "is required")
	case len(s) > max:
		errs.Add(field, fmt.Sprintf("must be at most %d bytes", max))
	case !validText(s, true):
		errs.Add(field, "must be valid UTF-8 text without control characters")
	}
}

func checkList(errs *validation.Error, field string, items []string, maxItems, maxLen int) {
	if len(items) > maxItems {
		errs.Add(field, fmt.Sprintf("must have at most %d items", maxItems))
		return
	}
	for i, s := range items {
		checkText(errs, fmt.Sprintf("%s[%d]", field, i), s, true, maxLen)
	}
}

// validText reports whether s is UTF-8 without control characters;
// multiline allows newlines, carriage returns and tabs. PostgreSQL rejects
// NUL in text, so this is also what keeps odd input from becoming a 500.
func validText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// Slugify derives a URL slug from a title: "Two Sum (II)" → "two-sum-ii",
// "Crème Brûlée" → "creme-brulee". It returns "" when nothing usable is
// left, and never more than MaxSlug characters.
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’':
			continue // accents and apostrophes vanish: "don't" → "dont"
		default:
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if len(s) > MaxSlug {
		s = strings.TrimRight(s[:MaxSlug], "-")
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
