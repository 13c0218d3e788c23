// Package signature is the language-neutral description of a coding
// question's function ("twoSum(nums int[], target int) int[]"), the JSON
// shape of its arguments and result, and how a result is compared with the
// expected one. question-service validates test cases with it;
// execution-service parses custom input and judges results with it; the
// seed renders starter code from it.
package signature

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Type is one argument or result type. Values travel as JSON: numbers,
// booleans, strings and arrays of them; a linked list is an array of its
// values, a tree the LeetCode level-order array with null for a missing
// child.
type Type string

// The types a signature may use.
const (
	Int        Type = "int"    // integral JSON number in int32 range
	Long       Type = "long"   // integral JSON number in int64 range
	Double     Type = "double" // any JSON number
	Bool       Type = "bool"
	String     Type = "string"
	IntList    Type = "int[]"
	IntGrid    Type = "int[][]"
	StringList Type = "string[]"
	StringGrid Type = "string[][]"
	CharGrid   Type = "char[][]" // arrays of one-character strings
	ListNode   Type = "ListNode" // [1,2,3]
	ListNodes  Type = "ListNode[]"
	TreeNode   Type = "TreeNode" // [3,9,20,null,null,15,7]
)

// Types lists every type, in the order the docs give them.
func Types() []Type {
	return []Type{Int, Long, Double, Bool, String, IntList, IntGrid, StringList, StringGrid, CharGrid, ListNode, ListNodes, TreeNode}
}

// Valid reports whether t is one of Types.
func (t Type) Valid() bool {
	for _, k := range Types() {
		if t == k {
			return true
		}
	}
	return false
}

// Param is one named parameter.
type Param struct {
	Name string
	Type Type
}

// Signature is a function's name, parameters and result type.
type Signature struct {
	Name    string
	Params  []Param
	Returns Type
}

// MaxParams bounds a signature's parameter list.
const MaxParams = 8

// Parse reads "name(p1 type1, p2 type2) returnType".
func Parse(s string) (Signature, error) {
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp <= 0 || rp < lp {
		return Signature{}, errors.New("want name(param type, …) type, e.g. twoSum(nums int[], target int) int[]")
	}
	sig := Signature{Name: strings.TrimSpace(s[:lp]), Returns: Type(strings.TrimSpace(s[rp+1:]))}
	if !isIdent(sig.Name) {
		return Signature{}, fmt.Errorf("%q is not a function name (letters and digits, starting with a letter)", sig.Name)
	}
	if !sig.Returns.Valid() {
		return Signature{}, fmt.Errorf("unknown return type %q", sig.Returns)
	}
	inner := strings.TrimSpace(s[lp+1 : rp])
	if inner == "" {
		return sig, nil
	}
	seen := map[string]bool{}
	for p := range strings.SplitSeq(inner, ",") {
		name, typ, ok := strings.Cut(strings.TrimSpace(p), " ")
		param := Param{Name: name, Type: Type(strings.TrimSpace(typ))}
		switch {
		case !ok || !isIdent(param.Name):
			return Signature{}, fmt.Errorf("parameter %q: want name type", strings.TrimSpace(p))
		case !param.Type.Valid():
			return Signature{}, fmt.Errorf("parameter %s: unknown type %q", param.Name, param.Type)
		case seen[param.Name]:
			return Signature{}, fmt.Errorf("parameter %s appears twice", param.Name)
		}
		seen[param.Name] = true
		sig.Params = append(sig.Params, param)
	}
	if len(sig.Params) > MaxParams {
		return Signature{}, fmt.Errorf("at most %d parameters", MaxParams)
	}
	return sig, nil
}

// String is the form Parse reads.
func (s Signature) String() string {
	ps := make([]string, len(s.Params))
	for i, p := range s.Params {
		ps[i] = p.Name + " " + string(p.Type)
	}
	return s.Name + "(" + strings.Join(ps, ", ") + ") " + string(s.Returns)
}

// Uses reports whether any parameter or the result has type t, or a list
// of it (Uses(ListNode) is true for ListNode[]).
func (s Signature) Uses(t Type) bool {
	if strings.HasPrefix(string(s.Returns), string(t)) {
		return true
	}
	for _, p := range s.Params {
		if strings.HasPrefix(string(p.Type), string(t)) {
			return true
		}
	}
	return false
}

func isIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || i > 0 && (unicode.IsDigit(r) || r == '_')) {
			return false
		}
	}
	return true
}
