package internalapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/libs/internalapi"
)

// serve answers every request with status and body, recording the last
// request's headers and body.
func serve(t *testing.T, status int, body string) (*internalapi.Client, *http.Header, *map[string]any) {
	t.Helper()
	var hdr http.Header
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr = r.Header.Clone()
		got = nil
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	d := discovery.New(discovery.Options{Getenv: func(string) string { return srv.URL }, InternalToken: "t", Retries: -1})
	return internalapi.New(d), &hdr, &got
}

func TestErrorsAreMappedOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status    int
		notFound  bool
		permanent bool
	}{
		{404, true, false}, {400, false, true}, {401, false, true}, {408, false, false},
		{429, false, false}, {503, false, false},
	} {
		c, _, _ := serve(t, tc.status, `{"error":{"code":"x","message":"x"}}`)
		_, err := c.User(context.Background(), "u")
		if errors.Is(err, internalapi.ErrNotFound) != tc.notFound || internalapi.IsPermanent(err) != tc.permanent {
			t.Errorf("HTTP %d: %v (permanent %v)", tc.status, err, internalapi.IsPermanent(err))
		}
		var se *discovery.StatusError
		if !tc.notFound && (internalapi.StatusOf(err) != tc.status || !errors.As(err, &se) || se.Status != tc.status) {
			t.Errorf("HTTP %d: status %d, unwraps to %v", tc.status, internalapi.StatusOf(err), se)
		}
	}
}

func TestRecordAttemptPermanence(t *testing.T) {
	t.Parallel()
	role := `{"error":{"code":"validation_failed","message":"x","details":[{"field":"role","message":"unknown"}]}}`
	for _, tc := range []struct {
		status    int
		body      string
		role      string
		permanent bool
	}{
		{400, `{}`, "", true}, {404, `{}`, "", true}, {409, `{}`, "", true}, {413, `{}`, "", true}, {422, `{}`, "", true},
		{401, `{}`, "", false}, {503, `{}`, "", false},
		{400, role, "candidate", false}, // a history replica older than roles: retried
		{400, role, "", true},
	} {
		c, hdr, _ := serve(t, tc.status, tc.body)
		_, err := c.RecordAttempt(context.Background(), internalapi.Attempt{SessionID: "s", UserID: "u", QuestionID: "q", Role: tc.role})
		if err == nil || internalapi.IsPermanent(err) != tc.permanent {
			t.Errorf("HTTP %d %s role %q: %v, want permanent %v", tc.status, tc.body, tc.role, err, tc.permanent)
		}
		want := "attempt:s:u"
		if tc.role != "" {
			want += ":q"
		}
		if got := hdr.Get("Idempotency-Key"); got != want {
			t.Errorf("Idempotency-Key %q, want %q", got, want)
		}
	}
}

func TestCreateSessionSendsModeForMockInterviewsOnly(t *testing.T) {
	t.Parallel()
	c, hdr, body := serve(t, 201, `{"session_id":"s1"}`)
	id, created, err := c.CreateSession(context.Background(), internalapi.NewSession{MatchID: "m", Mode: internalapi.ModePractise, InterviewerID: "x"})
	if err != nil || id != "s1" || !created || hdr.Get("Idempotency-Key") != "m" {
		t.Fatalf("%q %v %v, key %q", id, created, err, hdr.Get("Idempotency-Key"))
	}
	if _, sent := (*body)["mode"]; sent {
		t.Fatalf("practise sent a mode: %v", *body)
	}
	if _, sent := (*body)["interviewer_id"]; sent {
		t.Fatalf("practise sent an interviewer: %v", *body)
	}
	if _, _, err := c.CreateSession(context.Background(), internalapi.NewSession{MatchID: "m", Mode: internalapi.ModeMock, InterviewerID: "x"}); err != nil ||
		(*body)["mode"] != "mock" || (*body)["interviewer_id"] != "x" {
		t.Fatalf("mock: %v %v", *body, err)
	}
}
