package main

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
)

// TestConcurrentEditsConvergeAcrossReplicas: two stock yjs + y-websocket
// clients on two replicas type at the same time; both end with the same
// text holding both edits, and a client joining later gets all of it.
func TestConcurrentEditsConvergeAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)

	ca := e.newClient(r1.URL, sid, a, "ada", "query")
	cb := e.newClient(r2.URL, sid, b, "bob", "subprotocol")
	ca.connect()
	cb.connect()

	// Both type at the same time, one before and one after a separator
	// (as two people editing different lines), each keystroke an update.
	ca.typeText("|", 0)
	cb.waitText(1, "|")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		ca.do("type", map[string]any{"text": "alpha-alpha-alpha ", "at": "start", "delay": 2})
	}()
	go func() {
		defer wg.Done()
		cb.do("type", map[string]any{"text": "bravo-bravo-bravo ", "at": "end", "delay": 2})
	}()
	wg.Wait()

	const want = "alpha-alpha-alpha |bravo-bravo-bravo "
	n := len(want)
	ta, tb := ca.waitText(n), cb.waitText(n)
	if ta != want || tb != want {
		t.Fatalf("texts:\n a: %q\n b: %q\n want %q", ta, tb, want)
	}

	// The shared language lives in the document too.
	ca.do("setLanguage", map[string]any{"language": "go"})
	apitest.EventuallyNil(t, 5*time.Second, func() error {
		if l := cb.do("language", nil)["language"]; l != "go" {
			return errorf("language on b = %v", l)
		}
		return nil
	})
	// Awareness (names, cursors) reaches the partner.
	apitest.EventuallyNil(t, 5*time.Second, func() error {
		if p := cb.do("peers", nil)["peers"].([]any); len(p) != 1 || p[0] != "ada" {
			return errorf("b sees peers %v", p)
		}
		return nil
	})

	// A later client (the same user on another tab) gets the whole document.
	late := e.newClient(r2.URL, sid, a, "ada-2", "query")
	late.connect()
	if got := late.waitText(n); got != ta {
		t.Fatalf("late joiner has %q, want %q", got, ta)
	}

	// Leaving closes the leaver's editors with 4403 and, once both have
	// left, the partner's with 4410; y-websocket then stops reconnecting.
	closedWith := func(c *yclient, code int) {
		t.Helper()
		apitest.EventuallyNil(t, 5*time.Second, func() error {
			if codes := c.closeCodes(); !slices.Contains(codes, code) {
				return errorf("%s saw close codes %v, want %d", c.name, codes, code)
			}
			return nil
		})
	}
	if res := call(t, "POST", r1.URL+api+"/sessions/"+sid+"/leave", e.token(a), nil); res.Status != 200 {
		t.Fatalf("leave: %d %s", res.Status, res.Raw)
	}
	closedWith(ca, 4403)
	closedWith(late, 4403)
	if res := call(t, "POST", r2.URL+api+"/sessions/"+sid+"/leave", e.token(b), nil); res.Status != 200 || res.Body["status"] != "ended" {
		t.Fatalf("leave: %d %s", res.Status, res.Raw)
	}
	closedWith(cb, 4410)
}

// TestKilledReplicaClientReconnectsElsewhere: the replica a client is on
// dies (SIGKILL) while the client types; the client keeps typing offline,
// then reconnects to the other replica, and nothing is lost.
func TestKilledReplicaClientReconnectsElsewhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doomed, survivor := e.startChild(), e.start()
	sid, a, b := createSession(t, survivor.URL)
	ca := e.newClient(doomed.URL, sid, a, "ada", "query")
	cb := e.newClient(survivor.URL, sid, b, "bob", "query")
	ca.connect()
	cb.connect()
	ca.typeText("one ", 0)
	cb.waitText(4, "one ")
	cb.typeText("two ", 0)
	ca.waitText(8, "one ", "two ")

	ca.typeText("three ", 0) // some of it may still be in flight
	doomed.kill()
	ca.typeText("four ", 0) // offline
	ca.do("retarget", map[string]any{"url": strings.Replace(survivor.URL, "http://", "ws://", 1) + api + "/sessions/" + sid})
	ca.do("waitSynced", map[string]any{"timeout": 10000})
	cb.waitText(-1, "three ", "four ")
	cb.typeText("five ", 0)

	want := []string{"one ", "two ", "three ", "four ", "five "}
	n := len(strings.Join(want, ""))
	ta, tb := ca.waitText(n, want...), cb.waitText(n, want...)
	if ta != tb {
		t.Fatalf("texts differ: %q vs %q", ta, tb)
	}
	// A newcomer gets it all from what the service kept.
	c := e.newClient(survivor.URL, sid, b, "bob-2", "query")
	c.connect()
	if got := c.waitText(n); got != ta {
		t.Fatalf("newcomer has %q, want %q", got, ta)
	}
}

