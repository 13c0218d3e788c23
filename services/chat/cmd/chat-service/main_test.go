package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/libs/wsclose"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/redisroom"
)

// TestTwoReplicasExchangeMessagesInOneOrder: users on different replicas
// talk at once; each sees every message, its own echo included, in the
// same order, and history is exactly what was delivered.
func TestTwoReplicasExchangeMessagesInOneOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fast := []string{"CHAT_RATE_PER_SECOND", "1000", "CHAT_RATE_BURST", "1000"}
	a, b := w.start(fast...), w.start(fast...)
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)

	ca := dial(t, a.URL, room, aliceTok)
	cb := dial(t, b.URL, room, bobTok)
	if f := ca.next(presenceOf(bob)); f.State != "joined" {
		t.Fatalf("alice saw %s", f.raw)
	}

	const each = 15
	var wg sync.WaitGroup
	for _, s := range []struct {
		c    *client
		name string
	}{{ca, "alice"}, {cb, "bob"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				s.c.send(uuid.NewString(), fmt.Sprintf("%s says %d", s.name, i))
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	wg.Wait()

	collect := func(c *client) []frame {
		var got []frame
		for len(got) < 2*each {
			got = append(got, c.next(isType("message")))
		}
		return got
	}
	seenA, seenB := collect(ca), collect(cb)
	for i := range seenA {
		if seenA[i].raw != seenB[i].raw {
			t.Fatalf("replicas disagree at %d:\n A %s\n B %s", i, seenA[i].raw, seenB[i].raw)
		}
		if i > 0 {
			prev, _ := chat.ParseID(seenA[i-1].ID)
			cur, _ := chat.ParseID(seenA[i].ID)
			if !prev.Less(cur) {
				t.Fatalf("ids not increasing: %s then %s", seenA[i-1].ID, seenA[i].ID)
			}
		}
	}
	from := map[string]int{}
	for _, f := range seenA {
		from[f.From.Username]++
		if (f.From.Username == "alice") != (f.From.ID == alice) {
			t.Fatalf("from mismatch: %s", f.raw)
		}
	}
	if from["alice"] != each || from["bob"] != each {
		t.Fatalf("senders: %v", from)
	}

	// History, from either replica, is what was delivered.
	for _, base := range []string{a.URL, b.URL} {
		p := history(t, base, room, bobTok, "?limit=100")
		if len(p.Items) != len(seenA) || p.HasMore {
			t.Fatalf("history has %d items (has_more %v), delivered %d", len(p.Items), p.HasMore, len(seenA))
		}
		for i, it := range p.Items {
			var want map[string]any
			_ = json.Unmarshal([]byte(seenA[i].raw), &want)
			delete(want, "type")
			var got map[string]any
			b, _ := json.Marshal(it)
			_ = json.Unmarshal(b, &got)
			for k, v := range want {
				if fmt.Sprint(got[k]) != fmt.Sprint(v) {
					t.Fatalf("history item %d %s = %v, delivered %v", i, k, got[k], v)
				}
			}
		}
	}
	// And once persisted, PostgreSQL holds each message once.
	db := w.db()
	apitest.Eventually(t, 10*time.Second, "all messages persisted", func() bool {
		var n int
		_ = db.QueryRow(context.Background(), `SELECT count(*) FROM messages WHERE room_id = $1`, room).Scan(&n)
		return n == 2*each
	})
}

// TestResentClientIDIsDeliveredAndStoredOnce: a client that lost its socket
// resends a message with the same client_id on another replica; it gets the
// message as first accepted, the partner saw it once, and it is stored once.
func TestResentClientIDIsDeliveredAndStoredOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.start(), w.start()
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)
	cb := dial(t, b.URL, room, bobTok)

	ca := dial(t, a.URL, room, aliceTok)
	cid := uuid.NewString()
	ca.send(cid, "did you see the edge case?")
	first := ca.next(isType("message"))
	_ = ca.c.CloseNow() // the connection drops

	again := dial(t, b.URL, room, aliceTok)
	again.send(cid, "did you see the edge case?")
	ack := again.next(isType("message"))
	if ack.ID != first.ID || ack.ClientID != cid || ack.SentAt != first.SentAt {
		t.Fatalf("resend acknowledged as %s, first was %s", ack.raw, first.raw)
	}
	again.send(uuid.NewString(), "next")
	var got []string
	for {
		f := cb.next(isType("message"))
		got = append(got, f.ClientID)
		if f.Text == "next" {
			break
		}
	}
	if len(got) != 2 || got[0] != strings.ToLower(cid) {
		t.Fatalf("bob received client ids %v", got)
	}
	db := w.db()
	apitest.Eventually(t, 10*time.Second, "both messages persisted", func() bool {
		var n int
		_ = db.QueryRow(context.Background(), `SELECT count(*) FROM messages WHERE room_id = $1`, room).Scan(&n)
		return n == 2
	})
	var n int
	_ = db.QueryRow(context.Background(), `SELECT count(*) FROM messages WHERE room_id = $1 AND client_id = $2`, room, cid).Scan(&n)
	if n != 1 {
		t.Fatalf("%d rows for the resent client id", n)
	}
}

