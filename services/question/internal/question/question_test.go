package question

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

func validDraft() Draft {
	return Draft{
		Title:       "Two Sum",
		Difficulty:  Easy,
		Topics:      []string{"arrays", "hash-tables"},
		Description: "Find two numbers that add up to `target`.",
		Examples:    []Example{{Input: "nums = [1, 2], target = 3", Output: "[0, 1]"}},
		Constraints: []string{"2 <= nums.length"},
		Hints:       []string{"Use a map."},
		StarterCode: map[string]string{"go": "func twoSum(nums []int, target int) []int {\n}\n"},
	}
}

func TestDraftValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(*Draft)
		field  string // "" means valid
	}{
		{"a complete draft is valid", func(*Draft) {}, ""},
		{"title of 3 characters is valid", func(d *Draft) { d.Title = "Abc" }, ""},
		{"title of 200 characters is valid", func(d *Draft) { d.Title = strings.Repeat("é", 200) }, ""},
		{"title of 2 characters is rejected", func(d *Draft) { d.Title = "Ab" }, "title"},
		{"title of 201 characters is rejected", func(d *Draft) { d.Title = strings.Repeat("a", 201) }, "title"},
		{"title with a control character is rejected", func(d *Draft) { d.Title = "Two\x00Sum" }, "title"},
		{"title with a newline is rejected", func(d *Draft) { d.Title = "Two\nSum" }, "title"},
		{"title without letters or digits is rejected", func(d *Draft) { d.Title = "!!! ???" }, "title"},
		{"title making the reserved slug is rejected", func(d *Draft) { d.Title = "Random" }, "title"},
		{"invalid UTF-8 title is rejected", func(d *Draft) { d.Title = "Two \xff Sum" }, "title"},
		{"unknown difficulty is rejected", func(d *Draft) { d.Difficulty = "extreme" }, "difficulty"},
		{"empty difficulty is rejected", func(d *Draft) { d.Difficulty = "" }, "difficulty"},
		{"no topics is rejected", func(d *Draft) { d.Topics = nil }, "topics"},
		{"six topics are rejected", func(d *Draft) {
			d.Topics = []string{"arrays", "strings", "math", "greedy", "trees", "heaps"}
		}, "topics"},
		{"five topics are valid", func(d *Draft) { d.Topics = []string{"arrays", "strings", "math", "greedy", "trees"} }, ""},
		{"unknown topic is rejected", func(d *Draft) { d.Topics = []string{"arrays", "astrology"} }, "topics[1]"},
		{"repeated topic is rejected", func(d *Draft) { d.Topics = []string{"arrays", "arrays"} }, "topics[1]"},
		{"blank description is rejected", func(d *Draft) { d.Description = " \n " }, "description"},
		{"description of 50 KB is valid", func(d *Draft) { d.Description = strings.Repeat("a", MaxDescription) }, ""},
		{"description over 50 KB is rejected", func(d *Draft) { d.Description = strings.Repeat("a", MaxDescription+1) }, "description"},
		{"description with NUL is rejected", func(d *Draft) { d.Description = "a\x00b" }, "description"},
		{"no examples is rejected", func(d *Draft) { d.Examples = nil }, "examples"},
		{"example without output is rejected", func(d *Draft) { d.Examples = []Example{{Input: "x"}} }, "examples[0].output"},
		{"example without input is rejected", func(d *Draft) { d.Examples = []Example{{Output: "x"}} }, "examples[0].input"},
		{"too many examples are rejected", func(d *Draft) { d.Examples = make([]Example, MaxExamples+1) }, "examples"},
		{"blank constraint is rejected", func(d *Draft) { d.Constraints = []string{"ok", ""} }, "constraints[1]"},
		{"overlong hint is rejected", func(d *Draft) { d.Hints = []string{strings.Repeat("h", MaxHint+1)} }, "hints[0]"},
		{"no hints and no constraints are valid", func(d *Draft) { d.Hints, d.Constraints = nil, nil }, ""},
		{"no starter code is rejected", func(d *Draft) { d.StarterCode = nil }, "starter_code"},
		{"unknown language is rejected", func(d *Draft) { d.StarterCode = map[string]string{"rust": "fn main() {}"} }, "starter_code.rust"},
		{"empty code is rejected", func(d *Draft) { d.StarterCode = map[string]string{"python": ""} }, "starter_code.python"},
		{"all five languages are valid", func(d *Draft) {
			d.StarterCode = map[string]string{"python": "pass", "javascript": "x", "java": "x", "cpp": "x", "go": "x"}
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := validDraft()
			tc.change(&d)
			wantField(t, d.Normalize().Validate(), tc.field)
		})
	}
}

// wantField checks that err names field, or is nil when field is "".
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("want valid, got %v", err)
		}
		return
	}
	ve, ok := err.(*validation.Error)
	if !ok {
		t.Fatalf("want a validation error naming %s, got %v", field, err)
	}
	for _, f := range ve.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("want an error on %s, got %+v", field, ve.Fields)
}

