package question

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/libs/validation"
)

// Limits on a question's test cases.
const (
	MaxTestCases = 50
	MaxTestCase  = 64 << 10 // bytes of one case's input and expected together
	MaxSignature = 500
)

// Tests are what a solution to a question is run against: the function it
// must define, how its answers are compared, and the cases. Users see the
// signature, the mode and the visible cases; hidden cases leave the
// service only through the internal route the execution service calls.
type Tests struct {
	Signature string            // e.g. "twoSum(nums int[], target int) int[]"; "" for none
	Compare   signature.Compare // never "" once normalized
	// Cases in order. In a Question handed to Store.Update, nil keeps the
	// stored tests (all three fields); non-nil, maybe empty, replaces them.
	Cases []TestCase
}

// TestCase is one call of the solution and the answer it must give.
type TestCase struct {
	Input    json.RawMessage // a JSON array, one value per parameter
	Expected json.RawMessage
	Hidden   bool // hidden cases are run on submit only and never shown
}

// Visible returns the cases a user may see, in order.
func (t Tests) Visible() []TestCase {
	out := []TestCase{}
	for _, c := range t.Cases {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

// normalize trims the signature, spells the comparison mode in full
// ("" is exact) and compacts the cases' JSON.
func (t Tests) normalize() Tests {
	t.Signature = strings.TrimSpace(t.Signature)
	if c, ok := signature.ParseCompare(string(t.Compare)); ok {
		t.Compare = c
	}
	if t.Cases == nil {
		t.Cases = []TestCase{}
	}
	cases := make([]TestCase, len(t.Cases))
	for i, c := range t.Cases {
		c.Input, c.Expected = compact(c.Input), compact(c.Expected)
		cases[i] = c
	}
	t.Cases = cases
	return t
}

// compact drops insignificant space from valid JSON; anything else is left
// for validation to refuse.
func compact(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// validate adds what is wrong with t to errs. Call it on normalized tests.
func (t Tests) validate(errs *validation.Error) {
	var sig signature.Signature
	sigOK := false
	switch {
	case t.Signature == "" && len(t.Cases) > 0:
		errs.Add("signature", "is required when there are test cases")
	case len(t.Signature) > MaxSignature:
		errs.Add("signature", fmt.Sprintf("must be at most %d bytes", MaxSignature))
	case t.Signature != "":
		s, err := signature.Parse(t.Signature)
		if err != nil {
			errs.Add("signature", err.Error())
		} else {
			sig, sigOK = s, true
		}
	}
	if _, ok := signature.ParseCompare(string(t.Compare)); !ok {
		errs.Add("compare", "must be one of: exact, unordered, unordered_deep, float")
	}
	if len(t.Cases) > MaxTestCases {
		errs.Add("test_cases", fmt.Sprintf("must have at most %d items", MaxTestCases))
		return
	}
	for i, c := range t.Cases {
		field := fmt.Sprintf("test_cases[%d]", i)
		if len(c.Input)+len(c.Expected) > MaxTestCase {
			errs.Add(field, fmt.Sprintf("input and expected must be at most %d bytes together", MaxTestCase))
			continue
		}
		var checkArgs, checkResult func(json.RawMessage) error
		if sigOK {
			checkArgs, checkResult = sig.CheckArgs, sig.Returns.Check
		}
		checkJSON(errs, field+".input", c.Input, checkArgs)
		checkJSON(errs, field+".expected", c.Expected, checkResult)
	}
}

// checkJSON adds what is wrong with the required JSON value raw, by check
// when it is not nil (no signature to check against).
func checkJSON(errs *validation.Error, field string, raw json.RawMessage, check func(json.RawMessage) error) {
	switch {
	case len(raw) == 0:
		errs.Add(field, "is required")
	case !json.Valid(raw):
		errs.Add(field, "must be valid JSON")
	case check != nil:
		if err := check(raw); err != nil {
			errs.Add(field, err.Error())
		}
	}
}

// sameTests compares tests by meaning: JSON that differs only in spacing
// or number spelling is the same.
func sameTests(a, b Tests) bool {
	if a.Signature != b.Signature || a.Compare != b.Compare || len(a.Cases) != len(b.Cases) {
		return false
	}
	for i, c := range a.Cases {
		d := b.Cases[i]
		if c.Hidden != d.Hidden || !signature.Exact.Equal(c.Input, d.Input) || !signature.Exact.Equal(c.Expected, d.Expected) {
			return false
		}
	}
	return true
}
