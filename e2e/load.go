package e2e

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// LoadConfig shapes the load of `mage e2e:rolling`.
type LoadConfig struct {
	Base string
	// Browsers is the number of users each looping over sign-in, profile,
	// questions and history over HTTP.
	Browsers int
	// Pairs is the number of user pairs each looping over: hold matching
	// sockets, ask for a match, chat over sockets for a while, leave.
	Pairs int
	// ChatFor is how long a pair chats in each session.
	ChatFor time.Duration
	// ReconnectWithin is how long a dropped socket may take to come back
	// before it counts as dropped without reconnect.
	ReconnectWithin time.Duration
}

// Report is what the load saw.
type Report struct {
	Requests        int64            // HTTP requests answered or failed
	Non2xx          int64            // answered with a status outside 2xx
	TransportErrors int64            // no answer at all
	ByStatus        map[int]int64    // every status seen
	Failures        []string         // the first few failures, verbatim
	SocketsOpened   int64            // successful WebSocket handshakes
	SocketDrops     int64            // sockets the server closed or lost
	Reconnected     int64            // drops followed by a new socket in time
	Dropped         int64            // drops with no new socket within ReconnectWithin
	HandshakeErrors int64            // refused handshakes while reconnecting (retried)
	Matches         int64            // matches both users were told about
	MatchesLost     int64            // tickets that never reported a match
	ChatSent        int64            // distinct messages sent (resends not counted)
	ChatResent      int64            // resends after a socket dropped before the echo
	ChatStored      int64            // of ChatSent, found in the room's history
	ChatMissing     int64            // acknowledged or sent, not in the history
	ChatDuplicated  int64            // stored more than once
	ByKind          map[string]int64 // requests per kind of call
}

// Failed reports whether the load saw anything the target forbids.
func (r Report) Failed() bool {
	return r.Non2xx > 0 || r.TransportErrors > 0 || r.Dropped > 0 || r.MatchesLost > 0 ||
		r.ChatMissing > 0 || r.ChatDuplicated > 0
}

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP requests        %d (non-2xx %d, no answer %d)\n", r.Requests, r.Non2xx, r.TransportErrors)
	for _, s := range slices.Sorted(maps.Keys(r.ByStatus)) {
		fmt.Fprintf(&b, "  status %d          %d\n", s, r.ByStatus[s])
	}
	for _, k := range slices.Sorted(maps.Keys(r.ByKind)) {
		fmt.Fprintf(&b, "  %-56s %d\n", k, r.ByKind[k])
	}
	fmt.Fprintf(&b, "sockets opened       %d; drops %d: reconnected %d, dropped without reconnect %d (refused handshakes retried: %d)\n",
		r.SocketsOpened, r.SocketDrops, r.Reconnected, r.Dropped, r.HandshakeErrors)
	fmt.Fprintf(&b, "matches              %d (lost %d)\n", r.Matches, r.MatchesLost)
	fmt.Fprintf(&b, "chat messages        %d sent, %d resent after a drop, %d stored, %d missing, %d duplicated\n",
		r.ChatSent, r.ChatResent, r.ChatStored, r.ChatMissing, r.ChatDuplicated)
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  failure: %s\n", f)
	}
	return b.String()
}

// Load is a running load generator.
type Load struct {
	cfg     LoadConfig
	client  *Client // HTTP calls, counted
	sockets *Client // WebSocket handshakes, counted apart
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu       sync.Mutex
	report   Report
	failures []string
}

const maxFailures = 20

// StartLoad signs up the users and starts the load; Stop ends it.
func StartLoad(ctx context.Context, cfg LoadConfig) (*Load, error) {
	l := &Load{cfg: cfg, client: NewClient(cfg.Base), sockets: NewClient(cfg.Base)}
	l.report.ByStatus = map[int]int64{}
	l.report.ByKind = map[string]int64{}
	l.client.Observe = l.observe
	run := randomHex(3)
	var users []*User
	for i := range cfg.Browsers + 2*cfg.Pairs {
		name := fmt.Sprintf("load_%s_%d", run, i)
		u, err := l.client.Signup(ctx, name, name+"@example.com", "rolling restarts "+run)
		if err != nil {
			return nil, fmt.Errorf("signing up the load's users: %w", err)
		}
		users = append(users, u)
	}
	topics, err := l.client.Topics(ctx, users[0].AccessToken)
	if err != nil || len(topics) == 0 {
		return nil, fmt.Errorf("topics: %v (%d)", err, len(topics))
	}
	// Each pair has a (topic, language) of its own, so pairs never match
	// across, not even once a ticket's difficulty is relaxed.
	languages := []string{"python", "javascript", "java", "cpp", "go"}
	if cfg.Pairs > len(topics)*len(languages) {
		return nil, fmt.Errorf("at most %d pairs", len(topics)*len(languages))
	}
	ctx, l.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for i := range cfg.Browsers {
		l.wg.Go(func() { l.browse(ctx, users[i], topics) })
	}
	for i := range cfg.Pairs {
		a, b := users[cfg.Browsers+2*i], users[cfg.Browsers+2*i+1]
		crit := criteria{difficulty: "easy", topic: topics[i%len(topics)].Slug, language: languages[i/len(topics)]}
		l.wg.Go(func() { l.pair(ctx, a, b, crit) })
	}
	return l, nil
}

