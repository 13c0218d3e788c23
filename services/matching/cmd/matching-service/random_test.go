package main

import (
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// TestRandomizedConcurrency sends hundreds of tickets with random criteria
// concurrently to two replicas, some cancelled at random moments, and
// checks the invariants on what Redis and the sockets end up with: no
// ticket in two matches, no self-match, every match exact or relaxed by
// the rules, a cancel that succeeded never matched, no two compatible
// tickets left waiting past a sweep, FIFO within a queue, and every
// matched user told their match exactly.
func TestRandomizedConcurrency(t *testing.T) {
	t.Parallel()
	const (
		users   = 240
		relaxMs = 400
	)
	e := newEnv(t, map[string]string{"RELAX_AFTER": strconv.Itoa(relaxMs) + "ms", "MATCH_TIMEOUT": "30s"})
	reps := [2]string{e.start(t).URL, e.start(t).URL}
	topics := []string{"arrays", "strings", "graphs", "trees", "heaps", "math", "greedy", "backtracking"}
	langs := []string{"", "", "python", "java", "go"}

	type client struct {
		u        user
		c        match.Criteria
		sock     *socket
		ticket   string
		cancel   bool
		canceled int // DELETE status
	}
	cs := make([]*client, users)
	for i := range cs {
		c := &client{u: e.user(t), c: match.Criteria{
			Difficulty: match.Difficulties[rand.N(3)], Topic: topics[rand.N(len(topics))], Language: langs[rand.N(len(langs))],
		}, cancel: rand.N(6) == 0}
		c.sock = dial(t, reps[i%2], c.u)
		cs[i] = c
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(rand.N(300 * time.Millisecond))
			r := queue(t, reps[rand.N(2)], c.u, c.c.Difficulty, c.c.Topic, c.c.Language)
			if r.Status != http.StatusAccepted {
				t.Errorf("queue: %d %s", r.Status, r.Raw)
				return
			}
			c.ticket = r.Str("ticket_id")
			if c.cancel {
				time.Sleep(rand.N(50 * time.Millisecond))
				c.canceled = call(t, http.MethodDelete, reps[rand.N(2)]+prefix+"/tickets/current", c.u.Token, nil).Status
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Past RELAX_AFTER and a few sweeps, every pairing set up.
	time.Sleep(2 * relaxMs * time.Millisecond)
	ctx := t.Context()
	tickets := map[string]map[string]string{}
	apitest.Eventually(t, 10*time.Second, "every pairing to settle", func() bool {
		for _, c := range cs {
			f, err := e.rdb.HGetAll(ctx, e.store.Key("t:"+c.ticket)).Result()
			if err != nil || f["status"] == "pairing" {
				return false
			}
			tickets[c.ticket] = f
		}
		return true
	})
	num := func(f map[string]string, k string) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }

	// Every match, from Redis.
	matches := map[string]map[string]string{}
	iter := e.rdb.Scan(ctx, 0, e.store.Key("m:*"), 500).Iterator()
	for iter.Next(ctx) {
		f := e.rdb.HGetAll(ctx, iter.Val()).Val()
		matches[f["id"]] = f
	}
	inMatch := map[string]string{}
	relaxed := 0
	sessions := e.deps.Sessions()
	for id, m := range matches {
		a, b := tickets[m["ticket_a"]], tickets[m["ticket_b"]]
		if a == nil || b == nil {
			t.Fatalf("match %s names unknown tickets", id)
		}
		for _, tk := range []map[string]string{a, b} {
			if prev, dup := inMatch[tk["id"]]; dup {
				t.Fatalf("ticket %s in matches %s and %s", tk["id"], prev, id)
			}
			inMatch[tk["id"]] = id
			if tk["status"] != "matched" || tk["match_id"] != id {
				t.Fatalf("ticket %v of match %s", tk, id)
			}
		}
		if a["user"] == b["user"] {
			t.Fatalf("self-match %s", id)
		}
		if num(a, "seq") >= num(b, "seq") {
			t.Fatalf("match %s: ticket_a is not the older", id)
		}
		if a["topic"] != b["topic"] || !match.LanguagesCompatible(a["language"], b["language"]) {
			t.Fatalf("match %s pairs incompatible tickets %v / %v", id, a, b)
		}
		if m["difficulty"] != a["difficulty"] {
			t.Fatalf("match %s: question difficulty %s, want the older ticket's %s", id, m["difficulty"], a["difficulty"])
		}
		if a["difficulty"] != b["difficulty"] {
			relaxed++
			if waited := num(m, "created_at") - num(a, "queued_at"); waited < relaxMs {
				t.Fatalf("match %s across difficulties after %d ms, before RELAX_AFTER", id, waited)
			}
		}
		s, ok := sessions[id]
		if !ok || s.UserIDs != [2]string{a["user"], b["user"]} || s.Language != match.SessionLanguage(a["language"], b["language"]) {
			t.Fatalf("session of match %s: %+v", id, s)
		}
		if q, _ := e.deps.Question(s.QuestionID); !slices.Equal(q.Topics, []string{a["topic"]}) || q.Difficulty != m["difficulty"] {
			t.Fatalf("match %s got a %s %v question", id, q.Difficulty, q.Topics)
		}
	}

	// When each ticket stopped waiting, in seq terms: enqueue k happens at
	// counter value k; a later sweep or cancel at value k happens after it.
	end := func(f map[string]string) int64 {
		if mid := f["match_id"]; mid != "" {
			return num(matches[mid], "at_seq")
		}
		if f["status"] == "queued" {
			return math.MaxInt64
		}
		return num(f, "ended_seq")
	}
	crit := func(f map[string]string) match.Criteria {
		return match.Criteria{Difficulty: f["difficulty"], Topic: f["topic"], Language: f["language"]}
	}
	fifoChecked := 0
	for id, m := range matches {
		a, b := tickets[m["ticket_a"]], tickets[m["ticket_b"]]
		if num(m, "at_seq") != num(b, "seq") {
			continue // made by a sweep
		}
		exact := a["difficulty"] == b["difficulty"]
		for _, c := range tickets {
			if c["id"] == a["id"] || num(c, "seq") >= num(b, "seq") || end(c) < num(b, "seq") {
				continue // not waiting when b arrived
			}
			if !match.Compatible(crit(c), crit(b), false) {
				continue
			}
			if !exact || num(c, "seq") < num(a, "seq") {
				t.Fatalf("FIFO: newcomer %s took %s (match %s) while the older compatible %s waited", b["id"], a["id"], id, c["id"])
			}
		}
		fifoChecked++
	}

	var waiting []map[string]string
	statuses, cancels := map[string]int{}, map[int]int{}
	for _, c := range cs {
		f := tickets[c.ticket]
		statuses[f["status"]]++
		if c.cancel {
			cancels[c.canceled]++
		}
		switch {
		case c.canceled == http.StatusOK && (f["status"] != "cancelled" || inMatch[c.ticket] != ""):
			t.Fatalf("a cancel answered 200 but the ticket is %s", f["status"])
		case c.canceled == http.StatusConflict && f["status"] != "matched":
			t.Fatalf("a cancel answered 409 but the ticket is %s", f["status"])
		case f["status"] == "queued":
			waiting = append(waiting, f)
		}
	}
	for i, x := range waiting {
		for _, y := range waiting[i+1:] {
			if match.Compatible(crit(x), crit(y), true) {
				t.Fatalf("compatible tickets %v and %v both still waiting", x, y)
			}
		}
	}

	// Every matched user was told their match, once.
	for _, c := range cs {
		mid := inMatch[c.ticket]
		got := 0
		for deadline := time.Now().Add(3 * time.Second); ; {
			select {
			case ev := <-c.sock.events:
				if ev.Type == "matched" {
					if ev.MatchID != mid {
						t.Fatalf("user told of match %s, was in %q", ev.MatchID, mid)
					}
					got++
				}
				continue
			default:
			}
			if mid == "" || got > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if (mid != "") != (got == 1) {
			t.Fatalf("user in match %q got %d matched events", mid, got)
		}
	}
	t.Logf("%d tickets: %v; %d matches (%d across difficulties, %d FIFO-checked newcomer pairings), %d waiting; cancels answered %v",
		len(cs), statuses, len(matches), relaxed, fifoChecked, len(waiting), cancels)
	if len(matches) < users/4 {
		t.Fatalf("only %d matches", len(matches))
	}
}
