package user

import (
	"errors"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/validation"
)

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		in        SignupInput
		badFields []string
	}{
		{"a good signup passes", SignupInput{"ada_99", "ada@example.com", "Analytical-engine-1843"}, nil},
		{"uppercase username is refused", SignupInput{"Ada", "ada@example.com", "Analytical-engine-1843"}, []string{"username"}},
		{"33-character username is refused", SignupInput{strings.Repeat("a", 33), "ada@example.com", "Analytical-engine-1843"}, []string{"username"}},
		{"email without a dot in the domain is refused", SignupInput{"ada_99", "ada@localhost", "Analytical-engine-1843"}, []string{"email"}},
		{"email with a display name is refused", SignupInput{"ada_99", "Ada <ada@example.com>", "Analytical-engine-1843"}, []string{"email"}},
		{"nine-character password is refused", SignupInput{"ada_99", "ada@example.com", "123456789"}, []string{"password"}},
		{"ten multibyte characters are enough", SignupInput{"ada_99", "ada@example.com", "ñøßæœçðþüé"}, nil},
		{"password over 128 bytes is refused", SignupInput{"ada_99", "ada@example.com", strings.Repeat("xy", 65)}, []string{"password"}},
		{"sequential password is refused", SignupInput{"ada_99", "ada@example.com", "abcdefghijk"}, []string{"password"}},
		{"common password is refused", SignupInput{"ada_99", "ada@example.com", "Qwertyuiop"}, []string{"password"}},
		{"password containing the email's local part is refused", SignupInput{"zed_1", "lovelace@example.com", "i-am-lovelace-2024"}, []string{"password"}},
		{"every bad field is reported", SignupInput{"A", "x", "y"}, []string{"username", "email", "password"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate()
			var ve *validation.Error
			if len(tc.badFields) == 0 {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if !errors.As(err, &ve) || len(ve.Fields) != len(tc.badFields) {
				t.Fatalf("got %v, want fields %v", err, tc.badFields)
			}
			for i, f := range tc.badFields {
				if ve.Fields[i].Field != f {
					t.Fatalf("field %d = %s, want %s", i, ve.Fields[i].Field, f)
				}
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	if got := NormalizeEmail("  Ada@Example.COM "); got != "ada@example.com" {
		t.Fatalf("got %q", got)
	}
}
