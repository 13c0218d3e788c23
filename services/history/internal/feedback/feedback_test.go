package feedback

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

func TestInputValidate(t *testing.T) {
	t.Parallel()
	ok := Ratings{ProblemSolving: 3, Communication: 4, CodeQuality: 5}
	cases := []struct {
		name   string
		in     Input
		fields []string
	}{
		{"all ratings in range and no comment is valid", Input{Ratings: ok}, nil},
		{"the extremes 1 and 5 are valid", Input{Ratings: Ratings{ProblemSolving: 1, Communication: 5, CodeQuality: 1}}, nil},
		{"zero ratings name every field", Input{}, []string{"problem_solving", "communication", "code_quality"}},
		{"a rating of 6 is refused", Input{Ratings: Ratings{ProblemSolving: 6, Communication: 3, CodeQuality: 3}}, []string{"problem_solving"}},
		{"1000 characters of comment are valid", Input{Ratings: ok, Comment: strings.Repeat("ü", MaxCommentChars)}, nil},
		{"1001 characters of comment are refused", Input{Ratings: ok, Comment: strings.Repeat("a", MaxCommentChars+1)}, []string{"comment"}},
		{"invalid UTF-8 is refused", Input{Ratings: ok, Comment: "\xff"}, []string{"comment"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate()
			var ve *validation.Error
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a validation error", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tc.fields) {
				t.Fatalf("fields %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestNormalizedTrimsAndDropsNUL(t *testing.T) {
	t.Parallel()
	if got := (Input{Comment: "  a\x00b \n"}).normalized().Comment; got != "a\uFFFDb" {
		t.Fatalf("got %q", got)
	}
}

func TestSessionRules(t *testing.T) {
	t.Parallel()
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	s := Session{UserIDs: [2]uuid.UUID{a, b}}
	if p, ok := s.partner(a); !ok || p != b {
		t.Fatal("a's partner is b")
	}
	if p, ok := s.partner(b); !ok || p != a {
		t.Fatal("b's partner is a")
	}
	if _, ok := s.partner(c); ok {
		t.Fatal("c is no participant")
	}
	if s.done(a) {
		t.Fatal("an active session a has not left is not over for a")
	}
	s.Left = []uuid.UUID{a}
	if !s.done(a) || s.done(b) {
		t.Fatal("leaving ends the session for the leaver only")
	}
	s.Ended = true
	if !s.done(b) {
		t.Fatal("an ended session is over for both")
	}
}