// TestAllReplicasRestartedDocumentFromPostgres: every replica restarts and
// Redis comes back empty; the document is loaded from PostgreSQL.
func TestAllReplicasRestartedDocumentFromPostgres(t *testing.T) {
	t.Parallel()
	e := newEnv(t, privateRedis())
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)
	ca := e.newClient(r1.URL, sid, a, "ada", "query")
	cb := e.newClient(r2.URL, sid, b, "bob", "query")
	ca.connect()
	cb.connect()
	ca.typeText("persisted by replica one; ", 0)
	cb.waitText(26, "replica one")
	cb.typeText("persisted by replica two; ", 0)
	want := ca.waitText(52, "replica one", "replica two")
	ca.Close()
	cb.Close()
	if err := r1.stop(); err != nil {
		t.Fatal(err)
	}
	if err := r2.stop(); err != nil {
		t.Fatal(err)
	}
	e.redis.Restart(t) // nothing left in Redis

	r3, r4 := e.start(), e.start()
	c := e.newClient(r3.URL, sid, a, "ada-again", "query")
	c.connect()
	if got := c.waitText(len(want)); got != want {
		t.Fatalf("after restart: %q, want %q", got, want)
	}
	d := e.newClient(r4.URL, sid, b, "bob-again", "query")
	d.connect()
	d.typeText("and edits still flow", 0)
	c.waitText(len(want)+len("and edits still flow"), "and edits still flow")
}

// TestRedisFlushedDocumentHeals: Redis loses everything while clients stay
// connected and nothing was persisted yet. Editing goes on, and once a
// client reconnects its copy restores the document in the service.
func TestRedisFlushedDocumentHeals(t *testing.T) {
	t.Parallel()
	// Persist almost never, so the streams are the service's only copy.
	e := newEnv(t, privateRedis(), withVar("PERSIST_INTERVAL", "1h"))
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)
	ca := e.newClient(r1.URL, sid, a, "ada", "query")
	cb := e.newClient(r2.URL, sid, b, "bob", "query")
	ca.connect()
	cb.connect()
	ca.typeText("written before the flush; ", 0)
	cb.waitText(26, "before the flush")

	flushRedis(t, e)
	cb.typeText("written after the flush; ", 0)
	ca.waitText(51, "before the flush", "after the flush")

	// The service lost "before the flush"; a reconnecting client gives it back.
	ca.do("disconnect", nil)
	ca.connect()
	want := ca.waitText(51)
	fresh := e.newClient(r2.URL, sid, b, "bob-2", "query")
	fresh.connect()
	if got := fresh.waitText(51); got != want {
		t.Fatalf("after healing a newcomer has %q, want %q", got, want)
	}
	// And it is in PostgreSQL: with Redis empty again, still all there.
	e.redis.Restart(t)
	again := e.newClient(r1.URL, sid, a, "ada-3", "query")
	again.connect()
	if got := again.waitText(51); got != want {
		t.Fatalf("from PostgreSQL: %q, want %q", got, want)
	}
}

// TestDocumentIsCompacted: after many updates the stored document is a
// snapshot plus a short tail, and it still holds everything.
func TestDocumentIsCompacted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withVar("COMPACT_EVERY", "40"), withVar("PERSIST_INTERVAL", "20ms"))
	r1, r2 := e.start(), e.start()
	sid, a, b := createSession(t, r1.URL)
	ca := e.newClient(r1.URL, sid, a, "ada", "query")
	cb := e.newClient(r2.URL, sid, b, "bob", "query")
	ca.connect()
	cb.connect()
	line := "the quick brown fox jumps over the lazy dog\n"
	for i := range 5 {
		ca.typeText(line, 0)
		cb.waitText((2*i + 1) * len(line))
		cb.typeText(line, 0)
		ca.waitText((2*i + 2) * len(line))
	}
	want := cb.waitText(10 * len(line))
	ca.waitText(len(want))

	db := openDB(t, e.vars["DATABASE_URL"])
	apitest.EventuallyNil(t, 10*time.Second, func() error {
		var rows int
		if err := db.QueryRow(t.Context(), `SELECT count(*) FROM doc_updates WHERE session_id = $1`, sid).Scan(&rows); err != nil {
			return err
		}
		if rows > 100 { // 440 updates were typed
			return errorf("%d stored updates; compaction should keep far fewer", rows)
		}
		return nil
	})
	late := e.newClient(r2.URL, sid, a, "ada-late", "query")
	late.connect()
	if got := late.waitText(len(want)); got != want {
		t.Fatalf("late joiner after compaction: %q, want %q", got, want)
	}
}