// TestAcknowledgedMessageSurvivesReplicaDeath: replica A acknowledges a
// message, its persistence worker reads it and A dies before storing it.
// Replica B claims it with XAUTOCLAIM and stores it, so it stays in history
// even after Redis loses everything.
func TestAcknowledgedMessageSurvivesReplicaDeath(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	a := w.start("CHAT_PERSISTER", "false")
	alice, aliceTok := w.user("alice")
	bob, _ := w.user("bob")
	room := w.room("active", alice, bob)
	ca := dial(t, a.URL, room, aliceTok)
	ca.send(uuid.NewString(), "remember me")
	ack := ca.next(isType("message"))

	// A's worker read the entry (it is pending on A's consumer) and A
	// died before writing it to PostgreSQL.
	keys := redisroom.NewKeys(w.prefix)
	if err := w.rdb.XGroupCreateMkStream(ctx, keys.Persist(), redisroom.PersistGroup, "0").Err(); err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		t.Fatal(err)
	}
	read, err := w.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: redisroom.PersistGroup, Consumer: "replica-a",
		Streams: []string{keys.Persist(), ">"}, Count: 10}).Result()
	if err != nil || len(read) != 1 || len(read[0].Messages) != 1 {
		t.Fatalf("read the persist stream: %v %v", read, err)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}

	b := w.start("CHAT_PERSIST_CLAIM_IDLE", "300ms")
	db := w.db()
	apitest.Eventually(t, 10*time.Second, "B persisted A's message", func() bool {
		var n int
		_ = db.QueryRow(ctx, `SELECT count(*) FROM messages WHERE room_id = $1`, room).Scan(&n)
		return n == 1
	})
	apitest.Eventually(t, 10*time.Second, "the claimed entry is acknowledged", func() bool {
		p, err := w.rdb.XPending(ctx, keys.Persist(), redisroom.PersistGroup).Result()
		return err == nil && p.Count == 0
	})

	// Redis loses every chat key: history still comes from PostgreSQL, and
	// the room's next message is ordered after it.
	forgetRedis(t, w)
	p := history(t, b.URL, room, aliceTok, "")
	if len(p.Items) != 1 || p.Items[0].ID != ack.ID || p.Items[0].Text != "remember me" || p.Items[0].SentAt != ack.SentAt {
		t.Fatalf("history after Redis lost its data: %+v (acknowledged %s)", p, ack.raw)
	}
	cb := dial(t, b.URL, room, aliceTok)
	cb.send(uuid.NewString(), "still here")
	next := cb.next(isType("message"))
	before, _ := chat.ParseID(ack.ID)
	after, _ := chat.ParseID(next.ID)
	if !before.Less(after) {
		t.Fatalf("new message %s not after %s", next.ID, ack.ID)
	}
}

