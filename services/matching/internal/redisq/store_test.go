package redisq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// replicas returns n Stores over one fresh key prefix, as n replicas of the
// service would see Redis.
func replicas(t testing.TB, n int, o Options) ([]*Store, *redis.Client) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	out := make([]*Store, n)
	for i := range out {
		out[i] = New(rdb, prefix, o)
	}
	return out, rdb
}

func newStore(t testing.TB, o Options) *Store {
	t.Helper()
	s, _ := replicas(t, 1, o)
	return s[0]
}

var slow = Options{RelaxAfter: time.Hour, MatchTimeout: time.Hour}

func crit(d, topic, lang string) match.Criteria {
	return match.Criteria{Difficulty: d, Topic: topic, Language: lang}
}

// enqueue queues a ticket for a fresh user.
func enqueue(t testing.TB, s *Store, c match.Criteria) match.Ticket {
	t.Helper()
	return enqueueAs(t, s, uuid.NewString(), c)
}

func enqueueAs(t testing.TB, s *Store, user string, c match.Criteria) match.Ticket {
	t.Helper()
	tk, err := s.Enqueue(context.Background(), uuid.NewString(), user, c, match.Ticket{})
	if err != nil {
		t.Fatalf("enqueue %v: %v", c, err)
	}
	return tk
}

func ticket(t testing.TB, s *Store, id string) match.Ticket {
	t.Helper()
	tk, err := s.Ticket(context.Background(), id)
	if err != nil {
		t.Fatalf("ticket %s: %v", id, err)
	}
	return tk
}

// matchOf returns the match a pairing ticket belongs to.
func matchOf(t testing.TB, s *Store, ticketID string) setup.Match {
	t.Helper()
	mid, err := s.rdb.HGet(context.Background(), s.Key("t:"+ticketID), "match_id").Result()
	if err != nil {
		t.Fatalf("ticket %s has no match: %v", ticketID, err)
	}
	m, err := s.Match(context.Background(), mid)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestExactMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		a, b  match.Criteria
		match bool
	}{
		{"same criteria pair", crit("easy", "arrays", "python"), crit("easy", "arrays", "python"), true},
		{"any language pairs with a language", crit("easy", "arrays", ""), crit("easy", "arrays", "go"), true},
		{"a language pairs with any language", crit("medium", "graphs", "java"), crit("medium", "graphs", ""), true},
		{"two any languages pair", crit("hard", "trees", ""), crit("hard", "trees", ""), true},
		{"different languages do not pair", crit("easy", "arrays", "python"), crit("easy", "arrays", "java"), false},
		{"different difficulties do not pair before relaxing", crit("easy", "arrays", ""), crit("hard", "arrays", ""), false},
		{"different topics never pair", crit("easy", "arrays", ""), crit("easy", "strings", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, slow)
			a := enqueue(t, s, tt.a)
			if a.Status != match.StatusQueued || a.Pairing {
				t.Fatalf("first ticket: %+v", a)
			}
			b := enqueue(t, s, tt.b)
			if b.Pairing != tt.match {
				t.Fatalf("second ticket pairing = %v, want %v", b.Pairing, tt.match)
			}
			if !tt.match {
				if ticket(t, s, a.ID).Pairing {
					t.Fatal("first ticket was paired")
				}
				return
			}
			m := matchOf(t, s, b.ID)
			if m.TicketIDs != [2]string{a.ID, b.ID} || m.UserIDs != [2]string{a.UserID, b.UserID} {
				t.Fatalf("match %+v", m)
			}
			if want := match.SessionLanguage(tt.a.Language, tt.b.Language); m.Language != want || m.Difficulty != tt.a.Difficulty || m.Topic != tt.a.Topic || m.Status != setup.StatusPending {
				t.Fatalf("match %+v, want language %q", m, want)
			}
			if !ticket(t, s, a.ID).Pairing {
				t.Fatal("first ticket not pairing")
			}
		})
	}
}

