// Package matchload is a matching load client that behaves like the web
// app: each user holds the matching socket open, posts a ticket as soon as
// it is open, and waits for `matched` on the socket. It talks to the public
// gateway only, as browsers do. cmd/matchload runs it in a process of its
// own, so the benchmark can read the client's CPU apart from the
// platform's.
package matchload

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerprep/peerprep/e2e"
)

// User is a signed-up account the load uses.
type User struct {
	ID, Username, Token string
	Difficulty, Topic   string
	Language            string
}

// Signup creates n users (the bench raises the platform's per-IP signup
// limit) with conc at a time, and gives each pair 2k, 2k+1 the same
// criteria: one of the (topic, language) combinations, easy.
func Signup(ctx context.Context, base string, n, conc int) ([]User, error) {
	c := e2e.NewClient(base)
	run := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	users := make([]User, n)
	var (
		next     atomic.Int64
		firstErr error
		mu       sync.Mutex
		wg       sync.WaitGroup
	)
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				name := fmt.Sprintf("mb_%s_%d", run, i)
				u, err := c.Signup(ctx, name, name+"@example.com", "matching bench "+run)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				users[i] = User{ID: u.ID, Username: u.Username, Token: u.AccessToken}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	topics, err := c.Topics(ctx, users[0].Token)
	if err != nil {
		return nil, err
	}
	topics = slices.DeleteFunc(topics, func(t e2e.Topic) bool { return t.Count == 0 })
	if len(topics) == 0 {
		return nil, fmt.Errorf("no topic has questions: was question-service seeded?")
	}
	languages := []string{"python", "javascript", "java", "cpp", "go"}
	for i := range users {
		k := i / 2
		users[i].Difficulty = "easy"
		users[i].Topic = topics[k%len(topics)].Slug
		users[i].Language = languages[(k/len(topics))%len(languages)]
	}
	return users, nil
}

// Result is one scenario's outcome.
type Result struct {
	Scenario  string        `json:"scenario"`
	Elapsed   time.Duration `json:"elapsed"`
	Tickets   int           `json:"tickets"`
	Matched   int           `json:"matched"` // tickets that saw `matched`
	Matches   int           `json:"matches"` // distinct matches (both sides)
	Failed    int           `json:"failed"`
	FirstErr  string        `json:"first_error,omitempty"`
	P50       time.Duration `json:"p50,omitempty"` // per ticket: POST (burst: arrival) → `matched`
	P99       time.Duration `json:"p99,omitempty"`
	Max       time.Duration `json:"max,omitempty"`
	PairP50   time.Duration `json:"pair_p50,omitempty"` // burst: later arrival → both matched
	PairP99   time.Duration `json:"pair_p99,omitempty"`
	Left      int           `json:"left"` // sessions left
	PerSecond float64       `json:"matches_per_s"`
}

// watcher holds one user's socket and notes each event as it arrives.
type watcher struct {
	sock *e2e.Socket
	mu   sync.Mutex
	seen map[string]seenEvent // ticket id → first final event
	wake chan struct{}
}

type seenEvent struct {
	ev e2e.Event
	at time.Time
}

func open(ctx context.Context, c *e2e.Client, token string) (*watcher, error) {
	s, err := c.DialMatching(ctx, token)
	if err != nil {
		return nil, err
	}
	w := &watcher{sock: s, seen: map[string]seenEvent{}, wake: make(chan struct{}, 1)}
	go func() {
		for {
			var ev e2e.Event
			if err := s.Read(context.Background(), &ev); err != nil {
				return
			}
			switch ev.Type {
			case "matched", "timeout", "cancelled", "failed":
			default:
				continue
			}
			w.mu.Lock()
			if _, ok := w.seen[ev.TicketID]; !ok {
				w.seen[ev.TicketID] = seenEvent{ev, time.Now()}
			}
			w.mu.Unlock()
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}()
	return w, nil
}

// await waits for ticket's final event.
func (w *watcher) await(ctx context.Context, ticket string) (seenEvent, error) {
	for {
		w.mu.Lock()
		se, ok := w.seen[ticket]
		delete(w.seen, ticket)
		w.mu.Unlock()
		if ok {
			if se.ev.Type != "matched" {
				return se, fmt.Errorf("ticket %s ended %s %s", ticket, se.ev.Type, se.ev.Reason)
			}
			return se, nil
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			return seenEvent{}, fmt.Errorf("ticket %s: no final event: %w", ticket, ctx.Err())
		}
	}
}

// tally collects latencies and failures from many goroutines.
type tally struct {
	mu       sync.Mutex
	lat      []time.Duration
	pair     []time.Duration
	tickets  int
	failed   int
	left     int
	sessions map[string]bool
	firstErr string
}

func (t *tally) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed++
	if t.firstErr == "" {
		t.firstErr = err.Error()
	}
}

func (t *tally) result(name string, elapsed time.Duration) Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := Result{Scenario: name, Elapsed: elapsed, Tickets: t.tickets, Matched: len(t.lat), Matches: len(t.sessions),
		Failed: t.failed, FirstErr: t.firstErr, Left: t.left}
	r.P50, r.P99, r.Max = percentiles(t.lat)
	r.PairP50, r.PairP99, _ = percentiles(t.pair)
	r.PerSecond = float64(r.Matches) / elapsed.Seconds()
	return r
}

