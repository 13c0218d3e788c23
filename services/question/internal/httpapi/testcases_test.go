package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/services/question/internal/question"
)

const twoSumSig = "twoSum(nums int[], target int) int[]"

// hiddenMark appears only in hidden cases, so finding it in a body is a leak.
const hiddenMark = "424242"

func twoSumTests() *question.Tests {
	return &question.Tests{Signature: twoSumSig, Compare: "unordered", Cases: []question.TestCase{
		{Input: json.RawMessage(`[[2,7,11,15],9]`), Expected: json.RawMessage(`[0,1]`)},
		{Input: json.RawMessage(`[[1,` + hiddenMark + `],424243]`), Expected: json.RawMessage(`[0,1]`), Hidden: true},
		{Input: json.RawMessage(`[[3,2,4],6]`), Expected: json.RawMessage(`[1,2]`)},
		{Input: json.RawMessage(`[[` + hiddenMark + `,5,` + hiddenMark + `],848484]`), Expected: json.RawMessage(`[0,2]`), Hidden: true},
	}}
}

// withTests gives a.twoSum its test cases.
func withTests(t *testing.T, a *api) {
	t.Helper()
	d := draft("Two Sum", "easy", "arrays", "hash-tables")
	d.Tests = twoSumTests()
	if _, err := a.svc.Update(context.Background(), question.Ref{ID: a.twoSum.ID}, d, nil); err != nil {
		t.Fatal(err)
	}
	a.cache.Changed(a.twoSum.ID)
}

type caseBody struct {
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected"`
	Hidden   *bool           `json:"hidden"`
}

type testsBody struct {
	Signature   string      `json:"signature"`
	Compare     string      `json:"compare"`
	SampleCases []caseBody  `json:"sample_cases"`
	TestCases   *[]caseBody `json:"test_cases"`
}

func sameCases(t *testing.T, what string, got []caseBody, want []question.TestCase, withHidden bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d cases, want %d: %+v", what, len(got), len(want), got)
	}
	for i, c := range got {
		w := want[i]
		if string(c.Input) != string(w.Input) || string(c.Expected) != string(w.Expected) {
			t.Errorf("%s: case %d is %s → %s, want %s → %s", what, i, c.Input, c.Expected, w.Input, w.Expected)
		}
		if withHidden && (c.Hidden == nil || *c.Hidden != w.Hidden) {
			t.Errorf("%s: case %d hidden %v, want %v", what, i, c.Hidden, w.Hidden)
		}
		if !withHidden && c.Hidden != nil {
			t.Errorf("%s: case %d says hidden to a user", what, i)
		}
	}
}

func visible(cases []question.TestCase) []question.TestCase {
	var out []question.TestCase
	for _, c := range cases {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

// TestHiddenCasesNeverReachUsers: a user and another service reading a
// question, by id, by slug or as the random pick, get its signature, mode
// and visible cases, never a hidden one; an admin gets every case. Each
// order of audiences runs twice from an empty cache, so reads are served
// from the cache whichever audience filled it.
func TestHiddenCasesNeverReachUsers(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	withTests(t, a)
	all := twoSumTests().Cases
	orders := [][]string{{"admin", "user", "internal"}, {"user", "internal", "admin"}, {"internal", "admin", "user"}}
	readTwoSumAs(t, a, orders, func(who, path string, r response) {
		b := decode[testsBody](t, r)
		if b.Signature != twoSumSig || b.Compare != "unordered" {
			t.Errorf("%s GET %s: signature %q compare %q", who, path, b.Signature, b.Compare)
		}
		sameCases(t, who+" sample_cases", b.SampleCases, visible(all), false)
		if who == "admin" {
			if b.TestCases == nil {
				t.Fatalf("admin GET %s without test_cases: %s", path, r.Raw)
			}
			sameCases(t, "admin test_cases", *b.TestCases, all, true)
			return
		}
		if b.TestCases != nil || strings.Contains(r.Raw, hiddenMark) || strings.Contains(r.Raw, `"hidden"`) {
			t.Fatalf("%s GET %s reads hidden cases: %s", who, path, r.Raw)
		}
	})
}

// TestQuestionWithoutTests: a question without a signature or cases reads
// with an empty signature, the exact mode and no sample cases.
func TestQuestionWithoutTests(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.do(t, "GET", base+"/questions/"+a.tree.ID.String(), a.user, "")
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Raw), &m); err != nil {
		t.Fatal(err)
	}
	if string(m["signature"]) != `""` || string(m["compare"]) != `"exact"` || string(m["sample_cases"]) != `[]` {
		t.Fatalf("signature %s compare %s sample_cases %s", m["signature"], m["compare"], m["sample_cases"])
	}
	admin := decode[testsBody](t, a.do(t, "GET", base+"/questions/"+a.tree.ID.String(), a.admin, ""))
	if admin.TestCases == nil || len(*admin.TestCases) != 0 {
		t.Fatalf("admin test_cases %v, want []", admin.TestCases)
	}
}

