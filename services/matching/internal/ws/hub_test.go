package ws

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/socket"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

func state(id string, epoch, seq, ver int64, st match.Status) *match.Ticket {
	return &match.Ticket{ID: id, UserID: "u", Status: st, Epoch: epoch, Seq: seq, Version: ver}
}

func typeOf(t *testing.T, b []byte) string {
	t.Helper()
	if b == nil {
		return ""
	}
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e.Type + ":" + e.TicketID
}

// TestSocketNeverGoesBack: a socket only ever moves to a newer state; a
// lost ticket turns into failed only while it is the live one.
func TestSocketNeverGoesBack(t *testing.T) {
	t.Parallel()
	steps := []struct {
		name string
		n    note
		want string
	}{
		{"first state is sent", note{ticket: state("a", 1, 5, 1, match.StatusQueued)}, "queued:a"},
		{"the same state again is not", note{ticket: state("a", 1, 5, 1, match.StatusQueued)}, ""},
		{"a pairing state is shown as queued", note{ticket: state("a", 1, 5, 2, match.StatusQueued)}, "queued:a"},
		{"a newer version is sent", note{ticket: state("a", 1, 5, 3, match.StatusMatched)}, "matched:a"},
		{"an older version is dropped", note{ticket: state("a", 1, 5, 2, match.StatusQueued)}, ""},
		{"an older ticket is dropped", note{ticket: state("z", 1, 4, 9, match.StatusTimeout)}, ""},
		{"a lost report for an ended ticket is ignored", note{lost: "a"}, ""},
		{"a newer ticket is sent", note{ticket: state("b", 1, 9, 1, match.StatusQueued)}, "queued:b"},
		{"a lost report for another ticket is ignored", note{lost: "a"}, ""},
		{"the live ticket lost becomes failed", note{lost: "b"}, "failed:b"},
		{"a ticket of a new data set is sent though its seq is lower", note{ticket: state("c", 2, 1, 1, match.StatusQueued)}, "queued:c"},
		{"a ping is answered", note{pong: true}, ""},
	}
	c := &conn{}
	for _, s := range steps {
		got := c.next(s.n)
		if s.n.pong {
			if string(got) != `{"type":"pong"}` {
				t.Fatalf("%s: %s", s.name, got)
			}
			continue
		}
		if g := typeOf(t, got); g != s.want {
			t.Fatalf("%s: got %q, want %q", s.name, g, s.want)
		}
	}
	if last, _ := c.lastState(); last.ID != "c" {
		t.Fatalf("last %+v", last)
	}
	var e Event
	_ = json.Unmarshal(c.next(note{lost: "c"}), &e)
	if e.Reason == "" {
		t.Fatal("failed without a reason")
	}
}

func TestSlowSocketIsDropped(t *testing.T) {
	t.Parallel()
	c := &conn{Conn: socket.NewConn(socket.ConnOptions{MaxQueue: 2})}
	for range 3 {
		c.push(note{pong: true})
	}
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("a socket with a full queue was kept")
	}
	if code, _ := c.CloseStatus(); code != socket.TooSlow {
		t.Fatal("not marked slow")
	}
}

func TestEventShapes(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		t    match.Ticket
		want string
	}{
		{"queued", match.Ticket{ID: "t", Status: match.StatusQueued, QueuedAt: at, ExpiresAt: at.Add(30 * time.Second),
			Criteria: match.Criteria{Difficulty: "easy", Topic: "arrays"}},
			`{"type":"queued","ticket_id":"t","criteria":{"difficulty":"easy","topic":"arrays","mode":"practise"},"queued_at":"2026-01-02T03:04:05Z","expires_at":"2026-01-02T03:04:35Z","relaxed":false}`},
		{"matched", match.Ticket{ID: "t", Status: match.StatusMatched, Match: &match.MatchInfo{ID: "m", SessionID: "s", QuestionID: "q", Partner: match.Partner{ID: "p", Username: "pat"}}},
			`{"type":"matched","ticket_id":"t","match_id":"m","session_id":"s","question_id":"q","partner":{"id":"p","username":"pat"},"mode":"practise"}`},
		{"queued for a mock interview as interviewer", match.Ticket{ID: "t", Status: match.StatusQueued, QueuedAt: at, ExpiresAt: at.Add(30 * time.Second),
			Criteria: match.Criteria{Difficulty: "easy", Topic: "arrays", Language: "go", Mode: match.ModeMock, StartAsInterviewer: true}},
			`{"type":"queued","ticket_id":"t","criteria":{"difficulty":"easy","topic":"arrays","language":"go","mode":"mock","start_as_interviewer":true},"queued_at":"2026-01-02T03:04:05Z","expires_at":"2026-01-02T03:04:35Z","relaxed":false}`},
		{"matched in a mock interview", match.Ticket{ID: "t", Status: match.StatusMatched, Criteria: match.Criteria{Mode: match.ModeMock},
			Match: &match.MatchInfo{ID: "m", SessionID: "s", QuestionID: "q", Partner: match.Partner{ID: "p", Username: "pat"}, Role: match.RoleCandidate}},
			`{"type":"matched","ticket_id":"t","match_id":"m","session_id":"s","question_id":"q","partner":{"id":"p","username":"pat"},"mode":"mock","role":"candidate"}`},
		{"failed", match.Ticket{ID: "t", Status: match.StatusFailed, Reason: "why"}, `{"type":"failed","ticket_id":"t","reason":"why"}`},
		{"timeout", match.Ticket{ID: "t", Status: match.StatusTimeout}, `{"type":"timeout","ticket_id":"t"}`},
		{"cancelled", match.Ticket{ID: "t", Status: match.StatusCancelled}, `{"type":"cancelled","ticket_id":"t"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, _ := json.Marshal(EventFor(tt.t))
			if string(b) != tt.want {
				t.Fatalf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

// FuzzParseClientMessage: any bytes from a client are parsed without
// panicking, and only a short string type is accepted.
func FuzzParseClientMessage(f *testing.F) {
	for _, s := range []string{`{"type":"ping"}`, `{"type":""}`, `{"type":1}`, `[]`, `null`, ``, `{"type":"ping","x":[1,2]}`,
		`{"type":"` + string(make([]byte, 40)) + `"}`, "\xff\xfe", `{"type":"ping"}{"type":"ping"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, ok := ParseClientMessage(data)
		if ok && (m.Type == "" || len(m.Type) > 32) {
			t.Fatalf("accepted %q", data)
		}
	})
}
