package signature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"unicode/utf8"
)

// decode reads exactly one JSON value, keeping numbers exact.
func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, errors.New("not valid JSON")
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// Check reports whether the JSON value raw has type t. The error says
// where it differs, e.g. "element 2: expected int, got \"x\"".
func (t Type) Check(raw json.RawMessage) error {
	v, err := decode(raw)
	if err != nil {
		return err
	}
	return t.check(v)
}

func (t Type) check(v any) error {
	switch t {
	case Int:
		return checkInt(v, math.MinInt32, math.MaxInt32, t)
	case Long:
		return checkInt(v, math.MinInt64, math.MaxInt64, t)
	case Double:
		if _, ok := v.(json.Number); !ok {
			return mismatch(t, v)
		}
	case Bool:
		if _, ok := v.(bool); !ok {
			return mismatch(t, v)
		}
	case String:
		if _, ok := v.(string); !ok {
			return mismatch(t, v)
		}
	case IntList, ListNode:
		return checkList(v, t, Int)
	case IntGrid, ListNodes:
		return checkList(v, t, IntList)
	case StringList:
		return checkList(v, t, String)
	case StringGrid:
		return checkList(v, t, StringList)
	case CharGrid:
		return checkList(v, t, charList)
	case charList:
		return checkList(v, t, char)
	case char:
		if s, ok := v.(string); !ok || utf8.RuneCountInString(s) != 1 {
			return mismatch(t, v)
		}
	case TreeNode:
		return checkTree(v)
	default:
		return fmt.Errorf("unknown type %q", t)
	}
	return nil
}

// Element types that only occur inside CharGrid.
const (
	charList Type = "char[]"
	char     Type = "char"
)

func checkInt(v any, lo, hi int64, t Type) error {
	n, ok := v.(json.Number)
	if !ok {
		return mismatch(t, v)
	}
	r, ok := new(big.Rat).SetString(n.String())
	if !ok || !r.IsInt() || r.Num().Cmp(big.NewInt(lo)) < 0 || r.Num().Cmp(big.NewInt(hi)) > 0 {
		return fmt.Errorf("expected %s, got %s", t, n)
	}
	return nil
}

func checkList(v any, t, elem Type) error {
	list, ok := v.([]any)
	if !ok {
		return mismatch(t, v)
	}
	for i, e := range list {
		if err := elem.check(e); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	return nil
}

// checkTree accepts a level-order array of integers and nulls whose root,
// when present, is not null.
func checkTree(v any) error {
	list, ok := v.([]any)
	if !ok {
		return mismatch(TreeNode, v)
	}
	for i, e := range list {
		if e == nil && i > 0 {
			continue
		}
		if err := Int.check(e); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	return nil
}

func mismatch(t Type, v any) error {
	got := "null"
	switch x := v.(type) {
	case json.Number:
		got = x.String()
	case string:
		got = fmt.Sprintf("%q", x)
		if len(got) > 20 {
			got = "a string"
		}
	case bool:
		got = fmt.Sprint(x)
	case []any:
		got = "a list"
	case map[string]any:
		got = "an object"
	}
	return fmt.Errorf("expected %s, got %s", t, got)
}

// ArgError says which argument of a call is wrong.
type ArgError struct {
	Index int // 0-based
	Param Param
	Err   error
}

func (e *ArgError) Error() string {
	return fmt.Sprintf("argument %d (%s): %v", e.Index+1, e.Param.Name, e.Err)
}

func (e *ArgError) Unwrap() error { return e.Err }

// CheckArgs reports whether raw is a JSON array holding one value of the
// right type per parameter. A wrong value is an *ArgError.
func (s Signature) CheckArgs(raw json.RawMessage) error {
	v, err := decode(raw)
	if err != nil {
		return err
	}
	args, ok := v.([]any)
	if !ok {
		return errors.New("expected a list with one value per parameter")
	}
	if len(args) != len(s.Params) {
		return fmt.Errorf("expected %d arguments (%s), got %d", len(s.Params), s.paramNames(), len(args))
	}
	for i, p := range s.Params {
		if err := p.Type.check(args[i]); err != nil {
			return &ArgError{Index: i, Param: p, Err: err}
		}
	}
	return nil
}

func (s Signature) paramNames() string {
	names := make([]string, len(s.Params))
	for i, p := range s.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// ArgsFromLines reads custom input the way people type it: one JSON value
// per parameter, one per line, blank lines ignored. It returns the
// arguments as one JSON array, or an error naming the line.
func (s Signature) ArgsFromLines(text string) (json.RawMessage, error) {
	var args []json.RawMessage
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(args) == len(s.Params) {
			return nil, fmt.Errorf("line %d: %s takes %d arguments (%s); remove the extra lines", n+1, s.Name, len(s.Params), s.paramNames())
		}
		p := s.Params[len(args)]
		v, err := decode([]byte(line))
		if err == nil {
			err = p.Type.check(v)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d (%s, a %s): %v", n+1, p.Name, p.Type, err)
		}
		args = append(args, json.RawMessage(line))
	}
	if len(args) != len(s.Params) {
		return nil, fmt.Errorf("%s takes %d arguments (%s), one per line; got %d", s.Name, len(s.Params), s.paramNames(), len(args))
	}
	out, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	return out, nil
}
