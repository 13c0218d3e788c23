package signature_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/signature"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "twoSum(nums int[], target int) int[]", want: "twoSum(nums int[], target int) int[]"},
		{in: " climbStairs( n int )  int ", want: "climbStairs(n int) int"},
		{in: "now() long", want: "now() long"},
		{in: "mergeKLists(lists ListNode[]) ListNode", want: "mergeKLists(lists ListNode[]) ListNode"},
		{in: "f(grid char[][]) int", want: "f(grid char[][]) int"},
		{in: "", err: "want name"},
		{in: "twoSum", err: "want name"},
		{in: "(a int) int", err: "want name"},
		{in: "2sum(a int) int", err: "not a function name"},
		{in: "f(a int) float", err: "unknown return type"},
		{in: "f(a) int", err: "want name type"},
		{in: "f(a Map) int", err: "unknown type"},
		{in: "f(a int, a int) int", err: "appears twice"},
		{in: "f(a int,, b int) int", err: "want name type"},
		{in: "f(a int, b int, c int, d int, e int, g int, h int, i int, j int) int", err: "at most"},
		{in: "fé(a int) int", err: "not a function name"},
	} {
		sig, err := signature.Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) = %v, want error containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || sig.String() != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, sig, err, tc.want)
		}
	}
}

func TestUses(t *testing.T) {
	sig, _ := signature.Parse("mergeKLists(lists ListNode[]) ListNode")
	if !sig.Uses(signature.ListNode) || sig.Uses(signature.TreeNode) {
		t.Fatal("Uses: ListNode[] uses ListNode, not TreeNode")
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		typ  signature.Type
		in   string
		want string // "" means valid
	}{
		{signature.Int, "3", ""},
		{signature.Int, "-2147483648", ""},
		{signature.Int, "2147483648", "expected int"},
		{signature.Int, "1.0", ""},
		{signature.Int, "1.5", "expected int"},
		{signature.Int, "1e2", ""},
		{signature.Int, `"3"`, `expected int, got "3"`},
		{signature.Long, "9223372036854775807", ""},
		{signature.Long, "9223372036854775808", "expected long"},
		{signature.Double, "2.5e-3", ""},
		{signature.Double, "true", "expected double, got true"},
		{signature.Bool, "false", ""},
		{signature.String, `"héllo"`, ""},
		{signature.String, "null", "got null"},
		{signature.IntList, "[1, 2, 3]", ""},
		{signature.IntList, "[]", ""},
		{signature.IntList, `[1, "2"]`, "element 1: expected int"},
		{signature.IntGrid, "[[1], [], [2, 3]]", ""},
		{signature.IntGrid, "[1]", "element 0: expected int[], got 1"},
		{signature.StringList, `["a", "b"]`, ""},
		{signature.StringGrid, `[["a"], []]`, ""},
		{signature.CharGrid, `[["1", "0"], ["é", "x"]]`, ""},
		{signature.CharGrid, `[["10"]]`, "element 0: element 0: expected char"},
		{signature.ListNode, "[1, 2]", ""},
		{signature.ListNodes, "[[1, 4], [], [2]]", ""},
		{signature.TreeNode, "[3, 9, 20, null, null, 15, 7]", ""},
		{signature.TreeNode, "[]", ""},
		{signature.TreeNode, "[null, 1]", "element 0: expected int, got null"},
		{signature.TreeNode, `[1, "x"]`, "element 1"},
		{signature.Int, "", "not valid JSON"},
		{signature.Int, "1 2", "more than one JSON value"},
		{signature.Int, "0A", "more than one JSON value"},
		{signature.Int, "0 ]", "more than one JSON value"},
		{signature.IntList, `{"a": 1}`, "got an object"},
	} {
		err := tc.typ.Check(json.RawMessage(tc.in))
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s.Check(%s) = %v, want %q", tc.typ, tc.in, err, tc.want)
		}
	}
}