// forgetRedis deletes every key of the test's prefix, as a Redis that lost
// its data would have none.
func forgetRedis(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	keys, err := w.rdb.Keys(ctx, w.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > 0 {
		w.rdb.Del(ctx, keys...)
	}
}

// TestSocketRefusedBeforeUpgrade: refusals are JSON errors, not sockets.
func TestSocketRefusedBeforeUpgrade(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.start()
	alice, aliceTok := w.user("alice")
	bob, _ := w.user("bob")
	_, mallory := w.user("mallory")
	room := w.room("active", alice, bob)
	ended := w.room("ended", alice, bob)
	stranger, strangerTok := w.user("ghost")
	w.deps.DeleteUser(stranger) // the account was deleted, the token lives on
	ghostRoom := w.room("active", stranger, bob)
	forged := aliceTok[:len(aliceTok)-4] + "AAAA"

	for _, tc := range []struct {
		name, room, query string
		status            int
		code              string
	}{
		{"no token is 401", room, "", 401, "unauthenticated"},
		{"a forged token is 401", room, "?token=" + forged, 401, "unauthenticated"},
		{"garbage token is 401", room, "?token=not.a.jwt", 401, "unauthenticated"},
		{"a non-participant is 404", room, "?token=" + mallory, 404, "not_found"},
		{"an unknown session is 404", uuid.NewString(), "?token=" + aliceTok, 404, "not_found"},
		{"a malformed session id is 404", "not-a-uuid", "?token=" + aliceTok, 404, "not_found"},
		{"an ended session is 410", ended, "?token=" + aliceTok, 410, "gone"},
		{"a deleted account is 401", ghostRoom, "?token=" + strangerTok, 401, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, wsURL(a.URL, tc.room)+tc.query, nil)
			if err == nil {
				c.CloseNow()
				t.Fatal("upgraded")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("status %v, want %d (%v)", resp, tc.status, err)
			}
			var body struct {
				Error struct{ Code string } `json:"error"`
			}
			b, _ := io.ReadAll(resp.Body)
			if json.Unmarshal(b, &body) != nil || body.Error.Code != tc.code || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
				t.Fatalf("body %s, want code %s", b, tc.code)
			}
		})
	}

	t.Run("a token as bearer subprotocol is accepted and echoed", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, wsURL(a.URL, room), &websocket.DialOptions{Subprotocols: []string{"bearer." + aliceTok}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if c.Subprotocol() != "bearer."+aliceTok {
			t.Fatalf("subprotocol %q", c.Subprotocol())
		}
	})
	t.Run("another site's page is 403", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, wsURL(a.URL, room)+"?token="+aliceTok,
			&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
		if err == nil {
			c.CloseNow()
			t.Fatal("upgraded")
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), `"forbidden"`) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("a plain GET is told to upgrade", func(t *testing.T) {
		var body map[string]any
		code := getJSON(t, a.URL+"/chat-service-api/rooms/"+room+"/ws", aliceTok, &body)
		if code != http.StatusUpgradeRequired {
			t.Fatalf("%d %v", code, body)
		}
	})
	for _, line := range a.Logs() {
		if strings.Contains(line, aliceTok) || strings.Contains(line, mallory) {
			t.Fatalf("a token reached the log: %s", line)
		}
	}
}

// TestInvalidFramesGetErrorsWithoutClosing: every bad frame is answered
// with an error frame and the socket keeps working.
func TestInvalidFramesGetErrorsWithoutClosing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.start()
	alice, aliceTok := w.user("alice")
	bob, _ := w.user("bob")
	room := w.room("active", alice, bob)
	c := dial(t, a.URL, room, aliceTok)
	cid := uuid.NewString()

	for _, tc := range []struct {
		name, frame, code string
	}{
		{"not JSON", `hello`, "invalid_frame"},
		{"truncated JSON", `{"type":"message"`, "invalid_frame"},
		{"an array", `[1,2]`, "invalid_frame"},
		{"null", `null`, "invalid_frame"},
		{"two objects", `{"type":"message"} {}`, "invalid_frame"},
		{"no type", `{"client_id":"` + cid + `","text":"hi"}`, "invalid_frame"},
		{"an unknown field", `{"type":"message","client_id":"` + cid + `","text":"hi","admin":true}`, "invalid_frame"},
		{"text of the wrong type", `{"type":"message","client_id":"` + cid + `","text":5}`, "invalid_frame"},
		{"an unknown type", `{"type":"typing"}`, "unsupported_type"},
		{"no client id", `{"type":"message","text":"hi"}`, "validation_failed"},
		{"a client id that is not a UUID", `{"type":"message","client_id":"42","text":"hi"}`, "validation_failed"},
		{"empty text", `{"type":"message","client_id":"` + cid + `","text":""}`, "validation_failed"},
		{"blank text", `{"type":"message","client_id":"` + cid + `","text":" \n\t "}`, "validation_failed"},
		{"2001 characters", `{"type":"message","client_id":"` + cid + `","text":"` + strings.Repeat("é", 2001) + `"}`, "validation_failed"},
		{"a control character", `{"type":"message","client_id":"` + cid + `","text":"bell\u0007"}`, "validation_failed"},
		{"a carriage return", `{"type":"message","client_id":"` + cid + `","text":"a\r\nb"}`, "validation_failed"},
	} {
		c.sendRaw(tc.frame)
		f := c.next(func(f frame) bool { return f.Type == "error" })
		if f.Code != tc.code || f.Message == "" {
			t.Errorf("%s: got %s, want code %s", tc.name, f.raw, tc.code)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageBinary, []byte(`{"type":"message"}`)); err != nil {
		t.Fatal(err)
	}
	if f := c.next(isType("error")); f.Code != "invalid_frame" {
		t.Fatalf("binary frame: %s", f.raw)
	}
	// The socket still works, and the longest text with newline and tab is fine.
	long := strings.Repeat("ü", 1998) + "\n\t"
	c.send(cid, long)
	if f := c.next(isType("message")); f.Text != long {
		t.Fatalf("valid message after errors: %.80s", f.raw)
	}
	for _, line := range a.Logs() {
		if strings.Contains(line, "bell") || strings.Contains(line, "üüü") {
			t.Fatalf("message text reached the log: %.200s", line)
		}
	}
}

