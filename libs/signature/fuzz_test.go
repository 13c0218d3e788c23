package signature_test

import (
	"encoding/json"
	"testing"

	"github.com/peerprep/peerprep/libs/signature"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"twoSum(nums int[], target int) int[]", "f() int", "f(a ListNode[]) TreeNode", "((", "f(a int,) int"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := signature.Parse(s)
		if err != nil {
			return
		}
		again, err := signature.Parse(sig.String())
		if err != nil || again.String() != sig.String() {
			t.Fatalf("%q parsed to %q, which reparses to %q, %v", s, sig, again, err)
		}
	})
}

func FuzzArgsFromLines(f *testing.F) {
	for _, s := range []string{"[1,2]\n3", "[[\"a\"]]\n", "", "[1,null,2]\n[[1],[2]]", "1e400\n[]"} {
		f.Add(s)
	}
	sig, err := signature.Parse("f(xs int[], root TreeNode, g char[][]) int")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args, err := sig.ArgsFromLines(s)
		if err != nil {
			return
		}
		if err := sig.CheckArgs(args); err != nil {
			t.Fatalf("ArgsFromLines(%q) = %s, which CheckArgs refuses: %v", s, args, err)
		}
	})
}

func FuzzEqual(f *testing.F) {
	for _, s := range []string{"[1,2]", `[["a"],["b","c"]]`, "1.5", "null", "[1e3, -0]", `{"a":[1]}`} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, c := range []signature.Compare{signature.Exact, signature.Unordered, signature.UnorderedDeep, signature.Float} {
			ab := c.Equal(json.RawMessage(a), json.RawMessage(b))
			if ab != c.Equal(json.RawMessage(b), json.RawMessage(a)) && c != signature.Float {
				t.Fatalf("%s.Equal is not symmetric for %q, %q", c, a, b)
			}
			if json.Valid([]byte(a)) && c != signature.Float && c != signature.Unordered && !c.Equal(json.RawMessage(a), json.RawMessage(a)) {
				t.Fatalf("%s.Equal(%q, itself) = false", c, a)
			}
		}
	})
}
