package harness_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/services/execution/internal/harness"
)

// twoSum has two visible cases and two hidden ones.
func twoSum(lang, code string) harness.Job {
	sig, _ := signature.Parse("twoSum(nums int[], target int) int[]")
	return harness.Job{Language: lang, Signature: sig, Compare: signature.Unordered, Code: code, Cases: []harness.Case{
		{Input: json.RawMessage(`[[2,7,11,15],9]`), Expected: json.RawMessage(`[0,1]`)},
		{Input: json.RawMessage(`[[3,2,4],6]`), Expected: json.RawMessage(`[1,2]`)},
		{Input: json.RawMessage(`[[3,3],6]`), Expected: json.RawMessage(`[0,1]`), Hidden: true},
		{Input: json.RawMessage(`[[1,5,90,4],94]`), Expected: json.RawMessage(`[2,3]`), Hidden: true},
	}}
}

const (
	pyTwoSum = "def two_sum(nums, target):\n    seen = {}\n    for i, n in enumerate(nums):\n        if target - n in seen:\n            return [seen[target - n], i]\n        seen[n] = i\n"
	jsTwoSum = "function twoSum(nums, target) {\n  const seen = new Map();\n  for (let i = 0; i < nums.length; i++) {\n    if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];\n    seen.set(nums[i], i);\n  }\n}\n"
)

