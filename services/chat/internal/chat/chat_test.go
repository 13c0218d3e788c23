package chat

import (
	"errors"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/validation"
)

func TestValidateText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"one character is fine", "a", true},
		{"2000 two-byte characters are fine", strings.Repeat("é", 2000), true},
		{"2000 emoji are fine", strings.Repeat("🙂", 2000), true},
		{"newline and tab are fine", "line one\n\tline two", true},
		{"empty is refused", "", false},
		{"blank is refused", " \n\t ", false},
		{"2001 characters are refused", strings.Repeat("a", 2001), false},
		{"NUL is refused", "a\x00b", false},
		{"carriage return is refused", "a\rb", false},
		{"escape is refused", "\x1b[31mred", false},
		{"DEL is refused", "a\x7f", false},
		{"a C1 control is refused", "a\u0085b", false},
		{"invalid UTF-8 is refused", "a\xffb", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateText(tc.text)
			var ve *validation.Error
			if (err == nil) != tc.ok || (err != nil && (!errors.As(err, &ve) || ve.Fields[0].Field != "text")) {
				t.Fatalf("ValidateText = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestValidateClientID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"a lower-case UUID is kept", "0b6f0c56-8e0a-4b0e-9c7e-2f1d3c4b5a69", "0b6f0c56-8e0a-4b0e-9c7e-2f1d3c4b5a69"},
		{"an upper-case UUID is lowered", "0B6F0C56-8E0A-4B0E-9C7E-2F1D3C4B5A69", "0b6f0c56-8e0a-4b0e-9c7e-2f1d3c4b5a69"},
		{"braces are refused", "{0b6f0c56-8e0a-4b0e-9c7e-2f1d3c4b5a69}", ""},
		{"no hyphens are refused", "0b6f0c568e0a4b0e9c7e2f1d3c4b5a69", ""},
		{"a non-hex digit is refused", "0b6f0c56-8e0a-4b0e-9c7e-2f1d3c4b5a6g", ""},
		{"empty is refused", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateClientID(tc.in)
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Fatalf("ValidateClientID(%q) = %q, %v", tc.in, got, err)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     ID
		ok       bool
	}{
		{"a stream id parses", "1700000000000-3", ID{1700000000000, 3}, true},
		{"zero parses", "0-0", ID{}, true},
		{"the largest parses", "18446744073709551615-18446744073709551615", ID{^uint64(0), ^uint64(0)}, true},
		{"no sequence is refused", "1700000000000", ID{}, false},
		{"an empty part is refused", "-1", ID{}, false},
		{"a sign is refused", "+1-1", ID{}, false},
		{"a negative is refused", "1--1", ID{}, false},
		{"overflow is refused", "18446744073709551616-0", ID{}, false},
		{"letters are refused", "abc-1", ID{}, false},
		{"Redis's special ids are refused", "*", ID{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseID(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseID(%q) = %v, %v", tc.in, got, err)
			}
			if tc.ok && got.String() != tc.in {
				t.Fatalf("String() = %q", got.String())
			}
		})
	}
}

func TestIDOrder(t *testing.T) {
	t.Parallel()
	ids := []ID{{1, 0}, {1, 1}, {2, 0}, {10, 0}}
	for i := range ids {
		for j := range ids {
			if got := ids[i].Less(ids[j]); got != (i < j) {
				t.Fatalf("%v < %v = %v", ids[i], ids[j], got)
			}
		}
	}
}
