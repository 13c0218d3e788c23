package signature

import (
	"encoding/json"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Compare is how a result is judged against the expected one.
type Compare string

// The comparison modes.
const (
	Exact         Compare = "exact"          // equal JSON values
	Unordered     Compare = "unordered"      // the outer list's order is ignored
	UnorderedDeep Compare = "unordered_deep" // the order of every list is ignored
	Float         Compare = "float"          // numbers within 1e-5, absolute or relative
)

// Tolerance is Float's allowed difference.
const Tolerance = 1e-5

// ParseCompare accepts a mode; "" means Exact.
func ParseCompare(s string) (Compare, bool) {
	switch c := Compare(s); c {
	case "":
		return Exact, true
	case Exact, Unordered, UnorderedDeep, Float:
		return c, true
	}
	return "", false
}

// Equal reports whether actual matches expected under c. Both are JSON;
// spacing and number spelling (1, 1.0, 1e0) do not matter. Invalid JSON
// is never equal.
func (c Compare) Equal(expected, actual json.RawMessage) bool {
	e, err := decode(expected)
	if err != nil {
		return false
	}
	a, err := decode(actual)
	if err != nil {
		return false
	}
	switch c {
	case Unordered:
		el, eok := e.([]any)
		al, aok := a.([]any)
		if !eok || !aok {
			return false
		}
		return key(sortedBy(el, key)) == key(sortedBy(al, key))
	case UnorderedDeep:
		return deepKey(e) == deepKey(a)
	case Float:
		return near(e, a)
	}
	return key(e) == key(a)
}

// key is a canonical spelling of a decoded value: equal values, and only
// those, have equal keys.
func key(v any) string {
	var b strings.Builder
	writeKey(&b, v)
	return b.String()
}

func writeKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		b.WriteString(strconv.Quote(x))
	case json.Number:
		if r, ok := new(big.Rat).SetString(x.String()); ok {
			b.WriteString(r.RatString())
		} else {
			b.WriteString(x.String())
		}
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		ks := make([]string, 0, len(x))
		for k := range x {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		b.WriteByte('{')
		for i, k := range ks {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeKey(b, x[k])
		}
		b.WriteByte('}')
	}
}

// sortedBy returns list's elements ordered by k.
func sortedBy(list []any, k func(any) string) []any {
	type kv struct {
		k string
		v any
	}
	pairs := make([]kv, len(list))
	for i, v := range list {
		pairs[i] = kv{k(v), v}
	}
	slices.SortFunc(pairs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	out := make([]any, len(list))
	for i, p := range pairs {
		out[i] = p.v
	}
	return out
}

// deepKey is key with every list's elements sorted first.
func deepKey(v any) string {
	list, ok := v.([]any)
	if !ok {
		return key(v)
	}
	keys := make([]string, len(list))
	for i, e := range list {
		keys[i] = deepKey(e)
	}
	slices.Sort(keys)
	return "[" + strings.Join(keys, ",") + "]"
}

// near is equality with numbers compared within Tolerance.
func near(e, a any) bool {
	switch x := e.(type) {
	case json.Number:
		y, ok := a.(json.Number)
		if !ok {
			return false
		}
		xf, err1 := x.Float64()
		yf, err2 := y.Float64()
		if err1 != nil || err2 != nil {
			return false
		}
		d := xf - yf
		if d < 0 {
			d = -d
		}
		return d <= Tolerance || d <= Tolerance*max(xf, -xf)
	case []any:
		y, ok := a.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !near(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return key(e) == key(a)
}