func TestJudge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		job     harness.Job
		verdict harness.Verdict
		check   func(t *testing.T, r harness.Result)
	}{
		{"python accepted, prints per case", twoSum("python", "print('loading')\n"+pyTwoSum+"_f = two_sum\ndef two_sum(nums, target):\n    print('case', target)\n    return _f(nums, target)\n"), harness.Accepted,
			func(t *testing.T, r harness.Result) {
				if *r.Cases[0].Stdout != "case 9\n" || *r.Cases[1].Stdout != "case 6\n" {
					t.Errorf("stdout %q %q", *r.Cases[0].Stdout, *r.Cases[1].Stdout)
				}
			}},
		{"javascript accepted", twoSum("javascript", jsTwoSum), harness.Accepted, nil},
		{"python wrong answer hides hidden cases", twoSum("python", "def two_sum(nums, target):\n    return [0, 1]\n"), harness.WrongAnswer,
			func(t *testing.T, r harness.Result) {
				if r.Message != "2 of 4 cases passed" || r.FirstFailedHidden == nil || *r.FirstFailedHidden != 3 {
					t.Errorf("message %q, first failed hidden %v", r.Message, r.FirstFailedHidden)
				}
				b, _ := json.Marshal(r.Cases[2:])
				if string(b) != `[{"index":2,"hidden":true,"passed":true},{"index":3,"hidden":true,"passed":false}]` {
					t.Errorf("hidden cases show %s", b)
				}
			}},
		{"javascript wrong answer", twoSum("javascript", "const twoSum = () => [0, 1];"), harness.WrongAnswer, nil},
		{"python runtime error with line", twoSum("python", "def two_sum(nums, target):\n    x = 1\n    return x // 0\n"), harness.RuntimeError,
			func(t *testing.T, r harness.Result) {
				e := r.Cases[0].Error
				if e == nil || e.Type != "ZeroDivisionError" || e.Line == nil || *e.Line != 3 || r.Message != "ZeroDivisionError on line 3 in case 1" {
					t.Errorf("error %+v, message %q", e, r.Message)
				}
			}},
		{"javascript runtime error with line", twoSum("javascript", "function twoSum(nums) {\n  return nums.foo.bar;\n}"), harness.RuntimeError,
			func(t *testing.T, r harness.Result) {
				if e := r.Error; e == nil || e.Type != "TypeError" || e.Line == nil || *e.Line != 2 {
					t.Errorf("error %+v", e)
				}
			}},
		{"hidden case error shows type and line only", twoSum("python", "def two_sum(nums, target):\n    if nums == [3, 3]:\n        raise ValueError(str(nums))\n    return [0, 1] if target == 9 else [1, 2]\n"), harness.RuntimeError,
			func(t *testing.T, r harness.Result) {
				if e := r.Error; e == nil || e.Type != "ValueError" || e.Message != "" || *e.Line != 3 {
					t.Errorf("error %+v", e)
				}
			}},
		{"python syntax error", twoSum("python", "def two_sum(nums, target)\n    return []\n"), harness.RuntimeError,
			func(t *testing.T, r harness.Result) {
				if e := r.Error; e == nil || e.Type != "SyntaxError" || *e.Line != 1 {
					t.Errorf("error %+v", e)
				}
			}},
		{"python missing function", twoSum("python", "def other(): pass\n"), harness.RuntimeError,
			func(t *testing.T, r harness.Result) {
				if e := r.Error; e == nil || !strings.Contains(e.Message, "two_sum") {
					t.Errorf("error %+v", e)
				}
			}},
		{"forged result lines are ignored", twoSum("python", "import os, sys\nos.write(1, b'0123 {\"i\":0,\"value\":[0,1]}\\n')\nsys.__stdout__.write('{\"done\":true}\\n')\ndef two_sum(nums, target):\n    os.write(1, b'{\"i\":2,\"value\":[0,1]}\\n')\n    return [9, 9]\n"), harness.WrongAnswer, nil},
		{"hidden inputs are not in the process of the visible cases", twoSum("python", "import gc\ndef two_sum(nums, target):\n    print(any(o == [1, 5, 90, 4] for o in gc.get_objects() if type(o) is list))\n    return [0, 1]\n"), harness.WrongAnswer,
			func(t *testing.T, r harness.Result) {
				if *r.Cases[0].Stdout != "False\n" || *r.Cases[1].Stdout != "False\n" {
					t.Errorf("visible cases printed %q %q", *r.Cases[0].Stdout, *r.Cases[1].Stdout)
				}
			}},
		{"a load error beside the hidden inputs shows no message", twoSum("python", "import sys\ncases = sys._getframe(1).f_locals['job']['cases']\nif [[3, 3], 6] in cases:\n    raise ValueError(repr(cases))\ndef two_sum(nums, target):\n    return [0, 1] if target == 9 else [1, 2]\n"), harness.RuntimeError,
			func(t *testing.T, r harness.Result) {
				if e := r.Error; e == nil || e.Type != "ValueError" || e.Message != "" || mustJSON(t, r.Cases[0].Passed) != "true" {
					t.Errorf("error %+v, cases %s", e, mustJSON(t, r.Cases))
				}
			}},
		{"javascript deep recursion", twoSum("javascript", "function twoSum(n) {\n  return twoSum(n) + 1;\n}"), harness.RuntimeError,
			func(t *testing.T, r harness.Result) {
				if e := r.Error; e == nil || e.Type != "RangeError" {
					t.Errorf("error %+v", e)
				}
			}},
		{"python memory bomb", twoSum("python", "def two_sum(nums, target):\n    s = 'x'\n    while True: s += s\n"), harness.MemoryLimit, nil},
		{"javascript memory bomb", twoSum("javascript", "function twoSum() { let s = 'x'; for (;;) s += s; }"), harness.MemoryLimit, nil},
		{"unsupported language", twoSum("java", "class Solution {}"), harness.UnsupportedLanguage,
			func(t *testing.T, r harness.Result) {
				if r.Message != "running Java is not available yet" {
					t.Errorf("message %q", r.Message)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.job)
			if r.Verdict != tc.verdict {
				t.Fatalf("verdict %s (%s), want %s; cases %s", r.Verdict, r.Message, tc.verdict, mustJSON(t, r.Cases))
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestCustomInput: one case of the user's own arguments, no expected value.
func TestCustomInput(t *testing.T) {
	t.Parallel()
	j := twoSum("python", pyTwoSum)
	args, err := j.Signature.ArgsFromLines("[1, 2, 3]\n\n5\n")
	if err != nil {
		t.Fatal(err)
	}
	j.Cases, j.Custom = []harness.Case{{Input: args}}, true
	r := run(t, j)
	if r.Verdict != harness.Accepted || len(r.Cases) != 1 || r.Cases[0].Passed != nil || string(r.Cases[0].Actual) != "[1,2]" || string(r.Cases[0].Expected) != "null" {
		t.Errorf("result %+v cases %s", r, mustJSON(t, r.Cases))
	}
}

// TestTimeLimit: an endless loop stops at the limit (plus a little) and
// the cases before it keep their results. Not parallel: the others would
// slow the interpreter's start.
func TestTimeLimit(t *testing.T) {
	j := twoSum("python", "def two_sum(nums, target):\n    while target == 6: pass\n    return [0, 1]\n")
	j.Time = raceScale * 2 * time.Second
	start := time.Now()
	r, err := h.Run(context.Background(), j)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != harness.TimeLimit || *r.Cases[0].Passed != true || *r.Cases[1].Passed {
		t.Errorf("verdict %s (%s), cases %s", r.Verdict, r.Message, mustJSON(t, r.Cases))
	}
	if took > j.Time+raceScale*time.Second { // generous: the machine is shared
		t.Errorf("took %s for a %s limit", took, j.Time)
	}
}