func TestFIFOWithinQueue(t *testing.T) {
	t.Parallel()
	s := newStore(t, slow)
	// Three waiting tickets no two of which are compatible; a newcomer
	// compatible with all takes the oldest, the next the one after.
	java := enqueue(t, s, crit("easy", "arrays", "java"))
	python := enqueue(t, s, crit("easy", "arrays", "python"))
	cpp := enqueue(t, s, crit("easy", "arrays", "cpp"))
	for _, want := range []match.Ticket{java, python, cpp} {
		n := enqueue(t, s, crit("easy", "arrays", ""))
		if m := matchOf(t, s, n.ID); m.TicketIDs[0] != want.ID {
			t.Fatalf("newcomer paired with %s, want the oldest waiting %s (%s)", m.TicketIDs[0], want.ID, want.Criteria.Language)
		}
	}
	// Within one exact queue: the first of two waiting "any" tickets... can
	// only wait alone, so check order across the exact and the any queue.
	first := enqueue(t, s, crit("hard", "graphs", "go"))
	second := enqueue(t, s, crit("hard", "graphs", "python"))
	third := enqueue(t, s, crit("hard", "graphs", "go"))
	if m := matchOf(t, s, third.ID); m.TicketIDs[0] != first.ID {
		t.Fatalf("go newcomer paired with %s, want %s", m.TicketIDs[0], first.ID)
	}
	if ticket(t, s, second.ID).Pairing {
		t.Fatal("python ticket paired with a go ticket")
	}
}

