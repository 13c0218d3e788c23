package match

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/validation"
)

func TestCriteriaValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		c      Criteria
		fields string
	}{
		{"complete criteria are valid", Criteria{Difficulty: "easy", Topic: "arrays", Language: "go"}, ""},
		{"any language is valid", Criteria{Difficulty: "hard", Topic: "dynamic-programming", Language: ""}, ""},
		{"nothing names difficulty and topic", Criteria{}, "difficulty,topic"},
		{"unknown difficulty", Criteria{Difficulty: "expert", Topic: "arrays", Language: ""}, "difficulty"},
		{"upper-case topic", Criteria{Difficulty: "easy", Topic: "Arrays", Language: ""}, "topic"},
		{"topic with a trailing dash", Criteria{Difficulty: "easy", Topic: "arrays-", Language: ""}, "topic"},
		{"overlong topic", Criteria{Difficulty: "easy", Topic: strings.Repeat("a", 65), Language: ""}, "topic"},
		{"unknown language", Criteria{Difficulty: "easy", Topic: "arrays", Language: "rust"}, "language"},
		{"language in capitals", Criteria{Difficulty: "easy", Topic: "arrays", Language: "Go"}, "language"},
		{"practise is a mode", Criteria{Difficulty: "easy", Topic: "arrays", Mode: ModePractise}, ""},
		{"a mock interview may ask to start as interviewer", Criteria{Difficulty: "easy", Topic: "arrays", Mode: ModeMock, StartAsInterviewer: true}, ""},
		{"unknown mode", Criteria{Difficulty: "easy", Topic: "arrays", Mode: "exam"}, "mode"},
		{"starting as interviewer outside a mock interview", Criteria{Difficulty: "easy", Topic: "arrays", StartAsInterviewer: true}, "start_as_interviewer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.c.Validate()
			var ve *validation.Error
			if tt.fields == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("err %v", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != tt.fields {
				t.Fatalf("fields %v, want %s", got, tt.fields)
			}
		})
	}
}

func TestCompatible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		a, b    Criteria
		relaxed bool
		want    bool
	}{
		{"identical", Criteria{Difficulty: "easy", Topic: "arrays", Language: "go"}, Criteria{Difficulty: "easy", Topic: "arrays", Language: "go"}, false, true},
		{"any language meets a language", Criteria{Difficulty: "easy", Topic: "arrays", Language: ""}, Criteria{Difficulty: "easy", Topic: "arrays", Language: "go"}, false, true},
		{"two languages differ", Criteria{Difficulty: "easy", Topic: "arrays", Language: "java"}, Criteria{Difficulty: "easy", Topic: "arrays", Language: "go"}, true, false},
		{"difficulties differ before relaxing", Criteria{Difficulty: "easy", Topic: "arrays", Language: ""}, Criteria{Difficulty: "hard", Topic: "arrays", Language: ""}, false, false},
		{"difficulties differ after relaxing", Criteria{Difficulty: "easy", Topic: "arrays", Language: ""}, Criteria{Difficulty: "hard", Topic: "arrays", Language: ""}, true, true},
		{"topics differ even relaxed", Criteria{Difficulty: "easy", Topic: "arrays", Language: ""}, Criteria{Difficulty: "easy", Topic: "trees", Language: ""}, true, false},
		{"modes differ even relaxed", Criteria{Difficulty: "easy", Topic: "arrays", Mode: ModeMock}, Criteria{Difficulty: "easy", Topic: "arrays"}, true, false},
		{"no mode is practise", Criteria{Difficulty: "easy", Topic: "arrays", Mode: ModePractise}, Criteria{Difficulty: "easy", Topic: "arrays"}, false, true},
		{"two mock tickets pair whoever wants to interview", Criteria{Difficulty: "easy", Topic: "arrays", Mode: ModeMock, StartAsInterviewer: true}, Criteria{Difficulty: "easy", Topic: "arrays", Mode: ModeMock, StartAsInterviewer: true}, false, true},
	}
	for _, tt := range tests {
		if got := Compatible(tt.a, tt.b, tt.relaxed); got != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
	if SessionLanguage("", "go") != "go" || SessionLanguage("java", "") != "java" || SessionLanguage("", "") != "" {
		t.Error("session language")
	}
}

func TestSweepInterval(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ relax, timeout, want time.Duration }{
		{10 * time.Second, 30 * time.Second, 500 * time.Millisecond},
		{time.Second, 30 * time.Second, 100 * time.Millisecond},
		{0, 30 * time.Second, 20 * time.Millisecond},
		{time.Hour, 200 * time.Millisecond, 20 * time.Millisecond},
	} {
		if got := SweepInterval(tt.relax, tt.timeout); got != tt.want {
			t.Errorf("SweepInterval(%v, %v) = %v, want %v", tt.relax, tt.timeout, got, tt.want)
		}
	}
}

// fakeStore answers Cancel with a pairing ticket that becomes matched
// after a few reads.
type fakeStore struct {
	Store
	cancelled Ticket
	reads     atomic.Int32
	after     int32
	final     Ticket
	enqueued  atomic.Int32
	current   Ticket // what Current answers; zero: no ticket
	seen      Ticket // what Enqueue was given
}

func (f *fakeStore) Cancel(context.Context, string) (Ticket, error) { return f.cancelled, nil }
func (f *fakeStore) Ticket(context.Context, string) (Ticket, error) {
	if f.reads.Add(1) >= f.after {
		return f.final, nil
	}
	return f.cancelled, nil
}
func (f *fakeStore) Enqueue(_ context.Context, id, user string, c Criteria, seen Ticket) (Ticket, error) {
	f.enqueued.Add(1)
	f.seen = seen
	return Ticket{ID: id, UserID: user, Criteria: c, Status: StatusQueued}, nil
}

