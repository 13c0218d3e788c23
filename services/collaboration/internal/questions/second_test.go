package questions

import (
	"context"
	"testing"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
)

const token = "test-internal-token"

func newClient(t *testing.T, f *fake.Server) *Client {
	env := f.Env()
	return New(discovery.New(discovery.Options{Getenv: func(k string) string { return env[k] }, InternalToken: token}))
}

func q(id, difficulty string, topics ...string) internalapi.Question {
	return internalapi.Question{ID: id, Slug: "q-" + id, Title: "Question " + id, Difficulty: difficulty, Topics: topics, Description: "…"}
}

// TestSecondQuestionFallsBack: the second question is another one whenever
// the difficulty has another, widening from the first's first topic to its
// other topics and then to any topic; the first again only when it is the
// only question of its difficulty.
func TestSecondQuestionFallsBack(t *testing.T) {
	users := [2]string{"7b0e6f0a-4a5e-4c39-9f57-1a2b3c4d5e6f", "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"}
	cases := []struct {
		name      string
		bank      []internalapi.Question
		attempted []string // by the first user
		want      []string // any of these
	}{
		{"same topic, unattempted", []internalapi.Question{q("a", "easy", "arrays"), q("b", "easy", "arrays"), q("c", "easy", "arrays")}, []string{"b"}, []string{"c"}},
		{"same topic, all attempted", []internalapi.Question{q("a", "easy", "arrays"), q("b", "easy", "arrays")}, []string{"b"}, []string{"b"}},
		{"another of the first's topics", []internalapi.Question{q("a", "easy", "arrays", "strings"), q("b", "easy", "strings")}, nil, []string{"b"}},
		{"any topic of that difficulty", []internalapi.Question{q("a", "easy", "arrays"), q("b", "easy", "graphs"), q("c", "hard", "arrays")}, nil, []string{"b"}},
		{"the only one of its difficulty", []internalapi.Question{q("a", "easy", "arrays"), q("c", "hard", "arrays")}, nil, []string{"a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fake.Start(t, token)
			for _, x := range tc.bank {
				f.AddQuestion(x)
			}
			f.SetAttempted(users[0], tc.attempted...)
			for range 5 {
				got, err := newClient(t, f).SecondQuestion(context.Background(), "a", users)
				if err != nil {
					t.Fatal(err)
				}
				ok := false
				for _, w := range tc.want {
					ok = ok || got == w
				}
				if !ok {
					t.Fatalf("second question %q, want one of %v", got, tc.want)
				}
			}
		})
	}
}