func TestRelax(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a relaxed ticket pairs with another difficulty at the sweep", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, Options{RelaxAfter: 150 * time.Millisecond, MatchTimeout: time.Hour})
		easy := enqueue(t, s, crit("easy", "arrays", ""))
		hard := enqueue(t, s, crit("hard", "arrays", "go"))
		other := enqueue(t, s, crit("medium", "strings", ""))
		if n, _, err := s.Relax(ctx, 100); err != nil || n != 0 {
			t.Fatalf("early relax: %d %v", n, err)
		}
		time.Sleep(200 * time.Millisecond)
		if n, _, err := s.Relax(ctx, 100); err != nil || n != 1 {
			t.Fatalf("relax: %d pairs, %v; want 1", n, err)
		}
		m := matchOf(t, s, easy.ID)
		if m.TicketIDs != [2]string{easy.ID, hard.ID} || m.Difficulty != "easy" || m.Language != "go" {
			t.Fatalf("match %+v: want easy (the longer-waiting ticket's difficulty) in go", m)
		}
		if ticket(t, s, other.ID).Pairing {
			t.Fatal("a ticket of another topic was paired")
		}
	})
	t.Run("a newcomer pairs with a relaxed ticket of another difficulty", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, Options{RelaxAfter: 100 * time.Millisecond, MatchTimeout: time.Hour})
		old := enqueue(t, s, crit("medium", "trees", "java"))
		time.Sleep(150 * time.Millisecond)
		if _, _, err := s.Relax(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if ticket(t, s, enqueue(t, s, crit("easy", "trees", "python")).ID).Pairing {
			t.Fatal("paired across languages")
		}
		n := enqueue(t, s, crit("hard", "trees", ""))
		m := matchOf(t, s, n.ID)
		if m.TicketIDs[0] != old.ID || m.Difficulty != "medium" {
			t.Fatalf("match %+v", m)
		}
	})
	t.Run("a newcomer prefers an exact match to a relaxed one", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, Options{RelaxAfter: 100 * time.Millisecond, MatchTimeout: time.Hour})
		relaxed := enqueue(t, s, crit("easy", "heaps", ""))
		time.Sleep(150 * time.Millisecond)
		if _, _, err := s.Relax(ctx, 100); err != nil {
			t.Fatal(err)
		}
		exact := enqueue(t, s, crit("hard", "heaps", "go"))
		// exact was paired with relaxed at once (it may: relaxed waited).
		if m := matchOf(t, s, exact.ID); m.TicketIDs[0] != relaxed.ID {
			t.Fatalf("match %+v", m)
		}
		a := enqueue(t, s, crit("hard", "math", ""))
		time.Sleep(150 * time.Millisecond)
		if _, _, err := s.Relax(ctx, 100); err != nil {
			t.Fatal(err)
		}
		b := enqueue(t, s, crit("easy", "math", "cpp"))
		if !ticket(t, s, b.ID).Pairing || matchOf(t, s, b.ID).TicketIDs[0] != a.ID {
			t.Fatal("relaxed pairing expected")
		}
		c := enqueue(t, s, crit("easy", "math", "cpp"))
		d := enqueue(t, s, crit("easy", "math", "cpp"))
		if matchOf(t, s, d.ID).TicketIDs[0] != c.ID {
			t.Fatal("exact pairing expected")
		}
	})
	t.Run("relax zero matches any difficulty at once", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, Options{RelaxAfter: 0, MatchTimeout: time.Hour})
		a := enqueue(t, s, crit("easy", "greedy", ""))
		b := enqueue(t, s, crit("hard", "greedy", ""))
		if m := matchOf(t, s, b.ID); m.TicketIDs[0] != a.ID {
			t.Fatalf("match %+v", m)
		}
	})
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Options{RelaxAfter: time.Hour, MatchTimeout: 150 * time.Millisecond})
	a := enqueue(t, s, crit("easy", "arrays", "python"))
	if n, _, err := s.Expire(ctx, 100); err != nil || n != 0 {
		t.Fatalf("early expire: %d %v", n, err)
	}
	if !a.ExpiresAt.After(a.QueuedAt) || a.ExpiresAt.Sub(a.QueuedAt) != 150*time.Millisecond {
		t.Fatalf("queued %v expires %v", a.QueuedAt, a.ExpiresAt)
	}
	time.Sleep(200 * time.Millisecond)
	if n, _, err := s.Expire(ctx, 100); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	got := ticket(t, s, a.ID)
	if got.Status != match.StatusTimeout || got.Version != a.Version+1 {
		t.Fatalf("after expiry: %+v", got)
	}
	cur, err := s.Current(ctx, a.UserID)
	if err != nil || cur.ID != a.ID || cur.Status != match.StatusTimeout {
		t.Fatalf("current: %+v %v", cur, err)
	}
	// The user may queue again; the timed-out ticket is never paired.
	again := enqueueAs(t, s, a.UserID, crit("easy", "arrays", "python"))
	if again.Pairing || again.ID == a.ID {
		t.Fatalf("requeue: %+v", again)
	}

	t.Run("an overdue ticket the sweep has not reached is not paired", func(t *testing.T) {
		s := newStore(t, Options{RelaxAfter: time.Hour, MatchTimeout: 100 * time.Millisecond})
		old := enqueue(t, s, crit("hard", "graphs", ""))
		time.Sleep(150 * time.Millisecond)
		n := enqueue(t, s, crit("hard", "graphs", ""))
		if n.Pairing {
			t.Fatal("paired with an overdue ticket")
		}
		if st := ticket(t, s, old.ID).Status; st != match.StatusTimeout {
			t.Fatalf("overdue ticket %s", st)
		}
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, slow)
	if _, err := s.Cancel(ctx, uuid.NewString()); !errors.Is(err, match.ErrNotFound) {
		t.Fatalf("cancel without ticket: %v", err)
	}
	a := enqueue(t, s, crit("easy", "arrays", ""))
	got, err := s.Cancel(ctx, a.UserID)
	if err != nil || got.Status != match.StatusCancelled {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	again, err := s.Cancel(ctx, a.UserID)
	if err != nil || again.Status != match.StatusCancelled || again.Version != got.Version {
		t.Fatalf("cancel twice: %+v %v", again, err)
	}
	if b := enqueue(t, s, crit("easy", "arrays", "")); b.Pairing {
		t.Fatal("a newcomer paired with a cancelled ticket")
	}
}

// TestCancelVersusMatch races a cancel against a compatible newcomer on two
// replicas, many times: the ticket ends cancelled or paired, never both.
func TestCancelVersusMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs, _ := replicas(t, 2, slow)
	var cancelled, paired int
	for i := range 60 {
		topic := fmt.Sprintf("race-%d", i)
		a := enqueue(t, rs[0], crit("easy", topic, ""))
		var (
			wg   sync.WaitGroup
			b    match.Ticket
			cres match.Ticket
			cerr error
		)
		wg.Add(2)
		go func() { defer wg.Done(); cres, cerr = rs[0].Cancel(ctx, a.UserID) }()
		go func() { defer wg.Done(); b = enqueue(t, rs[1], crit("easy", topic, "")) }()
		wg.Wait()
		if cerr != nil {
			t.Fatal(cerr)
		}
		final := ticket(t, rs[0], a.ID)
		switch {
		case final.Status == match.StatusCancelled:
			cancelled++
			if cres.Status != match.StatusCancelled || b.Pairing || ticket(t, rs[1], b.ID).Pairing {
				t.Fatalf("cancelled ticket also paired: cancel %+v newcomer %+v", cres, b)
			}
		case final.Pairing:
			paired++
			if cres.Status == match.StatusCancelled || !cres.Pairing || !b.Pairing || matchOf(t, rs[0], a.ID).TicketIDs[1] != b.ID {
				t.Fatalf("paired ticket reported cancelled: cancel %+v newcomer %+v", cres, b)
			}
		default:
			t.Fatalf("ticket ended %+v", final)
		}
	}
	t.Logf("cancelled %d, paired %d", cancelled, paired)
}

func TestNoSelfMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs, rdb := replicas(t, 2, Options{RelaxAfter: 0, MatchTimeout: time.Hour})
	user := uuid.NewString()
	first := enqueueAs(t, rs[0], user, crit("easy", "arrays", ""))

	t.Run("a second ticket while one waits is a conflict with the live ticket", func(t *testing.T) {
		_, err := rs[1].Enqueue(ctx, uuid.NewString(), user, crit("easy", "arrays", ""), match.Ticket{})
		var ce *match.ConflictError
		if !errors.As(err, &ce) || ce.Ticket.ID != first.ID {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("concurrent requests of one user leave one live ticket", func(t *testing.T) {
		u := uuid.NewString()
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := rs[i%2].Enqueue(ctx, uuid.NewString(), u, crit("medium", "solo", ""), match.Ticket{}); err == nil {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d tickets accepted", ok.Load())
		}
	})
	t.Run("even with a stray ticket of the same user queued the user is never paired with themself", func(t *testing.T) {
		// Forget the user's pointer so the script lets a second ticket in,
		// as a corrupted index would: the waiting ticket is still refused.
		if err := rdb.Del(ctx, rs[0].Key("u:"+user)).Err(); err != nil {
			t.Fatal(err)
		}
		second := enqueueAs(t, rs[1], user, crit("easy", "arrays", ""))
		if second.Pairing || ticket(t, rs[0], first.ID).Pairing {
			t.Fatal("a user was paired with themself")
		}
		other := enqueue(t, rs[0], crit("easy", "arrays", ""))
		if m := matchOf(t, rs[0], other.ID); m.UserIDs[0] != user || m.UserIDs[1] == user {
			t.Fatalf("match %+v", m)
		}
	})
}

// TestConcurrentSweeps runs the relax and expire sweeps of two replicas at
// once over many tickets: each ticket is paired at most once.
func TestConcurrentSweeps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs, rdb := replicas(t, 2, Options{RelaxAfter: 100 * time.Millisecond, MatchTimeout: 2 * time.Second})
	diffs := []string{"easy", "medium", "hard"}
	var ids []string
	for i := range 90 {
		// Per topic one ticket of each difficulty: none pair before relaxing.
		tk := enqueue(t, rs[0], crit(diffs[i%3], fmt.Sprintf("topic-%d", i/3%10), ""))
		if tk.Pairing {
			// A later round of a topic pairs at once with the first round's
			// same difficulty; that is an exact match and fine.
			continue
		}
		ids = append(ids, tk.ID)
	}
	time.Sleep(150 * time.Millisecond)
	var wg sync.WaitGroup
	for _, s := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, _, err := s.Relax(ctx, 7); err != nil {
					t.Error(err)
				}
				if _, _, err := s.Expire(ctx, 7); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]string{}
	iter := rdb.Scan(ctx, 0, rs[0].Key("m:*"), 100).Iterator()
	matches := 0
	for iter.Next(ctx) {
		f := rdb.HGetAll(ctx, iter.Val()).Val()
		matches++
		for _, tid := range []string{f["ticket_a"], f["ticket_b"]} {
			if prev, dup := seen[tid]; dup {
				t.Fatalf("ticket %s in matches %s and %s", tid, prev, f["id"])
			}
			seen[tid] = f["id"]
			if mid := ticket(t, rs[0], tid).ID; mid == "" {
				t.Fatal("missing ticket")
			}
		}
	}
	waiting := 0
	for _, id := range ids {
		if tk := ticket(t, rs[0], id); !tk.Pairing && tk.Status == match.StatusQueued {
			waiting++
		}
	}
	if matches == 0 || waiting > 10 {
		t.Fatalf("%d matches, %d still waiting", matches, waiting)
	}
}

func TestFinishAndFailSettleOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, slow)
	a := enqueue(t, s, crit("easy", "arrays", ""))
	b := enqueue(t, s, crit("easy", "arrays", ""))
	m := matchOf(t, s, b.ID)
	q, err := s.SetQuestion(ctx, m.ID, "q-1")
	if err != nil || q != "q-1" {
		t.Fatal(q, err)
	}
	if q, _ := s.SetQuestion(ctx, m.ID, "q-2"); q != "q-1" {
		t.Fatalf("second question %q replaced the first", q)
	}
	res := setup.Result{SessionID: "s-1", QuestionID: "q-1", Usernames: [2]string{"alice", "bob"}}
	if err := s.Finish(ctx, m.ID, res); err != nil {
		t.Fatal(err)
	}
	ta := ticket(t, s, a.ID)
	if ta.Status != match.StatusMatched || ta.Match == nil || *ta.Match != (match.MatchInfo{ID: m.ID, SessionID: "s-1", QuestionID: "q-1", Partner: match.Partner{ID: b.UserID, Username: "bob"}}) {
		t.Fatalf("ticket a: %+v %+v", ta, ta.Match)
	}
	if tb := ticket(t, s, b.ID); tb.Match.Partner.Username != "alice" {
		t.Fatalf("ticket b: %+v", tb.Match)
	}
	if err := s.Finish(ctx, m.ID, res); err != nil {
		t.Fatal(err)
	}
	if err := s.Fail(ctx, m.ID, "late"); err != nil {
		t.Fatal(err)
	}
	if again := ticket(t, s, a.ID); again.Version != ta.Version || again.Status != match.StatusMatched {
		t.Fatalf("settled twice: %+v", again)
	}
	if err := s.Fail(ctx, "no-such-match", "x"); !errors.Is(err, setup.ErrGone) {
		t.Fatalf("fail unknown: %v", err)
	}

	c := enqueue(t, s, crit("hard", "arrays", ""))
	d := enqueue(t, s, crit("hard", "arrays", ""))
	if err := s.Fail(ctx, matchOf(t, s, d.ID).ID, "no session"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{c.ID, d.ID} {
		if tk := ticket(t, s, id); tk.Status != match.StatusFailed || tk.Reason != "no session" {
			t.Fatalf("failed ticket %+v", tk)
		}
	}
	if again := enqueueAs(t, s, c.UserID, crit("hard", "arrays", "")); again.Pairing {
		t.Fatal("requeue after failure paired with nothing waiting?")
	}
}

func TestEventsFollowEveryStateChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Options{RelaxAfter: time.Hour, MatchTimeout: 100 * time.Millisecond})
	tail, err := s.EventsTail(ctx)
	if err != nil || tail != "0-0" {
		t.Fatal(tail, err)
	}
	a := enqueue(t, s, crit("easy", "arrays", ""))
	b := enqueue(t, s, crit("easy", "strings", ""))
	if _, err := s.Cancel(ctx, b.UserID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, _, err := s.Expire(ctx, 10); err != nil {
		t.Fatal(err)
	}
	evs, next, gap, err := s.ReadEvents(ctx, tail, 100, 0)
	if err != nil || gap {
		t.Fatal(gap, err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.ID[:4]+":"+string(e.Status))
	}
	want := []string{a.ID[:4] + ":queued", b.ID[:4] + ":queued", b.ID[:4] + ":cancelled", a.ID[:4] + ":timeout"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if !evs[3].Newer(evs[0]) || evs[0].Newer(evs[3]) || !evs[1].Newer(evs[0]) {
		t.Fatal("event order")
	}
	if more, _, _, _ := s.ReadEvents(ctx, next, 100, 10*time.Millisecond); len(more) != 0 {
		t.Fatalf("read again: %v", more)
	}
}

// TestEventsGapWhenTrimmed: a reader that falls further behind than the
// stream keeps is told so; one that keeps up is not.
func TestEventsGapWhenTrimmed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Options{RelaxAfter: time.Hour, EventsMaxLen: 10})
	enqueue(t, s, crit("easy", "arrays", ""))
	behind, err := s.EventsTail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// MAXLEN ~ trims whole stream nodes (100 entries by default).
	for range 400 {
		enqueue(t, s, crit("easy", "arrays", "")) // pairs: queued, matched…
	}
	upToDate, err := s.EventsTail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, _, gap, err := s.ReadEvents(ctx, behind, 1000, 0)
	if err != nil || !gap || len(evs) == 0 {
		t.Fatalf("reader far behind: %d events, gap %v, %v", len(evs), gap, err)
	}
	enqueue(t, s, crit("hard", "graphs", ""))
	evs, _, gap, err = s.ReadEvents(ctx, upToDate, 1000, 0)
	if err != nil || gap || len(evs) != 1 {
		t.Fatalf("reader up to date: %d events, gap %v, %v", len(evs), gap, err)
	}
}