func TestDraftValidateReportsEveryField(t *testing.T) {
	t.Parallel()
	err := Draft{}.Validate()
	ve, ok := err.(*validation.Error)
	if !ok {
		t.Fatalf("got %v", err)
	}
	want := []string{"title", "difficulty", "topics", "description", "examples", "starter_code"}
	if len(ve.Fields) != len(want) {
		t.Fatalf("fields %+v, want %v", ve.Fields, want)
	}
	for i, f := range ve.Fields {
		if f.Field != want[i] {
			t.Errorf("field %d = %s, want %s", i, f.Field, want[i])
		}
	}
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Two Sum":                       "two-sum",
		"  3Sum  ":                      "3sum",
		"Pow(x, n)":                     "pow-x-n",
		"Crème Brûlée":                  "creme-brulee",
		"Don't Repeat":                  "dont-repeat",
		"N-Queens":                      "n-queens",
		"ＦＵＬＬ width":                    "full-width",
		"日本語":                           "",
		"--a--b--":                      "a-b",
		strings.Repeat("abc ", 60):      strings.TrimRight(strings.Repeat("abc-", 25), "-"),
		"Merge K Sorted Lists (Part 2)": "merge-k-sorted-lists-part-2",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got := Slugify(in); got != "" && !IsSlug(got) {
			t.Errorf("Slugify(%q) = %q is not a slug", in, got)
		}
	}
}

func TestParseRef(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("779f065f-7952-5f9a-ab6e-709697aeee94")
	cases := []struct {
		in   string
		want Ref
		ok   bool
	}{
		{"779f065f-7952-5f9a-ab6e-709697aeee94", Ref{ID: id}, true},
		{"779F065F-7952-5F9A-AB6E-709697AEEE94", Ref{ID: id}, true},
		{"two-sum", Ref{Slug: "two-sum"}, true},
		{"3sum", Ref{Slug: "3sum"}, true},
		{"random", Ref{Slug: "random"}, true},
		{"", Ref{}, false},
		{"Two-Sum", Ref{}, false},
		{"two--sum", Ref{}, false},
		{"-two", Ref{}, false},
		{"two-", Ref{}, false},
		{"two_sum", Ref{}, false},
		{"779f065f79525f9aab6e709697aeee94", Ref{Slug: "779f065f79525f9aab6e709697aeee94"}, true},
		{"{779f065f-7952-5f9a-ab6e-709697aeee94}", Ref{}, false},
		{"779f065f-7952-5f9a-ab6e-709697aeee9z", Ref{}, false},
		{strings.Repeat("a", MaxSlug), Ref{Slug: strings.Repeat("a", MaxSlug)}, true},
		{strings.Repeat("a", MaxSlug+1), Ref{}, false},
	}
	for _, tc := range cases {
		got, ok := ParseRef(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFilterValidate(t *testing.T) {
	t.Parallel()
	ok := Filter{Page: 1, Limit: 20}
	cases := []struct {
		name  string
		f     Filter
		field string
	}{
		{"defaults are valid", ok, ""},
		{"all filters are valid", Filter{Difficulty: Hard, Topics: []string{"trees", "graphs"}, Query: "binary tree", Page: 3, Limit: 100}, ""},
		{"unknown difficulty", Filter{Difficulty: "HARD", Page: 1, Limit: 20}, "difficulty"},
		{"unknown topic", Filter{Topics: []string{"trees", "nope"}, Page: 1, Limit: 20}, "topic"},
		{"page 0", Filter{Page: 0, Limit: 20}, "page"},
		{"page past the maximum", Filter{Page: MaxPage + 1, Limit: 20}, "page"},
		{"limit 0", Filter{Page: 1, Limit: 0}, "limit"},
		{"limit 101", Filter{Page: 1, Limit: 101}, "limit"},
		{"overlong search", Filter{Query: strings.Repeat("q", MaxQuery+1), Page: 1, Limit: 20}, "q"},
		{"search with a NUL", Filter{Query: "a\x00b", Page: 1, Limit: 20}, "q"},
		{"search with invalid UTF-8", Filter{Query: "\xc3", Page: 1, Limit: 20}, "q"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.f.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			ve, isVE := err.(*validation.Error)
			if !isVE || ve.Fields[0].Field != tc.field {
				t.Fatalf("want an error on %s, got %v", tc.field, err)
			}
		})
	}
}

func TestRandomFilterValidate(t *testing.T) {
	t.Parallel()
	if err := (RandomFilter{Difficulty: Easy, Topics: []string{"arrays"}, Exclude: []Ref{{Slug: "x"}}}).Validate(); err != nil {
		t.Fatalf("valid filter rejected: %v", err)
	}
	if err := (RandomFilter{Exclude: make([]Ref, MaxExclude+1)}).Validate(); err == nil {
		t.Fatal("too many exclusions accepted")
	}
	if err := (RandomFilter{Topics: []string{"nope"}}).Validate(); err == nil {
		t.Fatal("unknown topic accepted")
	}
}

func TestTopicsAreSlugs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, tp := range Topics() {
		if !IsSlug(tp.Slug) || seen[tp.Slug] || tp.Name == "" {
			t.Errorf("bad or repeated topic %+v", tp)
		}
		seen[tp.Slug] = true
	}
	if len(seen) != 16 {
		t.Errorf("%d topics, want the matcher's 16", len(seen))
	}
}
