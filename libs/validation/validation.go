// Package validation is the one error a domain returns for bad input: every
// invalid field with what is wrong with it. It knows nothing of HTTP; the
// shared error handler in libs/server answers it with 400 validation_failed
// and the fields as details, and a socket can send the same words in a frame.
package validation

import "strings"

// FieldError names one invalid field by its API name.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error lists every invalid field of an input. Collect with Add, return
// OrNil.
type Error struct {
	Fields []FieldError
}

// Field is an Error about one field.
func Field(field, message string) *Error {
	return &Error{Fields: []FieldError{{Field: field, Message: message}}}
}

// Error reads as the fields' complaints ("text must not be empty; …"), fit
// to show a user as it is.
func (e *Error) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return strings.Join(parts, "; ")
}

// Add records one invalid field.
func (e *Error) Add(field, message string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: message})
}

// OrNil returns e when it names a field, else nil, so a validator can
// end with `return v.OrNil()` whatever it found.
func (e *Error) OrNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}