type internalTests struct {
	QuestionID string     `json:"question_id"`
	Signature  string     `json:"signature"`
	Compare    string     `json:"compare"`
	Cases      []caseBody `json:"cases"`
}

// TestInternalTestsRoute: the internal route gives another service every
// case in order, hidden ones included, and nobody else anything.
func TestInternalTestsRoute(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	withTests(t, a)
	path := func(id string) string { return base + "/internal/questions/" + id + "/tests" }

	r := a.do(t, "GET", path(a.twoSum.ID.String()), internalToken, "")
	if r.Status != http.StatusOK {
		t.Fatalf("internal: %d %s", r.Status, r.Raw)
	}
	got := decode[internalTests](t, r)
	if got.QuestionID != a.twoSum.ID.String() || got.Signature != twoSumSig || got.Compare != "unordered" {
		t.Errorf("internal: %+v", got)
	}
	sameCases(t, "internal cases", got.Cases, twoSumTests().Cases, true)

	empty := decode[internalTests](t, a.do(t, "GET", path(a.tree.ID.String()), internalToken, ""))
	if empty.QuestionID != a.tree.ID.String() || empty.Signature != "" || empty.Cases == nil || len(empty.Cases) != 0 {
		t.Errorf("a question without tests: %+v", empty)
	}

	for _, c := range []struct {
		name, id, token string
		status          int
	}{
		{"an unknown question is 404", uuid.NewString(), internalToken, http.StatusNotFound},
		{"a user's token is refused", a.twoSum.ID.String(), a.user, http.StatusUnauthorized},
		{"an admin's token is refused", a.twoSum.ID.String(), a.admin, http.StatusUnauthorized},
		{"no token is refused", a.twoSum.ID.String(), "", http.StatusUnauthorized},
	} {
		if r := a.do(t, "GET", path(c.id), c.token, ""); r.Status != c.status || strings.Contains(r.Raw, hiddenMark) {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Raw, c.status)
		}
	}
}

