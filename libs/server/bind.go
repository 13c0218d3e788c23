package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
)

// BindJSON decodes the request body into v strictly — JSON content type,
// exactly one object, no unknown fields — then validates v's `validate`
// tags. Every failure is an *httperr.Error naming what was wrong.
func BindJSON(c echo.Context, v any) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return httperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "the request body must be application/json")
	}
	if err := DecodeJSON(req.Body, v); err != nil {
		return err
	}
	return c.Validate(v)
}

// DecodeJSON decodes exactly one JSON value from r into v, rejecting unknown
// fields and trailing data, and turns decoder errors into API errors.
func DecodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return httperr.BadRequest("the request body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return err // the error handler answers 413
	case errors.Is(err, io.EOF):
		return httperr.BadRequest("the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return httperr.BadRequest("the request body is truncated JSON")
	case errors.As(err, &syn):
		return httperr.BadRequest(fmt.Sprintf("the request body is malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return httperr.BadRequest("the request body must be a JSON object")
		}
		return httperr.Validation(httperr.FieldError{Field: field, Message: "must be a " + jsonKind(typ.Type)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return httperr.Validation(httperr.FieldError{Field: name, Message: "is not a known field"})
	}
	return httperr.BadRequest("the request body could not be decoded")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value of another type"
}

// structValidator adapts go-playground/validator to echo.Validator and turns
// its errors into per-field details named by their JSON (or query) names.
type structValidator struct{ v *validator.Validate }

func newValidator() *structValidator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"json", "query", "param"} {
			name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
		return f.Name
	})
	return &structValidator{v: v}
}

func (sv *structValidator) Validate(i any) error {
	err := sv.v.Struct(i)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return httperr.BadRequest("the request could not be validated")
	}
	details := make([]httperr.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		details = append(details, httperr.FieldError{Field: fieldPath(fe), Message: message(fe)})
	}
	return httperr.Validation(details...)
}

// fieldPath drops the top-level struct name: "signupRequest.email" → "email".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

func message(fe validator.FieldError) string {
	p := fe.Param()
	isString := fe.Kind() == reflect.String
	switch fe.Tag() {
	case "required", "required_without", "required_with":
		return "is required"
	case "min":
		if isString {
			return "must be at least " + p + " characters"
		}
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map {
			return "must have at least " + p + " items"
		}
		return "must be at least " + p
	case "max":
		if isString {
			return "must be at most " + p + " characters"
		}
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map {
			return "must have at most " + p + " items"
		}
		return "must be at most " + p
	case "len":
		return "must have length " + p
	case "gte":
		return "must be at least " + p
	case "lte":
		return "must be at most " + p
	case "gtfield", "gtefield":
		return "must not be before " + p
	case "email":
		return "must be a valid email address"
	case "uuid", "uuid4":
		return "must be a UUID"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(p, " ", ", ")
	case "url", "http_url":
		return "must be a URL"
	case "printascii", "alphanum", "lowercase":
		return "contains characters that are not allowed"
	case "dive":
		return "is invalid"
	}
	return "is invalid (" + fe.Tag() + ")"
}
