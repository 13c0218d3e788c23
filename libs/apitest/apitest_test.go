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
