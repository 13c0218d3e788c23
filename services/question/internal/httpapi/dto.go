package httpapi

import (
	"encoding/json"
	"time"

	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

// questionInput is the body of POST and PUT /questions.
type questionInput struct {
	Title       string       `json:"title"`
	Difficulty  string       `json:"difficulty"`
	Topics      []string     `json:"topics"`
	Description string       `json:"description"`
	Examples    []exampleDTO `json:"examples"`
	Constraints []string     `json:"constraints"`
	Hints       []string     `json:"hints"`
	// InterviewerNotes is optional; absent or null on a PUT keeps the
	// stored notes (the admin editor predates them), [] clears them.
	InterviewerNotes []string          `json:"interviewer_notes"`
	StarterCode      map[string]string `json:"starter_code"`
	// Signature, Compare and TestCases are optional together: all absent
	// or null on a PUT keeps the stored ones (as for interviewer_notes);
	// any of them given replaces all three, the others taken as empty.
	Signature *string       `json:"signature"`
	Compare   *string       `json:"compare"`
	TestCases []testCaseDTO `json:"test_cases"`
}

func (in questionInput) tests() *question.Tests {
	if in.Signature == nil && in.Compare == nil && in.TestCases == nil {
		return nil
	}
	t := &question.Tests{Cases: make([]question.TestCase, len(in.TestCases))}
	if in.Signature != nil {
		t.Signature = *in.Signature
	}
	if in.Compare != nil {
		t.Compare = signature.Compare(*in.Compare)
	}
	for i, c := range in.TestCases {
		t.Cases[i] = question.TestCase(c)
	}
	return t
}

func (in questionInput) draft() question.Draft {
	examples := make([]question.Example, len(in.Examples))
	for i, e := range in.Examples {
		examples[i] = question.Example(e)
	}
	return question.Draft{
		Title:            in.Title,
		Difficulty:       question.Difficulty(in.Difficulty),
		Topics:           in.Topics,
		Description:      in.Description,
		Examples:         examples,
		Constraints:      in.Constraints,
		Hints:            in.Hints,
		InterviewerNotes: in.InterviewerNotes,
		StarterCode:      in.StarterCode,
		Tests:            in.tests(),
	}
}

// testCaseDTO is a test case as admins write and read it, and as the
// internal route answers it.
type testCaseDTO struct {
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected"`
	Hidden   bool            `json:"hidden"`
}

// sampleCaseDTO is a visible test case as users read it.
type sampleCaseDTO struct {
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected"`
}

func toTestCaseDTOs(in []question.TestCase) []testCaseDTO {
	out := make([]testCaseDTO, len(in))
	for i, c := range in {
		out[i] = testCaseDTO(c)
	}
	return out
}

// testsDTO is the answer of the internal tests route.
type testsDTO struct {
	QuestionID string        `json:"question_id"`
	Signature  string        `json:"signature"`
	Compare    string        `json:"compare"`
	Cases      []testCaseDTO `json:"cases"`
}

func toTestsDTO(q question.Question) testsDTO {
	t := testsDTO{QuestionID: q.ID.String(), Signature: q.Tests.Signature, Compare: string(q.Tests.Compare),
		Cases: toTestCaseDTOs(q.Tests.Cases)}
	if t.Signature == "" || len(t.Cases) == 0 {
		t.Signature, t.Cases = "", []testCaseDTO{}
	}
	return t
}

type exampleDTO struct {
	Input       string `json:"input"`
	Output      string `json:"output"`
	Explanation string `json:"explanation"`
}

// questionDTO is a full question. InterviewerNotes is nil (absent) in what
// a user reads, and a list, maybe empty, for admins and internal callers.
// TestCases, hidden ones included, is for admins only: internal callers
// pass questions on to users (collaboration-service does), so they get
// what a user gets there, and the hidden cases through the internal route.
type questionDTO struct {
	ID               string            `json:"id"`
	Slug             string            `json:"slug"`
	Title            string            `json:"title"`
	Difficulty       string            `json:"difficulty"`
	Topics           []string          `json:"topics"`
	Description      string            `json:"description"`
	Examples         []exampleDTO      `json:"examples"`
	Constraints      []string          `json:"constraints"`
	Hints            []string          `json:"hints"`
	InterviewerNotes *[]string         `json:"interviewer_notes,omitempty"`
	StarterCode      map[string]string `json:"starter_code"`
	Signature        string            `json:"signature"`
	Compare          string            `json:"compare"`
	SampleCases      []sampleCaseDTO   `json:"sample_cases"`
	TestCases        *[]testCaseDTO    `json:"test_cases,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

// audience is who a question is rendered for.
type audience int

const (
	userAudience     audience = iota // a user's token: no notes, no hidden cases
	internalAudience                 // the internal token: notes, no hidden cases
	adminAudience                    // an admin's token: everything
)

// toQuestionDTO converts q for audience a.
func toQuestionDTO(q question.Question, a audience) questionDTO {
	examples := make([]exampleDTO, len(q.Examples))
	for i, e := range q.Examples {
		examples[i] = exampleDTO(e)
	}
	code := q.StarterCode
	if code == nil {
		code = map[string]string{}
	}
	var notes *[]string
	if a != userAudience {
		n := nonNil(q.InterviewerNotes)
		notes = &n
	}
	visible := q.Tests.Visible()
	samples := make([]sampleCaseDTO, len(visible))
	for i, c := range visible {
		samples[i] = sampleCaseDTO{Input: c.Input, Expected: c.Expected}
	}
	var cases *[]testCaseDTO
	if a == adminAudience {
		all := toTestCaseDTOs(q.Tests.Cases)
		cases = &all
	}
	return questionDTO{
		Signature:        q.Tests.Signature,
		Compare:          string(q.Tests.Compare),
		SampleCases:      samples,
		TestCases:        cases,
		InterviewerNotes: notes,
		ID:               q.ID.String(),
		Slug:             q.Slug,
		Title:            q.Title,
		Difficulty:       string(q.Difficulty),
		Topics:           nonNil(q.Topics),
		Description:      q.Description,
		Examples:         examples,
		Constraints:      nonNil(q.Constraints),
		Hints:            nonNil(q.Hints),
		StarterCode:      code,
		CreatedAt:        q.CreatedAt.UTC(),
		UpdatedAt:        q.UpdatedAt.UTC(),
	}
}

// summaryDTO is a question in a list: everything but the body.
type summaryDTO struct {
	ID         string    `json:"id"`
	Slug       string    `json:"slug"`
	Title      string    `json:"title"`
	Difficulty string    `json:"difficulty"`
	Topics     []string  `json:"topics"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toSummaryDTO(s question.Summary) summaryDTO {
	return summaryDTO{
		ID:         s.ID.String(),
		Slug:       s.Slug,
		Title:      s.Title,
		Difficulty: string(s.Difficulty),
		Topics:     nonNil(s.Topics),
		CreatedAt:  s.CreatedAt.UTC(),
		UpdatedAt:  s.UpdatedAt.UTC(),
	}
}

type pageDTO struct {
	Items []summaryDTO `json:"items"`
	Total int          `json:"total"`
	Page  int          `json:"page"`
	Limit int          `json:"limit"`
}

type topicDTO struct {
	Slug         string        `json:"slug"`
	Name         string        `json:"name"`
	Count        int           `json:"count"`
	ByDifficulty difficultyDTO `json:"by_difficulty"`
}

type difficultyDTO struct {
	Easy   int `json:"easy"`
	Medium int `json:"medium"`
	Hard   int `json:"hard"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
