package seed

import (
	"strings"
	"testing"
)

func TestStarterCodeRendersEachLanguage(t *testing.T) {
	t.Parallel()
	sig, err := parseSignature("maxPathSum(root TreeNode, limitValue int) string[]")
	if err != nil {
		t.Fatal(err)
	}
	code := starterCode(sig)
	want := map[string][]string{
		"python":     {"# class TreeNode:", "def max_path_sum(root: TreeNode | None, limit_value: int) -> list[str]:", "    pass"},
		"javascript": {"function TreeNode(", " * @param {TreeNode|null} root", " * @param {number} limitValue", " * @return {string[]}", "function maxPathSum(root, limitValue) {"},
		"java":       {"import java.util.*;", "// class TreeNode", "public List<String> maxPathSum(TreeNode root, int limitValue) {"},
		"cpp":        {"// struct TreeNode", "vector<string> maxPathSum(TreeNode* root, int limitValue) {"},
		"go":         {"// type TreeNode struct {", "func maxPathSum(root *TreeNode, limitValue int) []string {"},
	}
	for lang, parts := range want {
		for _, p := range parts {
			if !strings.Contains(code[lang], p) {
				t.Errorf("%s stub lacks %q:\n%s", lang, p, code[lang])
			}
		}
	}
}

func TestParseSignatureRejectsNonsense(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "f", "f(x int", "(x int) int", "f(x) int", "f(x float) int", "f(x int) void", "f(x-y int) int", "f(x int, ) int"} {
		if _, err := parseSignature(s); err == nil {
			t.Errorf("parseSignature(%q) accepted", s)
		}
	}
	if sig, err := parseSignature("f() int"); err != nil || len(sig.params) != 0 {
		t.Errorf("no-parameter signature: %+v, %v", sig, err)
	}
}
