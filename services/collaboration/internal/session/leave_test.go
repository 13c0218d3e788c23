package session

import (
	"errors"
	"testing"
	"time"
)

func TestLeave(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	earlier := now.Add(-time.Minute)
	active := Session{UserIDs: [2]string{"ann", "ben"}, Status: StatusActive}
	annLeft := active
	annLeft.LeftAt = [2]*time.Time{&earlier, nil}
	ended := active
	ended.Status, ended.EndReason, ended.EndedAt = StatusEnded, EndIdle, &earlier
	cases := []struct {
		name      string
		in        Session
		user      string
		err       error
		ended     bool
		status    string
		leftNow   bool
		endReason string
	}{
		{"the first to leave leaves the session active", active, "ann", nil, false, StatusActive, true, ""},
		{"the second to leave ends it", annLeft, "ben", nil, true, StatusEnded, true, EndLeft},
		{"leaving twice changes nothing", annLeft, "ann", nil, false, StatusActive, false, ""},
		{"leaving an ended session changes nothing", ended, "ann", nil, false, StatusEnded, false, EndIdle},
		{"a stranger is not found", active, "eve", ErrNotFound, false, StatusActive, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.in
			got, err := s.Leave(tc.user, now)
			if !errors.Is(err, tc.err) || got != tc.ended || s.Status != tc.status || s.EndReason != tc.endReason {
				t.Fatalf("Leave = %v, %v; session %+v", got, err, s)
			}
			i := s.index(tc.user)
			if left := i >= 0 && s.LeftAt[i] != nil && s.LeftAt[i].Equal(now); left != tc.leftNow {
				t.Fatalf("left at %v", s.LeftAt)
			}
			if tc.ended && (s.EndedAt == nil || !s.EndedAt.Equal(now)) {
				t.Fatalf("ended at %v", s.EndedAt)
			}
		})
	}
}
