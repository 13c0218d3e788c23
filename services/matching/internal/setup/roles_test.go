package setup

import (
	"testing"

	"github.com/google/uuid"
)

func TestChooseInterviewer(t *testing.T) {
	t.Parallel()
	a, b := uuid.NewString(), uuid.NewString()
	m := func(id string, wa, wb bool) Match {
		return Match{ID: id, UserIDs: [2]string{a, b}, WantsInterviewer: [2]bool{wa, wb}}
	}
	if got := ChooseInterviewer(m("m1", true, false)); got != a {
		t.Fatal("the one who asked to interview, first, was not chosen")
	}
	if got := ChooseInterviewer(m("m1", false, true)); got != b {
		t.Fatal("the one who asked to interview, second, was not chosen")
	}
	// Both or neither: a draw from the match id, the same on every retry,
	// and either user over many matches.
	seen := map[string]int{}
	for i := range 64 {
		id := uuid.NewString()
		wants := i%2 == 0
		first := ChooseInterviewer(m(id, wants, wants))
		if first != a && first != b {
			t.Fatalf("chose %q, not a participant", first)
		}
		if again := ChooseInterviewer(m(id, wants, wants)); again != first {
			t.Fatal("a retry of the same match chose someone else")
		}
		seen[first]++
	}
	if seen[a] == 0 || seen[b] == 0 {
		t.Fatalf("draws %v: one user never starts", seen)
	}
}