// Stop ends the load, lets the pairs finish their sessions and returns the report.
func (l *Load) Stop() Report {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.report
	r.Failures = slices.Clone(l.failures)
	return r
}

func (l *Load) observe(method, path string, status int, err error) {
	kind := method + " " + routeOf(path)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.report.Requests++
	l.report.ByKind[kind]++
	switch {
	case err != nil:
		if errors.Is(err, context.Canceled) {
			l.report.Requests-- // our own stop, not the platform's failure
			return
		}
		l.report.TransportErrors++
		l.failLocked(fmt.Sprintf("%s: %v", kind, err))
	default:
		l.report.ByStatus[status]++
		if status/100 != 2 {
			l.report.Non2xx++
		}
	}
}

// routeOf replaces ids and slugs in a path so requests group by route.
func routeOf(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	for i := 1; i < len(parts); i++ {
		switch parts[i] {
		case "me", "current", "random", "ws", "messages", "leave", "snapshot":
			continue
		}
		switch parts[i-1] {
		case "questions", "sessions", "rooms", "attempts", "users":
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

func (l *Load) fail(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(msg)
}

func (l *Load) failLocked(msg string) {
	if len(l.failures) < maxFailures {
		l.failures = append(l.failures, time.Now().UTC().Format("15:04:05.000")+" "+msg)
	}
}

func (l *Load) count(f func(r *Report)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(&l.report)
}

// noteErr records a failed call; non-2xx answers are already counted.
func (l *Load) noteErr(what string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	if StatusOf(err) != 0 {
		l.fail(what + ": " + err.Error())
	}
}

// browse is one user clicking around until ctx ends: sign in now and then,
// profile, topics, a question list, a question, their history.
func (l *Load) browse(ctx context.Context, u *User, topics []Topic) {
	for i := 0; ctx.Err() == nil; i++ {
		if i%10 == 0 {
			l.noteErr("login", l.client.Login(ctx, u))
		}
		_, err := l.client.Me(ctx, u.AccessToken)
		l.noteErr("me", err)
		t := topics[i%len(topics)]
		page, err := l.client.Questions(ctx, u.AccessToken, "topic="+t.Slug+"&limit=5")
		l.noteErr("questions", err)
		if len(page.Items) > 0 {
			_, err = l.client.Question(ctx, u.AccessToken, page.Items[i%len(page.Items)].Slug)
			l.noteErr("question", err)
		}
		_, err = l.client.Attempts(ctx, u.AccessToken)
		l.noteErr("attempts", err)
		sleep(ctx, 50*time.Millisecond)
	}
}

type criteria struct{ difficulty, topic, language string }

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// maxChatPerSession keeps a session's messages on one history page.
const maxChatPerSession = 40

// pair is two users matching, chatting and leaving, over and over, until
// ctx ends; their matching sockets stay open throughout.
func (l *Load) pair(ctx context.Context, a, b *User, crit criteria) {
	users := [2]*User{a, b}
	var watches [2]*matchWatch
	for i, u := range users {
		w, err := l.watchMatches(ctx, u.AccessToken)
		if err != nil {
			l.fail("matching socket: " + err.Error())
			return
		}
		watches[i] = w
	}
	for ctx.Err() == nil {
		if !l.session(ctx, users, watches, crit) {
			sleep(ctx, time.Second)
		}
	}
}

// session is one round: tickets, the match on both sockets, chat, leave,
// then the room's history checked against what was sent. Once started it
// finishes even when ctx ends (only the chatting is cut short).
func (l *Load) session(ctx context.Context, users [2]*User, watches [2]*matchWatch, crit criteria) bool {
	op := context.WithoutCancel(ctx)
	if ctx.Err() != nil {
		return false
	}
	var tickets [2]string
	for i, u := range users {
		tctx, cancel := context.WithTimeout(op, 10*time.Second)
		t, err := l.client.RequestMatch(tctx, u.AccessToken, crit.difficulty, crit.topic, crit.language)
		cancel()
		if err != nil {
			l.noteErr("ticket", err)
			if i == 1 { // do not leave the first one waiting alone
				_ = l.client.CancelTicket(op, users[0].AccessToken)
			}
			return false
		}
		tickets[i] = t.TicketID
	}
	var matches [2]Match
	for i, w := range watches {
		var ev Event
		ok := w.wait(op, 45*time.Second, func() bool {
			ev = w.events[tickets[i]]
			return ev.Type != "" && ev.Type != "queued"
		})
		if !ok || ev.Type != "matched" {
			cur, err := l.client.CurrentTicket(op, users[i].AccessToken)
			l.count(func(r *Report) { r.MatchesLost++ })
			l.fail(fmt.Sprintf("ticket %s of %s: socket said %q (ok %v); GET /tickets/current: %+v %v", tickets[i], users[i].Username, ev.Type, ok, cur, err))
			return false
		}
		matches[i] = ev.Match
	}
	if matches[0].SessionID != matches[1].SessionID || matches[0].Partner.ID != users[1].ID {
		l.count(func(r *Report) { r.MatchesLost++ })
		l.fail(fmt.Sprintf("pair told different matches: %+v / %+v", matches[0], matches[1]))
		return false
	}
	l.count(func(r *Report) { r.Matches++ })
	session := matches[0].SessionID

	chatCtx, closeChat := context.WithCancel(op)
	defer closeChat()
	var chats [2]*chatWatch
	for i, u := range users {
		w, err := l.watchChat(chatCtx, u.AccessToken, session)
		if err != nil {
			l.fail("chat socket: " + err.Error())
			l.leave(op, users, session)
			return false
		}
		chats[i] = w
	}
	var sent []string
	until := time.Now().Add(l.cfg.ChatFor)
	for n := 0; n < maxChatPerSession && time.Now().Before(until) && ctx.Err() == nil; n++ {
		i := n % 2
		id := newUUID()
		sent = append(sent, id)
		l.count(func(r *Report) { r.ChatSent++ })
		l.sendChat(op, chats[i], id, fmt.Sprintf("message %d from %s", n, users[i].Username))
		sleep(ctx, 250*time.Millisecond)
	}
	closeChat()
	l.leave(op, users, session)

	// Every message sent must be in the room's history exactly once.
	msgs, err := l.client.Messages(op, users[0].AccessToken, session, "limit=50")
	if err != nil {
		l.noteErr("chat history", err)
		return true
	}
	stored := map[string]int{}
	for _, m := range msgs {
		stored[m.ClientID]++
	}
	l.count(func(r *Report) {
		for _, id := range sent {
			switch stored[id] {
			case 0:
				r.ChatMissing++
			case 1:
				r.ChatStored++
			default:
				r.ChatStored++
				r.ChatDuplicated++
			}
		}
	})
	for _, id := range sent {
		if stored[id] != 1 {
			l.fail(fmt.Sprintf("session %s: message %s stored %d times", session, id, stored[id]))
		}
	}
	return true
}

// sendChat sends a message and waits for its echo, resending the same
// client_id (stored once) when the socket drops before the echo.
func (l *Load) sendChat(ctx context.Context, w *chatWatch, id, text string) {
	deadline := time.Now().Add(l.cfg.ReconnectWithin + 10*time.Second)
	for first := true; time.Now().Before(deadline); first = false {
		if !first {
			l.count(func(r *Report) { r.ChatResent++ })
		}
		if err := w.send(ctx, map[string]string{"type": "message", "client_id": id, "text": text}); err != nil {
			w.wait(ctx, time.Second, func() bool { return w.sock != nil })
			continue
		}
		if w.wait(ctx, 3*time.Second, func() bool { return w.seen[id] }) {
			return
		}
	}
	l.fail("chat message " + id + " never echoed")
}

func (l *Load) leave(ctx context.Context, users [2]*User, session string) {
	for _, u := range users {
		_, err := l.client.Leave(ctx, u.AccessToken, session)
		l.noteErr("leave", err)
	}
}
