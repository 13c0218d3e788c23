package history

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

func TestRecord(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	a := session.Attempt{SessionID: "s1", UserID: "u1", PartnerID: "u2", QuestionID: "q1", Language: "go",
		Code: "package main", StartedAt: start, EndedAt: start.Add(time.Hour)}
	cases := []struct {
		name      string
		status    int
		permanent bool
		ok        bool
	}{
		{"created", 201, false, true},
		{"already recorded", 200, false, true},
		{"refused as invalid", 400, true, false},
		{"too large", 413, true, false},
		{"token being rotated", 401, false, false},
		{"history down", 503, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				var body map[string]any
				if r.URL.Path != internalapi.AttemptsPath || r.Header.Get("Authorization") != "Bearer internal-token-0123456789" ||
					r.Header.Get("Idempotency-Key") == "" || json.NewDecoder(r.Body).Decode(&body) != nil ||
					body["started_at"] != "2025-05-01T12:00:00Z" || body["code"] != "package main" || body["partner_id"] != "u2" {
					w.WriteHeader(http.StatusTeapot)
					return
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			disc := discoveryTo(srv.URL)
			err := New(disc).Record(context.Background(), a)
			var perm *session.PermanentError
			switch {
			case tc.ok && err != nil:
				t.Fatalf("err = %v", err)
			case !tc.ok && err == nil:
				t.Fatal("no error")
			case tc.permanent != errors.As(err, &perm):
				t.Fatalf("permanent = %v for %v", !tc.permanent, err)
			}
			if tc.status == 503 && calls.Load() < 2 {
				t.Fatalf("a 503 was not retried (%d calls)", calls.Load())
			}
		})
	}
}

// TestRecordRole: a practise attempt is sent as before roles existed (no
// role field, one key per person), a mock interview's with its role and a
// key per question.
func TestRecordRole(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, role, key string
	}{
		{"practise: no role", "", "attempt:s1:u1"},
		{"mock interview: role and question", "candidate", "attempt:s1:u1:q2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var body map[string]any
			var key string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				key = r.Header.Get("Idempotency-Key")
				_ = json.NewDecoder(r.Body).Decode(&body)
				w.WriteHeader(http.StatusCreated)
			}))
			defer srv.Close()
			disc := discoveryTo(srv.URL)
			a := session.Attempt{SessionID: "s1", UserID: "u1", PartnerID: "u2", QuestionID: "q2", Language: "go",
				StartedAt: start, EndedAt: start.Add(time.Hour), Role: tc.role}
			if err := New(disc).Record(context.Background(), a); err != nil {
				t.Fatal(err)
			}
			role, sent := body["role"]
			if sent != (tc.role != "") || (sent && role != tc.role) || key != tc.key {
				t.Fatalf("role %v (sent %v), key %q; want role %q, key %q", role, sent, key, tc.role, tc.key)
			}
		})
	}
}

// discoveryTo is a discovery client that finds history-service at url.
func discoveryTo(url string) *discovery.Client {
	return discovery.New(discovery.Options{InternalToken: "internal-token-0123456789",
		Getenv: func(k string) string {
			if k == "HISTORY_SERVICE_URL" {
				return url
			}
			return ""
		}})
}

// TestRecordRoleRefusedByAnOldHistory: while history-service is being
// rolled out, an old replica refuses the unknown field role; the attempt is
// retried later instead of given up. Other 400s stay permanent.
func TestRecordRoleRefusedByAnOldHistory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, field string
		permanent   bool
	}{
		{"role unknown: retried", "role", false},
		{"another field: given up", "code", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":{"code":"validation_failed","message":"invalid","details":[{"field":"` + tc.field + `","message":"is not a known field"}]},"request_id":"r"}`))
			}))
			defer srv.Close()
			start := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
			err := New(discoveryTo(srv.URL)).Record(context.Background(), session.Attempt{SessionID: "s1", UserID: "u1", PartnerID: "u2",
				QuestionID: "q1", Language: "go", StartedAt: start, EndedAt: start, Role: "interviewer"})
			var perm *session.PermanentError
			if err == nil || errors.As(err, &perm) != tc.permanent {
				t.Fatalf("err = %v, want permanent %v", err, tc.permanent)
			}
		})
	}
}
