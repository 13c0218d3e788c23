package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/services/execution/internal/harness"
	"github.com/peerprep/peerprep/services/execution/internal/sandbox"
	"github.com/peerprep/peerprep/services/execution/runtimes"
)

var h *harness.Harness

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	ctx := context.Background()
	ins, closeAll, err := Interpreters(ctx, 30*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closeAll()
	h = harness.New(ins)
	return m.Run()
}

// Interpreters compiles both interpreters with the harness's output cap
// and a compilation cache shared with the sandbox's tests.
func Interpreters(ctx context.Context, limit time.Duration) (map[string]harness.Interpreter, func(), error) {
	dir, err := runtimes.ModuleDir()
	if err == nil {
		err = runtimes.Prepare(ctx, dir, os.Stderr)
	}
	if err != nil {
		return nil, nil, err
	}
	opts := sandbox.Options{Limits: sandbox.Limits{Time: limit, Output: harness.OutputLimit}}
	if c, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(c, "peerprep", "wazero")
	}
	py, err := sandbox.NewPython(ctx, filepath.Join(dir, runtimes.PythonWasm), opts)
	if err != nil {
		return nil, nil, err
	}
	js, err := sandbox.NewJavaScript(ctx, filepath.Join(dir, runtimes.GojaWasm), opts)
	if err != nil {
		py.Close(ctx)
		return nil, nil, err
	}
	return map[string]harness.Interpreter{"python": py, "javascript": js}, func() { py.Close(ctx); js.Close(ctx) }, nil
}

// question is a question's runnable part as the seed and testdata/own
// spell it.
type question struct {
	Slug      string `json:"slug"`
	Title     string `json:"title"`
	Signature string `json:"signature"`
	Compare   string `json:"compare"`
	TestCases []struct {
		Input    json.RawMessage `json:"input"`
		Expected json.RawMessage `json:"expected"`
		Hidden   bool            `json:"hidden"`
	} `json:"test_cases"`
}

func (q question) job(t *testing.T, lang, code string) harness.Job {
	t.Helper()
	sig, err := signature.Parse(q.Signature)
	if err != nil {
		t.Fatalf("signature %q: %v", q.Signature, err)
	}
	cmp, ok := signature.ParseCompare(q.Compare)
	if !ok {
		t.Fatalf("compare %q", q.Compare)
	}
	j := harness.Job{Language: lang, Signature: sig, Compare: cmp, Code: code}
	for _, c := range q.TestCases {
		j.Cases = append(j.Cases, harness.Case{Input: c.Input, Expected: c.Expected, Hidden: c.Hidden})
	}
	return j
}

func run(t *testing.T, j harness.Job) harness.Result {
	t.Helper()
	r, err := h.Run(context.Background(), j)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var langs = map[string]string{".py": "python", ".js": "javascript"}

// references are the reference solutions under dir with the question each
// solves: from testdata/own/<name>.json, or the seed question whose slug
// is the file's name.
func references(t *testing.T, dir string, find func(name string) (question, bool)) {
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	n := 0
	for _, f := range files {
		lang := langs[filepath.Ext(f)]
		if lang == "" {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		n++
		t.Run(name+"/"+lang, func(t *testing.T) {
			t.Parallel()
			q, ok := find(name)
			if !ok {
				t.Fatalf("no question %q for %s", name, f)
			}
			if len(q.TestCases) == 0 {
				t.Fatalf("question %q has no test cases", name)
			}
			code, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			j := q.job(t, lang, string(code))
			for i := range j.Cases {
				// One sandbox instead of two: hiding is TestJudge's business.
				j.Cases[i].Hidden = false
			}
			r := run(t, j)
			if r.Verdict != harness.Accepted {
				t.Errorf("verdict %s (%s), want accepted; cases %s", r.Verdict, r.Message, mustJSON(t, r.Cases))
			}
		})
	}
	t.Logf("%d reference solutions in %s", n, dir)
}

func ownQuestion(name string) (question, bool) {
	b, err := os.ReadFile(filepath.Join("testdata", "own", name+".json"))
	var q question
	return q, err == nil && json.Unmarshal(b, &q) == nil
}

// TestOwnReferences: solutions for ListNode, TreeNode, char[][] and
// double, in both languages.
func TestOwnReferences(t *testing.T) {
	t.Parallel()
	references(t, filepath.Join("testdata", "own"), ownQuestion)
}

// TestSeedReferences: every seed question's reference solution present
// is accepted.
func TestSeedReferences(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "question", "internal", "seed", "questions.json"))
	if err != nil {
		t.Skipf("no seed questions: %v", err)
	}
	var qs []question
	if err := json.Unmarshal(b, &qs); err != nil {
		t.Fatal(err)
	}
	bySlug := map[string]question{}
	for _, q := range qs {
		if q.Slug == "" {
			q.Slug = slugify(q.Title)
		}
		bySlug[q.Slug] = q
	}
	references(t, filepath.Join("testdata", "reference"), func(name string) (question, bool) {
		q, ok := bySlug[name]
		return q, ok
	})
}

// slugify is question-service's Slugify for the seed's plain titles.
func slugify(title string) string {
	s := strings.ToLower(strings.NewReplacer("'", "", "’", "").Replace(title))
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(s, "-"), "-")
}
