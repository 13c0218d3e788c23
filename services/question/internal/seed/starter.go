package seed

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/peerprep/peerprep/libs/signature"
)

// A signature such as "twoSum(nums int[], target int) int[]" (parsed by
// libs/signature) describes a seed question's function once; starterCode
// renders it as a stub in each language, so the five versions cannot
// drift apart.

// langTypes spells one signature type in each language. cppParam is how a
// parameter is passed (containers by reference); javaRet is how Java
// returns it when that differs from the parameter spelling.
type langTypes struct {
	py, js, java, javaRet, cpp, cppParam, golang string
}

func typeNames(t signature.Type) (langTypes, bool) {
	switch t {
	case "int":
		return langTypes{"int", "number", "int", "int", "int", "int", "int"}, true
	case "long":
		return langTypes{"int", "number", "long", "long", "long long", "long long", "int64"}, true
	case "double":
		return langTypes{"float", "number", "double", "double", "double", "double", "float64"}, true
	case "bool":
		return langTypes{"bool", "boolean", "boolean", "boolean", "bool", "bool", "bool"}, true
	case "string":
		return langTypes{"str", "string", "String", "String", "string", "string", "string"}, true
	case "int[]":
		return langTypes{"list[int]", "number[]", "int[]", "int[]", "vector<int>", "vector<int>&", "[]int"}, true
	case "int[][]":
		return langTypes{"list[list[int]]", "number[][]", "int[][]", "List<List<Integer>>", "vector<vector<int>>", "vector<vector<int>>&", "[][]int"}, true
	case "string[]":
		return langTypes{"list[str]", "string[]", "String[]", "List<String>", "vector<string>", "vector<string>&", "[]string"}, true
	case "string[][]":
		return langTypes{"list[list[str]]", "string[][]", "List<List<String>>", "List<List<String>>", "vector<vector<string>>", "vector<vector<string>>&", "[][]string"}, true
	case "char[][]":
		return langTypes{"list[list[str]]", "character[][]", "char[][]", "char[][]", "vector<vector<char>>", "vector<vector<char>>&", "[][]byte"}, true
	case "ListNode":
		return langTypes{"ListNode | None", "ListNode|null", "ListNode", "ListNode", "ListNode*", "ListNode*", "*ListNode"}, true
	case "ListNode[]":
		return langTypes{"list[ListNode | None]", "Array<ListNode|null>", "ListNode[]", "ListNode[]", "vector<ListNode*>", "vector<ListNode*>&", "[]*ListNode"}, true
	case "TreeNode":
		return langTypes{"TreeNode | None", "TreeNode|null", "TreeNode", "TreeNode", "TreeNode*", "TreeNode*", "*TreeNode"}, true
	}
	return langTypes{}, false
}

// names spells t in each language; every type signature.Parse accepts has
// a spelling (a test keeps it so).
func names(t signature.Type) langTypes { n, _ := typeNames(t); return n }

// starterCode renders sig in every supported language.
func starterCode(sig signature.Signature) map[string]string {
	return map[string]string{
		"python":     python(sig),
		"javascript": javascript(sig),
		"java":       java(sig),
		"cpp":        cpp(sig),
		"go":         golang(sig),
	}
}

const body = "Write your solution here."

func python(sig signature.Signature) string {
	var b strings.Builder
	if sig.Uses(signature.ListNode) {
		b.WriteString("# class ListNode:\n#     def __init__(self, val=0, next=None):\n#         self.val, self.next = val, next\n\n")
	}
	if sig.Uses(signature.TreeNode) {
		b.WriteString("# class TreeNode:\n#     def __init__(self, val=0, left=None, right=None):\n#         self.val, self.left, self.right = val, left, right\n\n")
	}
	ps := make([]string, len(sig.Params))
	for i, p := range sig.Params {
		ps[i] = snake(p.Name) + ": " + names(p.Type).py
	}
	fmt.Fprintf(&b, "def %s(%s) -> %s:\n    # %s\n    pass\n", snake(sig.Name), strings.Join(ps, ", "), names(sig.Returns).py, body)
	return b.String()
}

func javascript(sig signature.Signature) string {
	var b strings.Builder
	if sig.Uses(signature.ListNode) {
		b.WriteString("// function ListNode(val, next) { this.val = val ?? 0; this.next = next ?? null; }\n\n")
	}
	if sig.Uses(signature.TreeNode) {
		b.WriteString("// function TreeNode(val, left, right) { this.val = val ?? 0; this.left = left ?? null; this.right = right ?? null; }\n\n")
	}
	b.WriteString("/**\n")
	ps := make([]string, len(sig.Params))
	for i, p := range sig.Params {
		ps[i] = p.Name
		fmt.Fprintf(&b, " * @param {%s} %s\n", names(p.Type).js, p.Name)
	}
	fmt.Fprintf(&b, " * @return {%s}\n */\nfunction %s(%s) {\n  // %s\n}\n", names(sig.Returns).js, sig.Name, strings.Join(ps, ", "), body)
	return b.String()
}

func java(sig signature.Signature) string {
	var b strings.Builder
	ps := make([]string, len(sig.Params))
	for i, p := range sig.Params {
		ps[i] = names(p.Type).java + " " + p.Name
	}
	ret := names(sig.Returns).javaRet
	if strings.Contains(ret+strings.Join(ps, ""), "List<") {
		b.WriteString("import java.util.*;\n\n")
	}
	if sig.Uses(signature.ListNode) {
		b.WriteString("// class ListNode { int val; ListNode next; ListNode(int val) { this.val = val; } }\n\n")
	}
	if sig.Uses(signature.TreeNode) {
		b.WriteString("// class TreeNode { int val; TreeNode left, right; TreeNode(int val) { this.val = val; } }\n\n")
	}
	fmt.Fprintf(&b, "class Solution {\n    public %s %s(%s) {\n        // %s\n    }\n}\n", ret, sig.Name, strings.Join(ps, ", "), body)
	return b.String()
}

func cpp(sig signature.Signature) string {
	var b strings.Builder
	if sig.Uses(signature.ListNode) {
		b.WriteString("// struct ListNode { int val; ListNode *next; ListNode(int x) : val(x), next(nullptr) {} };\n\n")
	}
	if sig.Uses(signature.TreeNode) {
		b.WriteString("// struct TreeNode { int val; TreeNode *left, *right; TreeNode(int x) : val(x), left(nullptr), right(nullptr) {} };\n\n")
	}
	ps := make([]string, len(sig.Params))
	for i, p := range sig.Params {
		ps[i] = names(p.Type).cppParam + " " + p.Name
	}
	fmt.Fprintf(&b, "class Solution {\npublic:\n    %s %s(%s) {\n        // %s\n    }\n};\n", names(sig.Returns).cpp, sig.Name, strings.Join(ps, ", "), body)
	return b.String()
}

func golang(sig signature.Signature) string {
	var b strings.Builder
	if sig.Uses(signature.ListNode) {
		b.WriteString("// type ListNode struct {\n// \tVal  int\n// \tNext *ListNode\n// }\n\n")
	}
	if sig.Uses(signature.TreeNode) {
		b.WriteString("// type TreeNode struct {\n// \tVal         int\n// \tLeft, Right *TreeNode\n// }\n\n")
	}
	ps := make([]string, len(sig.Params))
	for i, p := range sig.Params {
		ps[i] = p.Name + " " + names(p.Type).golang
	}
	fmt.Fprintf(&b, "func %s(%s) %s {\n\t// %s\n}\n", sig.Name, strings.Join(ps, ", "), names(sig.Returns).golang, body)
	return b.String()
}

// snake turns camelCase into snake_case for Python.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