// TestRateLimitHoldsAcrossReplicas: one user sending far more than 10
// messages a second, from sockets on two replicas, gets rate_limited error
// frames, and only about the allowance is accepted.
func TestRateLimitHoldsAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.start(), w.start()
	alice, aliceTok := w.user("alice")
	bob, _ := w.user("bob")
	room := w.room("active", alice, bob)
	c1, c2 := dial(t, a.URL, room, aliceTok), dial(t, b.URL, room, aliceTok)

	const each = 15
	start := time.Now()
	sent := map[*client]map[string]bool{c1: {}, c2: {}}
	for i := range each {
		for _, c := range []*client{c1, c2} {
			id := uuid.NewString()
			sent[c][id] = true
			c.send(id, fmt.Sprint("message ", i))
		}
	}
	// Each frame sent is answered on its own socket by its echo or by a
	// rate_limited error naming its client_id.
	accepted, limited := 0, map[*client]int{}
	for _, c := range []*client{c1, c2} {
		for answered := 0; answered < each; {
			f := c.next(func(f frame) bool { return sent[c][f.ClientID] })
			answered++
			switch {
			case f.Type == "message":
				accepted++
			case f.Type == "error" && f.Code == "rate_limited":
				limited[c]++
			default:
				t.Fatalf("unexpected answer %s", f.raw)
			}
		}
	}
	elapsed := time.Since(start).Seconds()
	allowed := 10 + int(10*elapsed) + 1
	if accepted > allowed || accepted < 10 {
		t.Fatalf("accepted %d (allowance %d in %.2fs)", accepted, allowed, elapsed)
	}
	if limited[c1] == 0 || limited[c2] == 0 {
		t.Fatalf("both replicas should refuse: %v", limited)
	}
}

// TestHistoryPages: history pages backwards with before=, each page oldest
// first; bad queries are 400 and strangers 404.
func TestHistoryPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.start("CHAT_RATE_PER_SECOND", "1000", "CHAT_RATE_BURST", "1000")
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	_, mallory := w.user("mallory")
	room := w.room("active", alice, bob)
	c := dial(t, a.URL, room, aliceTok)
	const total = 25
	var ids []string
	for i := range total {
		c.send(uuid.NewString(), fmt.Sprint("message ", i))
		ids = append(ids, c.next(isType("message")).ID)
	}

	var got []string
	query := "?limit=10"
	for pages := 0; ; pages++ {
		p := history(t, a.URL, room, bobTok, query)
		var page []string
		for _, it := range p.Items {
			page = append(page, it.ID)
		}
		got = append(page, got...)
		if !p.HasMore {
			if pages != 2 || len(p.Items) != 5 {
				t.Fatalf("last page %d has %d items", pages, len(p.Items))
			}
			break
		}
		if len(p.Items) != 10 || p.NextBefore != p.Items[0].ID {
			t.Fatalf("page %+v", p)
		}
		query = "?limit=10&before=" + p.NextBefore
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("paged ids\n%v\nwant\n%v", got, ids)
	}
	if p := history(t, a.URL, room, bobTok, ""); len(p.Items) != total || p.HasMore {
		t.Fatalf("default page: %d items", len(p.Items))
	}

	for _, tc := range []struct {
		name, query, token string
		status             int
		code               string
	}{
		{"limit 0 is 400", "?limit=0", bobTok, 400, "validation_failed"},
		{"limit 101 is 400", "?limit=101", bobTok, 400, "validation_failed"},
		{"a word as limit is 400", "?limit=ten", bobTok, 400, "validation_failed"},
		{"a malformed before is 400", "?before=yesterday", bobTok, 400, "validation_failed"},
		{"a stranger is 404", "", mallory, 404, "not_found"},
		{"no token is 401", "", "", 401, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body struct {
				Error struct{ Code string } `json:"error"`
			}
			if code := getJSON(t, a.URL+"/chat-service-api/rooms/"+room+"/messages"+tc.query, tc.token, &body); code != tc.status || body.Error.Code != tc.code {
				t.Fatalf("%d %s, want %d %s", code, body.Error.Code, tc.status, tc.code)
			}
		})
	}
}