func (f *fakeStore) Current(context.Context, string) (Ticket, error) {
	if f.current.ID == "" {
		return Ticket{}, ErrNotFound
	}
	return f.current, nil
}

// fakeSessions is collaboration-service's answer about the user's session.
type fakeSessions struct {
	id    string
	err   error
	calls atomic.Int32
}

func (f *fakeSessions) Current(context.Context, string) (string, error) {
	f.calls.Add(1)
	return f.id, f.err
}

type fakeTopics struct {
	info TopicInfo
	err  error
}

func (f fakeTopics) Lookup(context.Context, string, string) (TopicInfo, error) { return f.info, f.err }

func TestCancel(t *testing.T) {
	t.Parallel()
	pairing := Ticket{ID: "t", Status: StatusQueued, Pairing: true}
	matched := Ticket{ID: "t", Status: StatusMatched, Match: &MatchInfo{ID: "m"}}
	tests := []struct {
		name     string
		store    *fakeStore
		wait     time.Duration
		conflict bool
		status   Status
	}{
		{"a waiting ticket is cancelled", &fakeStore{cancelled: Ticket{Status: StatusCancelled}}, time.Second, false, StatusCancelled},
		{"a ticket being paired waits for its match", &fakeStore{cancelled: pairing, after: 3, final: matched}, time.Second, true, StatusMatched},
		{"a pairing that takes too long is still a conflict", &fakeStore{cancelled: pairing, after: 1000, final: matched}, 100 * time.Millisecond, true, StatusQueued},
		{"a timed-out ticket is a conflict", &fakeStore{cancelled: Ticket{Status: StatusTimeout}}, time.Second, true, StatusTimeout},
		{"a failed ticket is a conflict", &fakeStore{cancelled: Ticket{Status: StatusFailed}}, time.Second, true, StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(Deps{Store: tt.store, CancelWait: tt.wait})
			got, err := s.Cancel(context.Background(), "u")
			var ce *ConflictError
			if errors.As(err, &ce) != tt.conflict {
				t.Fatalf("err %v", err)
			}
			if tt.conflict {
				got = ce.Ticket
			}
			if got.Status != tt.status {
				t.Fatalf("status %s, want %s", got.Status, tt.status)
			}
		})
	}
}

func TestEnqueueChecksTheTopic(t *testing.T) {
	t.Parallel()
	c := Criteria{Difficulty: "easy", Topic: "arrays"}
	tests := []struct {
		name   string
		topics fakeTopics
		check  func(error) bool
	}{
		{"a known topic is queued", fakeTopics{info: TopicInfo{Known: true, HasQuestions: true}}, func(err error) bool { return err == nil }},
		{"an unknown topic is invalid", fakeTopics{}, func(err error) bool { return errors.As(err, new(*validation.Error)) }},
		{"a topic without questions of the difficulty is invalid", fakeTopics{info: TopicInfo{Known: true}}, func(err error) bool { return errors.As(err, new(*validation.Error)) }},
		{"no topic list is unavailable", fakeTopics{err: ErrUnavailable}, func(err error) bool { return errors.Is(err, ErrUnavailable) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := &fakeStore{}
			_, err := NewService(Deps{Store: st, Topics: tt.topics, Sessions: &fakeSessions{}}).Enqueue(context.Background(), "u", c)
			if !tt.check(err) {
				t.Fatalf("err %v", err)
			}
			if (err == nil) != (st.enqueued.Load() == 1) {
				t.Fatal("store called despite an error, or not at all")
			}
		})
	}
}

func TestEnqueueRefusesAUserInASession(t *testing.T) {
	t.Parallel()
	c := Criteria{Difficulty: "easy", Topic: "arrays"}
	topics := fakeTopics{info: TopicInfo{Known: true, HasQuestions: true}}
	matched := Ticket{ID: "old", Status: StatusMatched, Version: 4, Match: &MatchInfo{ID: "m", SessionID: "s1"}}
	tests := []struct {
		name      string
		store     *fakeStore
		sessions  *fakeSessions
		check     func(error) bool
		askedColl bool
	}{
		{"a user in an active session is sent back to it", &fakeStore{current: matched}, &fakeSessions{id: "s1"},
			func(err error) bool {
				var ie *InSessionError
				return errors.As(err, &ie) && ie.SessionID == "s1"
			}, true},
		{"a user who left their session may queue again", &fakeStore{current: matched}, &fakeSessions{},
			func(err error) bool { return err == nil }, true},
		{"a queued ticket is a conflict, without asking collaboration", &fakeStore{current: Ticket{ID: "q", Status: StatusQueued}}, &fakeSessions{},
			func(err error) bool { return errors.As(err, new(*ConflictError)) }, false},
		{"collaboration unreachable: the store decides from the matched ticket alone", &fakeStore{current: matched}, &fakeSessions{err: ErrUnavailable},
			func(err error) bool { return err == nil }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewService(Deps{Store: tt.store, Topics: topics, Sessions: tt.sessions}).Enqueue(context.Background(), "u", c)
			if !tt.check(err) {
				t.Fatalf("err %v", err)
			}
			if (tt.sessions.calls.Load() > 0) != tt.askedColl {
				t.Fatalf("collaboration asked %d times", tt.sessions.calls.Load())
			}
			want := tt.store.current
			if tt.sessions.err != nil {
				want = Ticket{} // no answer covers any matched ticket
			}
			if err == nil && (tt.store.seen.ID != want.ID || tt.store.seen.Version != want.Version) {
				t.Fatalf("the store was told its ticket %+v is covered, want %+v", tt.store.seen, want)
			}
		})
	}
}