func percentiles(d []time.Duration) (p50, p99, maxd time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return at(0.50), at(0.99), s[len(s)-1]
}

// round posts u's ticket and waits for `matched`; it returns when the
// ticket was posted, the event, and ok.
func round(ctx context.Context, c *e2e.Client, w *watcher, u User, t *tally) (time.Time, seenEvent, bool) {
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tk, err := c.RequestMatch(pctx, u.Token, u.Difficulty, u.Topic, u.Language)
	t.mu.Lock()
	t.tickets++
	t.mu.Unlock()
	if err != nil {
		t.fail(err)
		return start, seenEvent{}, false
	}
	se, err := w.await(pctx, tk.TicketID)
	if err != nil {
		_ = c.CancelTicket(context.WithoutCancel(ctx), u.Token)
		t.fail(err)
		return start, se, false
	}
	t.mu.Lock()
	t.lat = append(t.lat, se.at.Sub(start))
	t.sessions[se.ev.SessionID] = true
	t.mu.Unlock()
	return start, se, true
}

func leave(ctx context.Context, c *e2e.Client, u User, session string, t *tally) {
	if _, err := c.Leave(ctx, u.Token, session); err != nil {
		t.fail(fmt.Errorf("leave: %w", err))
		return
	}
	t.mu.Lock()
	t.left++
	t.mu.Unlock()
}

// Sustained keeps every user's ticket in flight for d: each user posts,
// waits for `matched`, leaves the session (so it may queue again) and
// posts again. len(users) is the number in flight.
func Sustained(ctx context.Context, base string, users []User, d time.Duration) (Result, error) {
	c := client(base)
	ws, err := openAll(ctx, c, users)
	if err != nil {
		return Result{}, err
	}
	defer closeAll(ws)
	t := &tally{sessions: map[string]bool{}}
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				_, se, ok := round(ctx, c, ws[i], u, t)
				if !ok {
					continue
				}
				leave(context.WithoutCancel(ctx), c, u, se.ev.SessionID, t)
			}
		})
	}
	wg.Wait()
	return t.result("sustained", time.Since(start)), nil
}

// Burst has pairs arrive within spread: user 2k and 2k+1 (equal
// criteria) arrive together, pair k at k·spread/pairs; each arriving user
// opens its socket and posts at once. Latency is per user from its
// arrival to `matched`, and per pair from the later arrival to both
// sides matched. The sessions are left afterwards, once pause (given the
// timed part's result) returns; the returned result counts the leaves.
func Burst(ctx context.Context, base string, users []User, spread time.Duration, pause func(Result)) (Result, error) {
	c := client(base)
	pairs := len(users) / 2
	t := &tally{sessions: map[string]bool{}}
	type side struct {
		arrived, matched time.Time
		ok               bool
		session          string
		w                *watcher
	}
	sides := make([]side, 2*pairs)
	start := time.Now()
	var wg sync.WaitGroup
	for k := range pairs {
		at := start.Add(time.Duration(k) * spread / time.Duration(pairs))
		for j := range 2 {
			i := 2*k + j
			wg.Go(func() {
				time.Sleep(time.Until(at))
				s := &sides[i]
				s.arrived = time.Now()
				w, err := open(ctx, c, users[i].Token)
				if err != nil {
					t.fail(fmt.Errorf("socket: %w", err))
					return
				}
				s.w = w
				_, se, ok := round(ctx, c, w, users[i], t)
				if ok {
					s.ok, s.matched, s.session = true, se.at, se.ev.SessionID
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	// round timed from the POST; a browser's user waits from arrival.
	t.lat = t.lat[:0]
	for k := range pairs {
		a, b := sides[2*k], sides[2*k+1]
		for _, s := range []side{a, b} {
			if s.ok {
				t.lat = append(t.lat, s.matched.Sub(s.arrived))
			}
		}
		if a.ok && b.ok {
			t.pair = append(t.pair, maxTime(a.matched, b.matched).Sub(maxTime(a.arrived, b.arrived)))
		}
	}
	res := t.result("burst", elapsed)
	pause(res)
	t.left = 0
	var lw sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, s := range sides {
		if s.w != nil {
			_ = s.w.sock.Close()
		}
		if s.ok {
			lw.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				leave(context.WithoutCancel(ctx), c, users[i], s.session, t)
			})
		}
	}
	lw.Wait()
	res.Left = t.left
	return res, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func openAll(ctx context.Context, c *e2e.Client, users []User) ([]*watcher, error) {
	ws := make([]*watcher, len(users))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, 32)
	for i, u := range users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			w, err := open(ctx, c, u.Token)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			ws[i] = w
		})
	}
	wg.Wait()
	if firstErr != nil {
		closeAll(ws)
		return nil, fmt.Errorf("opening the matching sockets: %w", firstErr)
	}
	return ws, nil
}

func closeAll(ws []*watcher) {
	for _, w := range ws {
		if w != nil {
			_ = w.sock.Close()
		}
	}
}

// client keeps a connection per user in flight open, as each browser
// keeps its own.
func client(base string) *e2e.Client {
	c := e2e.NewClient(base)
	c.HTTP.Transport.(*http.Transport).MaxIdleConnsPerHost = 2048
	return c
}

// Marshal is the JSON the command prints.
func Marshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
