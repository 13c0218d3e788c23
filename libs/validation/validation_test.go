package validation

import (
	"errors"
	"fmt"
	"testing"
)

func TestOrNil(t *testing.T) {
	var v Error
	if v.OrNil() != nil {
		t.Fatal("an Error without fields is not an error")
	}
	v.Add("name", "is required")
	v.Add("age", "must be positive")
	err := fmt.Errorf("create: %w", v.OrNil())
	var got *Error
	if !errors.As(err, &got) || len(got.Fields) != 2 || got.Fields[1] != (FieldError{"age", "must be positive"}) {
		t.Fatalf("errors.As = %+v", got)
	}
	if want := "name is required; age must be positive"; got.Error() != want {
		t.Fatalf("Error() = %q, want %q", got.Error(), want)
	}
}
