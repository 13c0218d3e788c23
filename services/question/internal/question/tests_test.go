package question

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/signature"
)

const twoSumSig = "twoSum(nums int[], target int) int[]"

func validTests() *Tests {
	return &Tests{Signature: twoSumSig, Compare: "unordered", Cases: []TestCase{
		{Input: json.RawMessage(`[[2, 7, 11, 15], 9]`), Expected: json.RawMessage(`[0, 1]`)},
		{Input: json.RawMessage(`[[3,3],6]`), Expected: json.RawMessage(`[0,1]`), Hidden: true},
	}}
}

func TestTestsValidate(t *testing.T) {
	t.Parallel()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	big := "[[" + strings.Repeat("1,", MaxTestCase/2) + "1],2]"
	cases := []struct {
		name   string
		change func(*Tests)
		field  string // "" means valid
	}{
		{"signature, mode and cases are valid", func(*Tests) {}, ""},
		{"no tests at all are valid", func(t *Tests) { *t = Tests{} }, ""},
		{"a signature without cases is valid", func(t *Tests) { t.Cases = nil }, ""},
		{"an empty mode is exact", func(t *Tests) { t.Compare = "" }, ""},
		{"every mode is valid", func(t *Tests) { t.Compare = "unordered_deep" }, ""},
		{"an unknown mode is rejected", func(t *Tests) { t.Compare = "fuzzy" }, "compare"},
		{"cases without a signature are rejected", func(t *Tests) { t.Signature = "" }, "signature"},
		{"a signature that does not parse is rejected", func(t *Tests) { t.Signature = "twoSum(nums int[]" }, "signature"},
		{"a signature with an unknown type is rejected", func(t *Tests) { t.Signature = "f(x float) int" }, "signature"},
		{"an overlong signature is rejected", func(t *Tests) { t.Signature = "f(" + strings.Repeat("x", MaxSignature) + " int) int" }, "signature"},
		{"an input with too few arguments is rejected", func(t *Tests) { t.Cases[1].Input = raw(`[[3,3]]`) }, "test_cases[1].input"},
		{"an input of the wrong type is rejected", func(t *Tests) { t.Cases[0].Input = raw(`[[2,7], "9"]`) }, "test_cases[0].input"},
		{"an input beyond int32 is rejected", func(t *Tests) { t.Cases[0].Input = raw(`[[2,7], 2147483648]`) }, "test_cases[0].input"},
		{"an input that is not a list is rejected", func(t *Tests) { t.Cases[0].Input = raw(`{"nums":[2,7],"target":9}`) }, "test_cases[0].input"},
		{"a null input is rejected", func(t *Tests) { t.Cases[0].Input = raw(`null`) }, "test_cases[0].input"},
		{"a missing input is rejected", func(t *Tests) { t.Cases[1].Input = nil }, "test_cases[1].input"},
		{"a missing expected is rejected", func(t *Tests) { t.Cases[0].Expected = nil }, "test_cases[0].expected"},
		{"an expected of the wrong type is rejected", func(t *Tests) { t.Cases[1].Expected = raw(`true`) }, "test_cases[1].expected"},
		{"invalid JSON is rejected", func(t *Tests) { t.Cases[0].Expected = raw(`[0,`) }, "test_cases[0].expected"},
		{"50 cases are valid", func(t *Tests) { t.Cases = repeatCase(t.Cases[0], MaxTestCases) }, ""},
		{"51 cases are rejected", func(t *Tests) { t.Cases = repeatCase(t.Cases[0], MaxTestCases+1) }, "test_cases"},
		{"a case over 64 KiB is rejected", func(t *Tests) { t.Cases[1].Input = raw(big) }, "test_cases[1]"},
		{"a case of 64 KiB with its spaces is valid once compact", func(t *Tests) {
			t.Cases[0].Input = raw("[[1,  2,  3" + strings.Repeat(" ", MaxTestCase) + "], 9]")
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := validDraft()
			d.Tests = validTests()
			tc.change(d.Tests)
			wantField(t, d.Normalize().Validate(), tc.field)
		})
	}
}

func repeatCase(c TestCase, n int) []TestCase {
	out := make([]TestCase, n)
	for i := range out {
		out[i] = c
	}
	return out
}

func TestTestsNormalize(t *testing.T) {
	t.Parallel()
	d := validDraft()
	d.Tests = &Tests{Signature: "  " + twoSumSig + " ", Cases: []TestCase{
		{Input: json.RawMessage("[ [1, 2] ,\n 3 ]"), Expected: json.RawMessage(" [0, 1] ")},
	}}
	n := d.Normalize().Tests
	if n.Signature != twoSumSig || n.Compare != signature.Exact {
		t.Errorf("signature %q, compare %q", n.Signature, n.Compare)
	}
	if c := n.Cases[0]; string(c.Input) != "[[1,2],3]" || string(c.Expected) != "[0,1]" {
		t.Errorf("case not compacted: %s → %s", c.Input, c.Expected)
	}
	if d.Tests.Signature == n.Signature {
		t.Error("Normalize changed the draft it was called on")
	}
}