// TestPresenceAcrossReplicas: joined when a user's first socket opens on
// any replica, left when the last one closes, not in between.
func TestPresenceAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.start(), w.start()
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)

	cb := dial(t, a.URL, room, bobTok)
	first := dial(t, a.URL, room, aliceTok)
	if f := cb.next(presenceOf(alice)); f.State != "joined" {
		t.Fatalf("bob saw %s", f.raw)
	}
	if f := first.next(presenceOf(bob)); f.State != "joined" {
		t.Fatalf("alice was not told bob is here: %s", f.raw)
	}
	second := dial(t, b.URL, room, aliceTok)
	_ = first.c.Close(websocket.StatusNormalClosure, "")
	cb.quiet("presence", 500*time.Millisecond)
	_ = second.c.Close(websocket.StatusNormalClosure, "")
	if f := cb.next(presenceOf(alice)); f.State != "left" {
		t.Fatalf("bob saw %s", f.raw)
	}
}

// TestShutdownClosesSocketsWithServiceRestart: a stopping replica closes its
// sockets with 1012 so clients reconnect elsewhere, and the partner on the
// other replica sees the user leave.
func TestShutdownClosesSocketsWithServiceRestart(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.start(), w.start()
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)
	ca := dial(t, a.URL, room, aliceTok)
	cb := dial(t, b.URL, room, bobTok)
	ca.next(presenceOf(bob))
	cb.next(presenceOf(alice))
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ca.closed:
		if websocket.CloseStatus(err) != websocket.StatusServiceRestart {
			t.Fatalf("closed with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("socket not closed")
	}
	if f := cb.next(presenceOf(alice)); f.State != "left" {
		t.Fatalf("bob saw %s", f.raw)
	}
}

func TestProductionRefusesToStartWithoutSecrets(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ENVIRONMENT": "production", "DATABASE_URL": "postgres://x@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "INTERNAL_API_TOKEN") {
		t.Fatalf("err = %v", err)
	}
	if err := run(context.Background(), []string{"bogus"}, func(k string) string { return map[string]string{"DATABASE_URL": "x", "REDIS_URL": "redis://x"}[k] }, io.Discard); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("unknown command: %v", err)
	}
}

// TestRedisOutage: while Redis is down nothing is acknowledged (the sender
// is told to resend), history still answers from PostgreSQL and new sockets
// are refused with 503; when an empty Redis comes back the resend goes
// through, reaches the partner on the other replica, and is stored.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	srv := redistest.NewServer(t)
	w.env["REDIS_URL"] = srv.URL()
	a, b := w.start(), w.start()
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)
	ca := dial(t, a.URL, room, aliceTok)
	cb := dial(t, b.URL, room, bobTok)
	ca.send(uuid.NewString(), "before")
	first := cb.next(isType("message"))
	db := w.db()
	stored := func(n int) func() bool {
		return func() bool {
			var got int
			_ = db.QueryRow(context.Background(), `SELECT count(*) FROM messages WHERE room_id = $1`, room).Scan(&got)
			return got == n
		}
	}
	apitest.Eventually(t, 10*time.Second, "first message persisted", stored(1))

	srv.Stop()
	cid := uuid.NewString()
	ca.send(cid, "during")
	if f := ca.next(func(f frame) bool { return f.ClientID == cid }); f.Type != "error" || f.Code != "unavailable" {
		t.Fatalf("send during the outage: %s", f.raw)
	}
	if p := history(t, b.URL, room, bobTok, ""); len(p.Items) != 1 || p.Items[0].ID != first.ID {
		t.Fatalf("history during the outage: %+v", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, resp, err := websocket.Dial(ctx, wsURL(a.URL, room)+"?token="+bobTok, nil); err == nil {
		c.CloseNow()
		t.Fatal("a socket opened without Redis")
	} else if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial during the outage: %v %v", resp, err)
	}

	srv.Restart(t) // empty
	var ack frame
	apitest.Eventually(t, 10*time.Second, "resend accepted", func() bool {
		ca.send(cid, "during")
		ack = ca.next(func(f frame) bool { return f.ClientID == cid })
		return ack.Type == "message"
	})
	got := cb.next(isType("message"))
	if got.ClientID != cid || got.ID != ack.ID {
		t.Fatalf("bob got %s, alice's ack %s", got.raw, ack.raw)
	}
	before, _ := chat.ParseID(first.ID)
	after, _ := chat.ParseID(ack.ID)
	if !before.Less(after) {
		t.Fatalf("%s is not after %s", ack.ID, first.ID)
	}
	apitest.Eventually(t, 10*time.Second, "resent message persisted", stored(2))
}