func TestCheckArgs(t *testing.T) {
	sig, _ := signature.Parse("twoSum(nums int[], target int) int[]")
	if err := sig.CheckArgs(json.RawMessage(`[[2, 7, 11, 15], 9]`)); err != nil {
		t.Fatal(err)
	}
	err := sig.CheckArgs(json.RawMessage(`[[2, 7], "9"]`))
	var ae *signature.ArgError
	if !errors.As(err, &ae) || ae.Index != 1 || ae.Param.Name != "target" || err.Error() != `argument 2 (target): expected int, got "9"` {
		t.Fatalf("got %v", err)
	}
	for in, want := range map[string]string{
		`[[1]]`:        "expected 2 arguments (nums, target), got 1",
		`{"nums": []}`: "expected a list",
		`[`:            "not valid JSON",
	} {
		if err := sig.CheckArgs(json.RawMessage(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckArgs(%s) = %v, want %q", in, err, want)
		}
	}
}

func TestArgsFromLines(t *testing.T) {
	sig, _ := signature.Parse("twoSum(nums int[], target int) int[]")
	got, err := sig.ArgsFromLines("[2, 7, 11, 15]\n\n  9  \n")
	if err != nil || string(got) != `[[2,7,11,15],9]` {
		t.Fatalf("got %s, %v", got, err)
	}
	for in, want := range map[string]string{
		"[1, 2]":         "twoSum takes 2 arguments (nums, target), one per line; got 1",
		"":               "got 0",
		"[1]\n2\n3":      "line 3: twoSum takes 2 arguments",
		"[1, x]\n2":      "line 1 (nums, a int[]): not valid JSON",
		"[1]\n\"2\"":     `line 2 (target, a int): expected int, got "2"`,
		"[1]\n2.5":       "line 2 (target, a int): expected int, got 2.5",
		"[1] [2]\n2":     "line 1 (nums, a int[]): more than one JSON value",
		"[1]\r\n2\r\n":   "",
		"\n\n[1]\n\n2\n": "",
	} {
		_, err := sig.ArgsFromLines(in)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("ArgsFromLines(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestEqual(t *testing.T) {
	for _, tc := range []struct {
		mode      signature.Compare
		exp, act  string
		wantEqual bool
	}{
		{signature.Exact, "[0, 1]", "[0,1]", true},
		{signature.Exact, "[0, 1]", "[1, 0]", false},
		{signature.Exact, "1", "1.0", true},
		{signature.Exact, "100", "1e2", true},
		{signature.Exact, "0.1", "0.10000001", false},
		{signature.Exact, `"a"`, `"a"`, true},
		{signature.Exact, "true", "1", false},
		{signature.Exact, "null", "[]", false},
		{signature.Exact, "9007199254740993", "9007199254740992", false},
		{signature.Exact, "[1]", "not json", false},
		{signature.Exact, "0", "0A", false},
		{signature.Unordered, "[0, 1]", "[1, 0]", true},
		{signature.Unordered, "[1, 1, 2]", "[1, 2, 2]", false},
		{signature.Unordered, "[[1, 2], [3]]", "[[3], [1, 2]]", true},
		{signature.Unordered, "[[1, 2], [3]]", "[[3], [2, 1]]", false},
		{signature.Unordered, "1", "1", false},
		{signature.UnorderedDeep, `[["eat","tea"],["bat"]]`, `[["bat"],["tea","eat"]]`, true},
		{signature.UnorderedDeep, `[[-1,0,1],[-1,-1,2]]`, `[[2,-1,-1],[1,0,-1]]`, true},
		{signature.UnorderedDeep, `[[1,2]]`, `[[1,2],[1,2]]`, false},
		{signature.UnorderedDeep, `[1,10,2]`, `[2,1,10]`, true},
		{signature.Float, "12.75", "12.750000001", true},
		{signature.Float, "2.5", "2.5001", false},
		{signature.Float, "1e10", "10000000001", true},
		{signature.Float, "[0.1, 0.2]", "[0.1000001, 0.2]", true},
		{signature.Float, "0.5", `"0.5"`, false},
		{signature.Float, "1e999", "1e999", false},
	} {
		if got := tc.mode.Equal(json.RawMessage(tc.exp), json.RawMessage(tc.act)); got != tc.wantEqual {
			t.Errorf("%s.Equal(%s, %s) = %v, want %v", tc.mode, tc.exp, tc.act, got, tc.wantEqual)
		}
	}
}

func TestParseCompare(t *testing.T) {
	if c, ok := signature.ParseCompare(""); !ok || c != signature.Exact {
		t.Fatal(`"" is exact`)
	}
	if _, ok := signature.ParseCompare("fuzzy"); ok {
		t.Fatal("fuzzy accepted")
	}
}