func TestVisibleKeepsOrderAndDropsHidden(t *testing.T) {
	t.Parallel()
	tests := Tests{Cases: []TestCase{
		{Input: json.RawMessage(`[1]`)}, {Input: json.RawMessage(`[2]`), Hidden: true}, {Input: json.RawMessage(`[3]`)},
	}}
	v := tests.Visible()
	if len(v) != 2 || string(v[0].Input) != "[1]" || string(v[1].Input) != "[3]" {
		t.Fatalf("visible %+v", v)
	}
	if v := (Tests{}).Visible(); v == nil || len(v) != 0 {
		t.Fatalf("no cases: %#v, want an empty list", v)
	}
}

func TestSameTestsIgnoresSpellingNotMeaning(t *testing.T) {
	t.Parallel()
	a := validTests().normalize()
	b := validTests().normalize()
	b.Cases[0].Input = json.RawMessage(`[[2,7,11,15],9.0]`)
	if !sameTests(a, b) {
		t.Error("9 and 9.0 made the tests differ")
	}
	b.Cases[1].Hidden = false
	if sameTests(a, b) {
		t.Error("a case turned visible, yet the tests are the same")
	}
}

// FuzzTestCase feeds arbitrary JSON to a test case's input and expected
// value: validation never panics, accepts only what the signature's types
// accept, and what it accepts is compact and stays valid when read again.
func FuzzTestCase(f *testing.F) {
	for _, s := range []struct{ sig, input, expected string }{
		{twoSumSig, `[[2,7,11,15],9]`, `[0,1]`},
		{twoSumSig, `[[2,7], 1e400]`, `[0, 1]`},
		{"maxDepth(root TreeNode) int", `[[3,9,20,null,null,15,7]]`, `3`},
		{"reverseList(head ListNode) ListNode", `[[1,2,3]]`, `[3,2,1]`},
		{"numIslands(grid char[][]) int", `[[["1","0"],["0","1"]]]`, `2`},
		{"myPow(x double, n int) double", `[2.0, -2]`, `0.25`},
		{"f(s string) string", `["\u0000\ud800"]`, `"é"`},
		{"f(a long) long", `[9223372036854775808]`, `-9223372036854775808`},
		{"f() bool", `[]`, `null`},
		{twoSumSig, `[[` + strings.Repeat("[", 5000) + `]]`, `{}`},
	} {
		f.Add(s.sig, []byte(s.input), []byte(s.expected))
	}
	f.Fuzz(func(t *testing.T, sig string, input, expected []byte) {
		d := validDraft()
		var in, exp json.RawMessage
		if len(input) > 0 {
			in = input
		}
		if len(expected) > 0 {
			exp = expected
		}
		d.Tests = &Tests{Signature: sig, Cases: []TestCase{{Input: in, Expected: exp}}}
		n := d.Normalize()
		if n.Validate() != nil {
			return
		}
		c := n.Tests.Cases[0]
		if !json.Valid(c.Input) || !json.Valid(c.Expected) {
			t.Fatalf("accepted invalid JSON: %q → %q", c.Input, c.Expected)
		}
		s, err := signature.Parse(n.Tests.Signature)
		if err != nil {
			t.Fatalf("accepted signature %q: %v", n.Tests.Signature, err)
		}
		if err := s.CheckArgs(c.Input); err != nil {
			t.Fatalf("accepted input %s for %s: %v", c.Input, s, err)
		}
		// What was accepted survives a round trip through the API's JSON.
		body, err := json.Marshal(struct {
			Input    json.RawMessage `json:"input"`
			Expected json.RawMessage `json:"expected"`
		}{c.Input, c.Expected})
		if err != nil {
			t.Fatalf("marshal accepted case: %v", err)
		}
		var back struct{ Input, Expected json.RawMessage }
		if err := json.Unmarshal(body, &back); err != nil {
			t.Fatal(err)
		}
		again := validDraft()
		again.Tests = &Tests{Signature: sig, Cases: []TestCase{{Input: back.Input, Expected: back.Expected}}}
		if err := again.Normalize().Validate(); err != nil {
			t.Fatalf("accepted %s → %s once, refused it after a round trip: %v", c.Input, c.Expected, err)
		}
		if !sameTests(*n.Tests, *again.Normalize().Tests) {
			t.Fatalf("round trip changed the case: %s → %s", c.Input, c.Expected)
		}
	})
}