// TestAdminWritesTests: admins create and replace a question's tests, a
// PUT without them keeps them, and invalid ones are refused naming the
// field. A user's cached read follows the edit at once.
func TestAdminWritesTests(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	withTests := func(title string, fields map[string]any) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(body(title, "easy", "arrays")), &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range fields {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"input": []any{[]int{1, 2}, 3}, "expected": []int{0, 1}, "hidden": i >= 2}
		}
		return out
	}
	good := map[string]any{"signature": twoSumSig, "compare": "unordered", "test_cases": cases(4)}

	for _, c := range []struct {
		name   string
		change func(map[string]any)
		field  string
	}{
		{"an input with the wrong arguments", func(m map[string]any) { m["test_cases"].([]map[string]any)[3]["input"] = []any{[]int{1, 2}} }, "test_cases[3].input"},
		{"an input of the wrong type", func(m map[string]any) { m["test_cases"].([]map[string]any)[1]["input"] = []any{"12", 3} }, "test_cases[1].input"},
		{"an expected of the wrong type", func(m map[string]any) { m["test_cases"].([]map[string]any)[0]["expected"] = "[0,1]" }, "test_cases[0].expected"},
		{"a case without expected", func(m map[string]any) { delete(m["test_cases"].([]map[string]any)[2], "expected") }, "test_cases[2].expected"},
		{"cases without a signature", func(m map[string]any) { delete(m, "signature") }, "signature"},
		{"a signature that does not parse", func(m map[string]any) { m["signature"] = "twoSum(nums int[]" }, "signature"},
		{"an unknown mode", func(m map[string]any) { m["compare"] = "sorted" }, "compare"},
		{"51 cases", func(m map[string]any) { m["test_cases"] = cases(51) }, "test_cases"},
	} {
		fields := map[string]any{"signature": good["signature"], "compare": good["compare"], "test_cases": cases(4)}
		c.change(fields)
		r := a.do(t, "POST", base+"/questions", a.admin, withTests("Bad Tests", fields))
		if r.Status != http.StatusBadRequest || r.Err().Code != "validation_failed" || len(r.Err().Details) == 0 || r.Err().Details[0].Field != c.field {
			t.Errorf("%s: %d %+v, want 400 naming %s", c.name, r.Status, r.Err(), c.field)
		}
	}

	created := a.do(t, "POST", base+"/questions", a.admin, withTests("Pair Sum", good))
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Raw)
	}
	q := decode[questionBody](t, created)
	if b := decode[testsBody](t, created); b.TestCases == nil || len(*b.TestCases) != 4 || b.Signature != twoSumSig || len(b.SampleCases) != 2 {
		t.Fatalf("create's answer: %s", created.Raw)
	}
	path := base + "/questions/" + q.ID
	if b := decode[testsBody](t, a.do(t, "GET", path, a.user, "")); len(b.SampleCases) != 2 {
		t.Fatalf("user read after create: %+v", b) // now cached
	}

	// A PUT without tests keeps them (an editor that predates them).
	if r := a.do(t, "PUT", path, a.admin, body("Pair Sum", "easy", "arrays")); r.Status != http.StatusOK {
		t.Fatalf("PUT without tests: %d %s", r.Status, r.Raw)
	}
	kept := decode[testsBody](t, a.do(t, "GET", path, a.admin, ""))
	if kept.Signature != twoSumSig || kept.Compare != "unordered" || kept.TestCases == nil || len(*kept.TestCases) != 4 {
		t.Fatalf("tests after a PUT without them: %+v", kept)
	}

	// Replacing them changes the admin's ETag, and the user's cached read.
	before := a.do(t, "GET", path, a.admin, "").Header.Get("ETag")
	one := map[string]any{"signature": twoSumSig, "test_cases": []map[string]any{{"input": []any{[]int{5, 5}, 10}, "expected": []int{0, 1}}}}
	r := a.do(t, "PUT", path, a.admin, withTests("Pair Sum", one), "If-Match", before)
	if r.Status != http.StatusOK || r.Header.Get("ETag") == before {
		t.Fatalf("replace tests: %d %s (ETag %s, before %s)", r.Status, r.Raw, r.Header.Get("ETag"), before)
	}
	user := decode[testsBody](t, a.do(t, "GET", path, a.user, ""))
	if user.Compare != "exact" || len(user.SampleCases) != 1 || string(user.SampleCases[0].Input) != "[[5,5],10]" {
		t.Fatalf("user read after the edit: %+v", user)
	}

	// An empty signature and no cases clear them.
	r = a.do(t, "PUT", path, a.admin, withTests("Pair Sum", map[string]any{"signature": "", "test_cases": []any{}}))
	if cleared := decode[testsBody](t, r); r.Status != http.StatusOK || cleared.Signature != "" || cleared.TestCases == nil || len(*cleared.TestCases) != 0 {
		t.Fatalf("clear tests: %d %s", r.Status, r.Raw)
	}
}