func TestStreamIDLess(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"1-0", "1-1", true}, {"1-1", "1-0", false}, {"9-5", "10-0", true}, {"10-0", "9-5", false},
		{"5-5", "5-5", false}, {"7", "7-1", true}, {"x", "1-0", true}, {"1-0", "x", false},
	} {
		if got := streamIDLess(c.a, c.b); got != c.want {
			t.Errorf("streamIDLess(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestJobsGroup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs, _ := replicas(t, 2, slow)
	a, b := rs[0], rs[1]
	if _, err := a.ReadJobs(ctx, "a", 10, 0); !errors.Is(err, setup.ErrNoGroup) {
		t.Fatalf("read without group: %v", err)
	}
	if err := a.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	enqueue(t, a, crit("easy", "arrays", ""))
	second := enqueue(t, a, crit("easy", "arrays", ""))
	mid := matchOf(t, a, second.ID).ID
	jobs, err := a.ReadJobs(ctx, "a", 10, 0)
	if err != nil || len(jobs) != 1 || jobs[0].MatchID != mid {
		t.Fatalf("jobs %v %v", jobs, err)
	}
	if more, _ := b.ReadJobs(ctx, "b", 10, 10*time.Millisecond); len(more) != 0 {
		t.Fatalf("delivered twice: %v", more)
	}
	if got, _ := b.ClaimStale(ctx, "b", time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed a fresh job: %v", got)
	}
	// A released job is claimable at once; a touched one is not.
	if err := a.Touch(ctx, "a", []string{jobs[0].EntryID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.ClaimStale(ctx, "b", time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed a touched job: %v", got)
	}
	if err := a.Release(ctx, "a", []string{jobs[0].EntryID}); err != nil {
		t.Fatal(err)
	}
	got, err := b.ClaimStale(ctx, "b", time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].MatchID != mid {
		t.Fatalf("claim released: %v %v", got, err)
	}
	// a no longer owns it: its touch does not take it back.
	if err := a.Touch(ctx, "a", []string{jobs[0].EntryID}); err != nil {
		t.Fatal(err)
	}
	if err := b.Release(ctx, "b", []string{jobs[0].EntryID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.ClaimStale(ctx, "a", time.Minute, 10); len(got) != 1 {
		t.Fatalf("claim after b released: %v", got)
	}
	if err := a.Ack(ctx, jobs[0].EntryID); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.ClaimStale(ctx, "b", 0, 10); len(got) != 0 {
		t.Fatalf("acknowledged job claimed: %v", got)
	}
	// Consumers without jobs that were idle long enough are forgotten.
	enqueue(t, a, crit("hard", "arrays", ""))
	enqueue(t, a, crit("hard", "arrays", ""))
	if jobs, _ := a.ReadJobs(ctx, "busy", 10, 0); len(jobs) != 1 {
		t.Fatal("no job for busy")
	}
	time.Sleep(20 * time.Millisecond)
	if n, err := a.PruneConsumers(ctx, 10*time.Millisecond); err != nil || n != 2 {
		t.Fatalf("pruned %d (want a and b, not busy): %v", n, err)
	}
}

// TestRedisDataLoss restarts a Redis that keeps nothing: the epoch changes,
// the old tickets are gone and the store works on without a restart.
func TestRedisDataLoss(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.NewServer(t)
	opts, _ := redis.ParseURL(srv.URL())
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	s := New(rdb, "loss:", slow)
	e1, err := s.Epoch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := enqueue(t, s, crit("easy", "arrays", ""))
	if a.Epoch != e1 {
		t.Fatalf("ticket epoch %d, want %d", a.Epoch, e1)
	}
	srv.Restart(t)
	var e2 int64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if e2, err = s.Epoch(ctx); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || e2 <= e1 {
		t.Fatalf("epoch after restart %d (before %d): %v", e2, e1, err)
	}
	if _, err := s.Ticket(ctx, a.ID); !errors.Is(err, match.ErrNotFound) {
		t.Fatalf("old ticket: %v", err)
	}
	b := enqueueAs(t, s, a.UserID, crit("easy", "arrays", ""))
	if b.Epoch != e2 || b.Seq != 1 {
		t.Fatalf("new ticket %+v", b)
	}
}

// BenchmarkEnqueueOrPair measures the pairing core: concurrent enqueues of
// compatible tickets, each second one pairing with the first.
func BenchmarkEnqueueOrPair(b *testing.B) {
	s := newStore(b, slow)
	ctx := context.Background()
	topics := []string{"arrays", "strings", "graphs", "trees", "math", "greedy", "heaps", "stacks-queues"}
	var paired atomic.Int64
	var n atomic.Int64
	// Many requests are in flight at once in the service; so here.
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			c := crit("medium", topics[(i/2)%int64(len(topics))], "")
			tk, err := s.Enqueue(ctx, uuid.NewString(), uuid.NewString(), c, match.Ticket{})
			if err != nil {
				b.Error(err)
				return
			}
			if tk.Pairing {
				paired.Add(1)
			}
		}
	})
	b.ReportMetric(float64(paired.Load())/time.Since(start).Seconds(), "matches/s")
}

// TestMatchedTicketGuardsTheSession: a user whose ticket was matched after
// the caller last read it is in a session collaboration-service may not
// have answered for yet; the store refuses a new ticket with that session,
// on any replica, and accepts it once the caller's read covers the match.
func TestMatchedTicketGuardsTheSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs, _ := replicas(t, 2, slow)
	a := enqueue(t, rs[0], crit("easy", "arrays", ""))
	queuedA := ticket(t, rs[0], a.ID)
	b := enqueue(t, rs[1], crit("easy", "arrays", ""))
	m := matchOf(t, rs[0], b.ID)
	if err := rs[0].Finish(ctx, m.ID, setup.Result{SessionID: "s-9", QuestionID: "q", Usernames: [2]string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	matchedA := ticket(t, rs[1], a.ID)

	for name, seen := range map[string]match.Ticket{
		"nothing read before":          {},
		"the ticket read while queued": queuedA,
	} {
		_, err := rs[1].Enqueue(ctx, uuid.NewString(), a.UserID, crit("hard", "arrays", ""), seen)
		var ie *match.InSessionError
		if !errors.As(err, &ie) || ie.SessionID != "s-9" {
			t.Fatalf("%s: err %v, want the session s-9", name, err)
		}
	}
	tk, err := rs[0].Enqueue(ctx, uuid.NewString(), a.UserID, crit("hard", "arrays", ""), matchedA)
	if err != nil || tk.Status != match.StatusQueued {
		t.Fatalf("requeue once the matched ticket was seen: %+v %v", tk, err)
	}
}

func TestQueueDepthAndQueueTimes(t *testing.T) {
	t.Parallel()
	s := newStore(t, slow)
	ctx := context.Background()
	if total, by, err := s.QueueDepth(ctx); err != nil || total != 0 || by["easy"] != 0 {
		t.Fatalf("empty store: %d %v %v", total, by, err)
	}
	a := enqueue(t, s, crit("easy", "arrays", ""))
	enqueue(t, s, crit("easy", "graphs", "go"))
	enqueue(t, s, crit("hard", "trees", ""))
	total, by, err := s.QueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"easy": 2, "medium": 0, "hard": 1}; total != 3 || !maps.Equal(by, want) {
		t.Fatalf("depth %d %v, want 3 %v", total, by, want)
	}
	b := enqueue(t, s, crit("easy", "arrays", "python")) // pairs with a: both leave the queue
	if total, by, _ = s.QueueDepth(ctx); total != 2 || by["easy"] != 1 || by["hard"] != 1 {
		t.Fatalf("after a pairing: %d %v", total, by)
	}
	m := matchOf(t, s, b.ID)
	if !m.QueuedAt[0].Equal(ticket(t, s, a.ID).QueuedAt) || !m.QueuedAt[1].Equal(ticket(t, s, b.ID).QueuedAt) {
		t.Fatalf("match queued at %v, tickets %v and %v", m.QueuedAt, a.QueuedAt, b.QueuedAt)
	}
}
