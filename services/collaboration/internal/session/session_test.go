package session

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/peerprep/peerprep/libs/validation"
)

const (
	userA    = "6f0a7f3e-2d1b-4c55-9d7e-0a1b2c3d4e5f"
	userB    = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
	question = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
)

func TestNewSessionValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		in     NewSession
		fields []string // invalid fields, none when valid
		lang   string   // language after normalising
	}{
		{"valid", NewSession{MatchID: "m", UserIDs: []string{userA, userB}, QuestionID: question, Language: "go"}, nil, "go"},
		{"no language starts in python", NewSession{MatchID: "m", UserIDs: []string{userA, userB}, QuestionID: question}, nil, "python"},
		{"upper-case UUIDs are normalised", NewSession{MatchID: "m", UserIDs: []string{strings.ToUpper(userA), userB}, QuestionID: question}, nil, "python"},
		{"missing match id", NewSession{UserIDs: []string{userA, userB}, QuestionID: question}, []string{"match_id"}, ""},
		{"match id with a control character", NewSession{MatchID: "m\n", UserIDs: []string{userA, userB}, QuestionID: question}, []string{"match_id"}, ""},
		{"match id too long", NewSession{MatchID: strings.Repeat("m", 129), UserIDs: []string{userA, userB}, QuestionID: question}, []string{"match_id"}, ""},
		{"three users", NewSession{MatchID: "m", UserIDs: []string{userA, userB, userA}, QuestionID: question}, []string{"user_ids"}, ""},
		{"the same user twice", NewSession{MatchID: "m", UserIDs: []string{userA, strings.ToUpper(userA)}, QuestionID: question}, []string{"user_ids"}, ""},
		{"a user id that is not a UUID", NewSession{MatchID: "m", UserIDs: []string{"ada", userB}, QuestionID: question}, []string{"user_ids[0]"}, ""},
		{"everything wrong", NewSession{Language: "cobol"}, []string{"match_id", "user_ids", "question_id", "language"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			err := in.validate()
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if in.Language != tc.lang || in.UserIDs[0] != userA {
					t.Fatalf("normalised to %+v", in)
				}
				return
			}
			var ve *validation.Error
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Fatalf("invalid fields %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestSnapshotValidation(t *testing.T) {
	t.Parallel()
	if err := (Snapshot{Code: strings.Repeat("x", MaxCodeBytes), Language: "cpp"}).validate(); err != nil {
		t.Fatalf("largest code refused: %v", err)
	}
	if err := (Snapshot{Code: strings.Repeat("x", MaxCodeBytes+1), Language: "cpp"}).validate(); !errors.Is(err, ErrCodeTooLarge) {
		t.Fatalf("oversized code: %v", err)
	}
	var ve *validation.Error
	if err := (Snapshot{Language: "rust"}).validate(); !errors.As(err, &ve) {
		t.Fatalf("unknown language: %v", err)
	}
}

func TestAttemptsOfAnEndedSession(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	s := Session{ID: "s", UserIDs: [2]string{userA, userB}, QuestionID: question, Language: "python",
		CreatedAt: start, EndedAt: &end, Code: "print(1)", CodeLanguage: "go"}
	got := s.Attempts()
	if len(got) != 2 {
		t.Fatalf("%d attempts", len(got))
	}
	for i, a := range got {
		if a.UserID != s.UserIDs[i] || a.PartnerID != s.UserIDs[1-i] || a.Language != "go" || a.Code != "print(1)" ||
			!a.StartedAt.Equal(start) || !a.EndedAt.Equal(end) || a.QuestionID != question || a.SessionID != "s" {
			t.Fatalf("attempt %d: %+v", i, a)
		}
	}
	s.CodeLanguage = ""
	if s.Attempts()[0].Language != "python" {
		t.Fatal("without a snapshot the starting language is recorded")
	}
}

// FuzzNewSession feeds arbitrary create requests to validation: it never
// panics, and what it accepts is normalised and within the limits.
func FuzzNewSession(f *testing.F) {
	f.Add("m", userA, userB, question, "")
	f.Add("", "x", "", "", "cobol")
	f.Add(strings.Repeat("é", 80), strings.ToUpper(userA), userA, question, "go")
	f.Add("m\x00", userA, userB, "{"+question+"}", "python")
	f.Fuzz(func(t *testing.T, match, a, b, q, lang string) {
		in := NewSession{MatchID: match, UserIDs: []string{a, b}, QuestionID: q, Language: lang}
		if err := in.validate(); err != nil {
			var ve *validation.Error
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !ValidLanguage(in.Language) || in.UserIDs[0] == in.UserIDs[1] || len(in.MatchID) > MaxMatchIDLength ||
			!utf8.ValidString(in.MatchID) || len(in.UserIDs[0]) != 36 || len(in.QuestionID) != 36 {
			t.Fatalf("accepted %+v", in)
		}
	})
}

func TestAttemptsOfAMockInterview(t *testing.T) {
	t.Parallel()
	const second = "9b0c3f7e-2f4b-4a0e-8c61-0e4d2a5b7c11"
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	swap, end := start.Add(20*time.Minute), start.Add(45*time.Minute)
	afterSwap, beforeSwap := swap.Add(time.Minute), swap.Add(-time.Minute)
	base := Session{ID: "s", UserIDs: [2]string{userA, userB}, QuestionID: question, Language: "python",
		CreatedAt: start, EndedAt: &end, Code: "second()", CodeLanguage: "go", CodeUpdatedAt: &afterSwap, Mode: ModeMock}
	type want struct{ user, question, role, code, lang string }
	cases := []struct {
		name      string
		interview *Swap
		updated   *time.Time
		want      []want
		times     [][2]time.Time
	}{
		{"a practise session has no roles", nil, &afterSwap,
			[]want{{userA, question, "", "second()", "go"}, {userB, question, "", "second()", "go"}}, nil},
		{"an interview over before the swap: one question, the first roles",
			&Swap{FirstInterviewer: userB, FirstQuestion: question}, &afterSwap,
			[]want{{userA, question, "candidate", "second()", "go"}, {userB, question, "interviewer", "second()", "go"}}, nil},
		{"a swapped interview: both questions, roles swapped, each its code",
			&Swap{FirstInterviewer: userA, FirstQuestion: question, SecondQuestion: second, SwappedAt: swap, FirstCode: "first()", FirstLanguage: "python"}, &afterSwap,
			[]want{
				{userA, question, "interviewer", "first()", "python"}, {userA, second, "candidate", "second()", "go"},
				{userB, question, "candidate", "first()", "python"}, {userB, second, "interviewer", "second()", "go"},
			},
			[][2]time.Time{{start, swap}, {swap, end}, {start, swap}, {swap, end}}},
		{"no code saved since the swap: the second question's code is empty",
			&Swap{FirstInterviewer: userA, FirstQuestion: question, SecondQuestion: second, SwappedAt: swap, FirstCode: "first()", FirstLanguage: "python"}, &beforeSwap,
			[]want{
				{userA, question, "interviewer", "first()", "python"}, {userA, second, "candidate", "", "go"},
				{userB, question, "candidate", "first()", "python"}, {userB, second, "interviewer", "", "go"},
			}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base
			s.CodeUpdatedAt = tc.updated
			got := Claim{Session: s, Interview: tc.interview}.Attempts()
			if len(got) != len(tc.want) {
				t.Fatalf("%d attempts, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				a := got[i]
				if a.UserID != w.user || a.QuestionID != w.question || a.Role != w.role || a.Code != w.code || a.Language != w.lang || a.SessionID != "s" {
					t.Errorf("attempt %d: %+v, want %+v", i, a, w)
				}
				if tc.times != nil && (!a.StartedAt.Equal(tc.times[i][0]) || !a.EndedAt.Equal(tc.times[i][1])) {
					t.Errorf("attempt %d: %s–%s, want %s–%s", i, a.StartedAt, a.EndedAt, tc.times[i][0], tc.times[i][1])
				}
			}
		})
	}
}
