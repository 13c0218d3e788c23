package apitest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestCallSendsTokenAndBodyAndDecodes(t *testing.T) {
	t.Parallel()
	tokens := NewTokens(t)
	id, tok := tokens.User(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := tokens.Verifier().Verify(context.Background(), r.Header.Get("Authorization")[len("Bearer "):])
		if err != nil || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"error":{"code":"conflict"},"user":"` + claims.UserID() + `"}`))
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for name, r := range map[string]Response{
		"over the network": Call(t, "POST", srv.URL, tok, map[string]int{"n": 1}),
		"in process":       Serve(t, h, "POST", "/", tok, `{"n":1}`),
	} {
		if r.Status != http.StatusConflict || r.ErrCode() != "conflict" || r.Str("user") != id {
			t.Fatalf("%s: %d %s", name, r.Status, r.Raw)
		}
	}
}

func TestEventuallyWaitsForTheCondition(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	Eventually(t, time.Second, "three tries", func() bool { return n.Add(1) == 3 })
	EventuallyNil(t, time.Second, func() error {
		if n.Add(1) < 6 {
			return errors.New("not yet")
		}
		return nil
	})
}

// Err reads the shared error shape; an empty header value removes the
// header, the JSON content type included.
func TestErrAndRemovedHeaders(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":"validation_failed","message":"bad","details":[{"field":"name","message":"required"}]},"request_id":"r1"}`))
	})
	r := Serve(t, h, "POST", "/", "", `{}`, "Content-Type", "")
	e := r.Err()
	if r.Status != http.StatusBadRequest || e.Code != "validation_failed" || e.Message != "bad" || r.RequestID() != "r1" ||
		len(e.Details) != 1 || e.Details[0] != (FieldError{Field: "name", Message: "required"}) {
		t.Fatalf("%d %+v %q", r.Status, e, r.RequestID())
	}
	if r := Serve(t, h, "POST", "/", "", `{}`); r.Status != http.StatusOK || r.Err().Code != "" {
		t.Fatalf("with the content type: %d %+v", r.Status, r.Err())
	}
}
