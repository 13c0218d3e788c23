package discovery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/requestid"
)

// overrideClient returns a Client that reaches testService at h through a
// HISTORY_SERVICE_URL override.
func overrideClient(t *testing.T, h http.Handler, o Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.Getenv = envWith("HISTORY_SERVICE_URL", srv.URL)
	return New(o)
}

func TestRetries(t *testing.T) {
	t.Parallel()
	post := func(idempotencyKey string) func(*Client) (int, error) {
		return func(c *Client) (int, error) {
			req, _ := http.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"n":1}`))
			if idempotencyKey != "" {
				req.Header.Set("Idempotency-Key", idempotencyKey)
			}
			resp, err := c.Do(t.Context(), testService, req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		}
	}
	get := func(c *Client) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, "/x", nil)
		resp, err := c.Do(t.Context(), testService, req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	tests := []struct {
		name       string
		answers    []int // status per hit; the last one repeats
		call       func(*Client) (int, error)
		wantStatus int
		wantHits   int
	}{
		{"GET answered 503 twice then 200 succeeds", []int{503, 503, 200}, get, 200, 3},
		{"GET gives up after the retries", []int{503}, get, 503, 3},
		{"GET answered 404 is not retried", []int{404, 200}, get, 404, 1},
		{"POST with Idempotency-Key is retried", []int{502, 504, 200}, post("k-1"), 200, 3},
		{"POST without Idempotency-Key is not retried", []int{503, 200}, post(""), 503, 1},
		{"SendJSON POST answered 503 is not retried", []int{503, 200}, func(c *Client) (int, error) {
			return c.SendJSON(t.Context(), http.MethodPost, testService, "/x", map[string]int{"n": 1}, nil)
		}, 503, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var bodies []string
			c := overrideClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, string(b))
				status := tt.answers[min(len(bodies), len(tt.answers))-1]
				mu.Unlock()
				w.WriteHeader(status)
			}), Options{})

			status, err := tt.call(c)
			if status != tt.wantStatus {
				t.Errorf("status = %d (err %v), want %d", status, err, tt.wantStatus)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bodies) != tt.wantHits {
				t.Errorf("server hits = %d, want %d", len(bodies), tt.wantHits)
			}
			for i, b := range bodies {
				if b != bodies[0] {
					t.Errorf("try %d sent body %q, first sent %q", i, b, bodies[0])
				}
			}
		})
	}
}

func TestHeadersPropagated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token string
		call  func(context.Context, *Client) error
		want  map[string]string // "" means absent
	}{
		{
			name:  "request id, token and JSON headers are added",
			token: testToken,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.SendJSON(ctx, http.MethodPut, testService, "/x", map[string]int{"n": 1}, nil)
				return err
			},
			want: map[string]string{
				requestid.Header: "req-123",
				"Authorization":  "Bearer " + testToken,
				"Accept":         "application/json",
				"Content-Type":   "application/json",
			},
		},
		{
			name:  "headers the caller set are kept",
			token: testToken,
			call: func(ctx context.Context, c *Client) error {
				req, _ := http.NewRequest(http.MethodGet, "/x", nil)
				req.Header.Set("Authorization", "Bearer user-jwt")
				req.Header.Set(requestid.Header, "mine")
				req.Header.Set("Accept", "text/plain")
				resp, err := c.Do(ctx, testService, req)
				if err == nil {
					resp.Body.Close()
				}
				return err
			},
			want: map[string]string{
				requestid.Header: "mine",
				"Authorization":  "Bearer user-jwt",
				"Accept":         "text/plain",
			},
		},
		{
			name: "no token configured sends no Authorization",
			call: func(ctx context.Context, c *Client) error {
				return c.GetJSON(ctx, testService, "/x", nil)
			},
			want: map[string]string{"Authorization": "", requestid.Header: "req-123"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan http.Header, 1)
			c := overrideClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- r.Header.Clone()
			}), Options{InternalToken: tt.token})

			ctx := requestid.With(t.Context(), "req-123")
			if err := tt.call(ctx, c); err != nil {
				t.Fatal(err)
			}
			h := <-got
			for k, v := range tt.want {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
		})
	}
}

func TestCancelStopsRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"during backoff", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}},
		{"during a slow answer", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := overrideClient(t, tt.handler, Options{Retries: 1000, Timeout: 10 * time.Second})
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(300*time.Millisecond, cancel)

			start := time.Now()
			err := c.GetJSON(ctx, testService, "/x", nil)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 800*time.Millisecond {
				t.Errorf("GetJSON returned %v after the call began, want soon after the cancel at 300ms", d)
			}
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hits := 0
	c := overrideClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		first := hits == 1
		mu.Unlock()
		if first {
			select { // hang until the client gives up on this attempt
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}), Options{Timeout: 100 * time.Millisecond})

	start := time.Now()
	if err := c.GetJSON(t.Context(), testService, "/x", nil); err != nil {
		t.Fatalf("GetJSON: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("GetJSON took %v; the hung attempt should have been cut at 100ms", d)
	}
}

func TestGetJSON(t *testing.T) {
	t.Parallel()
	type result struct{ Name string }
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(t *testing.T, out result, err error)
	}{
		{
			name: "2xx body is decoded",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"name":"two-sum"}`))
			},
			check: func(t *testing.T, out result, err error) {
				if err != nil || out.Name != "two-sum" {
					t.Errorf("out = %+v, err = %v", out, err)
				}
			},
		},
		{
			name: "204 leaves out untouched",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			},
			check: func(t *testing.T, out result, err error) {
				if err != nil || out.Name != "before" {
					t.Errorf("out = %+v, err = %v", out, err)
				}
			},
		},
		{
			name: "non-2xx is a StatusError carrying the body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"error":{"code":"not_found"}}`))
			},
			check: func(t *testing.T, out result, err error) {
				var se *StatusError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want a *StatusError", err)
				}
				if se.Service != testService || se.Status != 404 || string(se.Body) != `{"error":{"code":"not_found"}}` {
					t.Errorf("StatusError = %+v", se)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("error %q contains the internal token", err)
				}
			},
		},
		{
			name: "body over 10 MiB is refused",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`"`))
				_, _ = w.Write(bytes.Repeat([]byte("a"), maxBody))
				_, _ = w.Write([]byte(`"`))
			},
			check: func(t *testing.T, out result, err error) {
				if err == nil || !strings.Contains(err.Error(), "larger than") {
					t.Errorf("err = %v, want a body-too-large error", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := overrideClient(t, tt.handler, Options{InternalToken: testToken})
			out := result{Name: "before"}
			err := c.GetJSON(t.Context(), testService, "/x", &out)
			tt.check(t, out, err)
		})
	}
}

func TestIsNotFound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&StatusError{Service: "s", Status: http.StatusNotFound}, true},
		{fmt.Errorf("read: %w", &StatusError{Service: "s", Status: http.StatusNotFound}), true},
		{&StatusError{Service: "s", Status: http.StatusServiceUnavailable}, false},
		{errors.New("connection refused"), false},
		{nil, false},
	} {
		if got := IsNotFound(tt.err); got != tt.want {
			t.Errorf("IsNotFound(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
