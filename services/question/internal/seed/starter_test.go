package seed

import (
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/signature"
)

func TestStarterCodeRendersEachLanguage(t *testing.T) {
	t.Parallel()
	sig, err := signature.Parse("maxPathSum(root TreeNode, limitValue int) string[]")
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

func TestEveryTypeHasASpelling(t *testing.T) {
	t.Parallel()
	for _, typ := range signature.Types() {
		if n, ok := typeNames(typ); !ok || n.py == "" || n.js == "" || n.java == "" || n.javaRet == "" || n.cpp == "" || n.cppParam == "" || n.golang == "" {
			t.Errorf("type %s has no spelling in some language: %+v", typ, n)
		}
	}
}
