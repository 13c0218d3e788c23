// Package awsfake is an in-process simulation of the AWS services the deploy
// pipeline drives — ECS, ECR, Cloud Map and Application Auto Scaling over
// their real awsJson1_1 wire protocol (an httptest server the real
// aws-sdk-go-v2 clients reach through BaseEndpoint), Elastic Load Balancing v2
// and CloudFormation (query protocol) through a smithy Initialize middleware
// that answers the real clients' typed inputs — plus the ALB's health routes.
// Time is a fake clock: waiting costs nothing, so a full rollout with circuit
// breaker and rollback runs in milliseconds.
package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// apiError is an awsJson1_1 error body; the SDK maps __type to a typed error.
type apiError struct {
	Type, Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func errf(typ, format string, args ...any) error {
	return &apiError{Type: typ, Message: fmt.Sprintf(format, args...)}
}

// jsonHandler serves one awsJson1_1 operation: decode into the SDK's own
// input type (encoding/json matches the camelCase/PascalCase wire names
// case-insensitively), authorize it against the role, answer with the SDK's
// output type re-encoded under the wire names.
type jsonHandler struct {
	pascal bool // Cloud Map and Application Auto Scaling use PascalCase members; ECS and ECR camelCase
	call   func(body []byte) (any, error)
	op     string // "ecs:UpdateService"
}

// op adapts a typed handler; iamOp ("ecs:UpdateService") is what IAM checks.
func op[In any, Out any](f *AWS, iamOp string, h func(*In) (*Out, error)) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		in := new(In)
		if len(b) > 0 {
			if err := json.Unmarshal(b, in); err != nil {
				return nil, errf("SerializationException", "%v", err)
			}
		}
		f.mu.Lock()
		err := f.authorize(iamOp, in)
		f.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return h(in)
	}
}

func (f *AWS) serveJSON(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	body, _ := io.ReadAll(r.Body)
	h, ok := f.handlers[target]
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"__type": "UnknownOperationException", "message": target})
		return
	}
	f.mu.Lock()
	code, status := f.fault()
	f.mu.Unlock()
	if code != "" {
		writeJSON(w, status, map[string]any{"__type": code, "message": "Rate exceeded", "Message": "Rate exceeded"})
		return
	}
	out, err := h.call(body)
	if _, lost := err.(errLost); lost {
		dropConnection(w)
		return
	}
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			ae = &apiError{Type: "ServerException", Message: err.Error()}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"__type": ae.Type, "message": ae.Message, "Message": ae.Message})
		return
	}
	f.mu.Lock()
	mangle := f.mangle
	f.mu.Unlock()
	if mangle != nil {
		body, _ := json.Marshal(wire(reflect.ValueOf(out), h.pascal))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write(mangle(h.op, body))
		return
	}
	writeJSON(w, http.StatusOK, wire(reflect.ValueOf(out), h.pascal))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var timeType = reflect.TypeOf(time.Time{})

// wire turns an SDK value into its awsJson1_1 shape: member names as on the
// wire, timestamps as epoch seconds, nil members omitted.
func wire(v reflect.Value, pascal bool) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return wire(v.Elem(), pascal)
	case reflect.Struct:
		if v.Type() == timeType {
			return float64(v.Interface().(time.Time).UnixMilli()) / 1000
		}
		m := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() || sf.Anonymous || sf.Name == "ResultMetadata" {
				continue
			}
			x := wire(v.Field(i), pascal)
			if x == nil {
				continue
			}
			name := sf.Name
			if !pascal {
				r := []rune(name)
				r[0] = unicode.ToLower(r[0])
				name = string(r)
			}
			m[name] = x
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		s := make([]any, v.Len())
		for i := range s {
			s[i] = wire(v.Index(i), pascal)
		}
		return s
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[k.String()] = wire(v.MapIndex(k), pascal)
		}
		return m
	case reflect.String:
		return v.String()
	default:
		return v.Interface()
	}
}

func lastSegment(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