// TestSocketClosesWhenTheTokenExpires: a socket ends with 4401 at its
// token's expiry (issue 17 item 5: a message was still accepted 45 s after
// it), and nothing sent after that is accepted.
func TestSocketClosesWhenTheTokenExpires(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.start()
	alice, _ := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)
	start := time.Now()
	// exp is in whole seconds: the token ends 1.5 to 2.5 s from now.
	c := dial(t, a.URL, room, w.tokenExpiringIn(alice, 2500*time.Millisecond))
	watcher := dial(t, a.URL, room, bobTok)
	c.send(uuid.NewString(), "before expiry")
	watcher.next(isType("message"))
	var err error
	select {
	case err = <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the socket outlived its token")
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != wsclose.TokenExpired || ce.Reason != wsclose.TokenExpiredReason {
		t.Fatalf("closed with %v", err)
	}
	if el := time.Since(start); el < 1400*time.Millisecond || el > 6*time.Second {
		t.Fatalf("closed after %v for a token of 1.5 to 2.5 s", el)
	}
	watcher.quiet("message", 300*time.Millisecond)
}

// TestInvalidUTF8ClosesWith1007: a text frame that is not UTF-8 ends the
// socket with 1007 (RFC 6455 §8.1) instead of being answered.
func TestInvalidUTF8ClosesWith1007(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.start()
	alice, aliceTok := w.user("alice")
	bob, _ := w.user("bob")
	room := w.room("active", alice, bob)
	c := dial(t, a.URL, room, aliceTok)
	c.sendRaw("{\"type\":\"message\",\"client_id\":\"" + uuid.NewString() + "\",\"text\":\"\xff\xfe\"}")
	select {
	case err := <-c.closed:
		if code := websocket.CloseStatus(err); code != websocket.StatusInvalidFramePayloadData {
			t.Fatalf("closed with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the socket stayed open")
	}
}

// TestSocketsPerUserAcrossReplicas: a user's chat sockets in a room are
// capped (5) over every replica (500 were accepted before), with a 429
// and Retry-After; closing one frees its place.
func TestSocketsPerUserAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.start(), w.start()
	alice, aliceTok := w.user("alice")
	bob, bobTok := w.user("bob")
	room := w.room("active", alice, bob)
	var open []*client
	for i := range 5 {
		open = append(open, dial(t, []string{a.URL, b.URL}[i%2], room, aliceTok))
	}
	for _, base := range []string{a.URL, b.URL} {
		status, header, raw := servicetest.Handshake(t, strings.Replace(wsURL(base, room), "ws", "http", 1)+"?token="+aliceTok)
		if status != 429 || !strings.Contains(string(raw), `"code":"rate_limited"`) || header.Get("Retry-After") == "" {
			t.Fatalf("sixth socket on %s: %d %s (Retry-After %q)", base, status, raw, header.Get("Retry-After"))
		}
	}
	dial(t, b.URL, room, bobTok) // the partner has places of their own
	_ = open[0].c.Close(websocket.StatusNormalClosure, "")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, _, err := websocket.Dial(ctx, wsURL(a.URL, room)+"?token="+aliceTok, nil)
		cancel()
		if err == nil {
			c.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place after closing a socket: %v", err)
		}
	}
}
