package httpapi

import (
	"time"

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
	}
}

type exampleDTO struct {
	Input       string `json:"input"`
	Output      string `json:"output"`
	Explanation string `json:"explanation"`
}

// questionDTO is a full question. InterviewerNotes is nil (absent) in what
// a user reads, and a list, maybe empty, for admins and internal callers.
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
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

// toQuestionDTO converts q; withNotes says whether the caller may see the
// interviewer's notes.
func toQuestionDTO(q question.Question, withNotes bool) questionDTO {
	examples := make([]exampleDTO, len(q.Examples))
	for i, e := range q.Examples {
		examples[i] = exampleDTO(e)
	}
	code := q.StarterCode
	if code == nil {
		code = map[string]string{}
	}
	var notes *[]string
	if withNotes {
		n := nonNil(q.InterviewerNotes)
		notes = &n
	}
	return questionDTO{
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
