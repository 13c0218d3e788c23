// Package redisq keeps matching-service's state in Redis: tickets, queues,
// matches and the two streams (setup jobs and ticket events). Every state
// change is one Lua script, so pairing, cancelling, relaxing and timing out
// are atomic however many replicas call them at once.
package redisq

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

//go:embed lua/*.lua
var luaFS embed.FS

func script(name string) *redis.Script {
	common, err := luaFS.ReadFile("lua/common.lua")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	body, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(common) + "\n" + string(body))
}

var (
	enqueueScript     = script("enqueue")
	cancelScript      = script("cancel")
	forgetScript      = script("forget")
	relaxScript       = script("relax")
	expireScript      = script("expire")
	finishScript      = script("finish")
	setQuestionScript = script("set_question")
	currentScript     = script("current")
	epochScript       = script("epoch")
	jobsScript        = script("jobs")
	depthScript       = script("depth")
)

// Group is the consumer group of the jobs stream.
const Group = "setup"

// Options configure a Store. Zero values take the defaults named.
type Options struct {
	RelaxAfter   time.Duration // 0: tickets may match any difficulty at once
	MatchTimeout time.Duration // default 30s
	// Retain is how long an ended ticket (and its match) stays readable;
	// default 1h.
	Retain time.Duration
	// EventsMaxLen caps the events stream (approximately); default 10000.
	EventsMaxLen int64
}

// Store implements match.Store, match.SweepStore and setup.Store.
type Store struct {
	rdb  redis.UniversalClient
	base string // every key starts with it
	o    Options
}

// New returns a Store whose keys start with prefix (REDIS_KEY_PREFIX).
func New(rdb redis.UniversalClient, prefix string, o Options) *Store {
	if o.MatchTimeout <= 0 {
		o.MatchTimeout = 30 * time.Second
	}
	if o.Retain <= 0 {
		o.Retain = time.Hour
	}
	if o.EventsMaxLen <= 0 {
		o.EventsMaxLen = 10000
	}
	// The hash tag {match} puts every key in one cluster slot.
	return &Store{rdb: rdb, base: prefix + "matching:{match}:", o: o}
}

// Key is the full name of one of the store's keys ("seq", "t:<id>", …).
func (s *Store) Key(name string) string { return s.base + name }

// run runs a script with the arguments every script takes first.
func (s *Store) run(ctx context.Context, sc *redis.Script, args ...any) *redis.Cmd {
	all := append([]any{s.base, s.o.EventsMaxLen, s.o.Retain.Milliseconds()}, args...)
	// KEYS[1] routes the call to the slot every key of the script lives in.
	return sc.Run(ctx, s.rdb, []string{s.base + "seq"}, all...)
}

// Enqueue implements match.Store.
func (s *Store) Enqueue(ctx context.Context, ticketID, userID string, c match.Criteria, seen match.Ticket) (match.Ticket, error) {
	interviewer := "0"
	if c.StartAsInterviewer {
		interviewer = "1"
	}
	res, err := s.run(ctx, enqueueScript, ticketID, userID, c.Difficulty, c.Topic, c.Language,
		max(s.o.RelaxAfter.Milliseconds(), 0), s.o.MatchTimeout.Milliseconds(), seen.ID, seen.Version,
		c.ModeOrDefault(), interviewer).Slice()
	if err != nil {
		return match.Ticket{}, storeErr("enqueue script", err)
	}
	if len(res) == 1 && res[0] == "gone" {
		return match.Ticket{}, match.ErrUserGone
	}
	return ticketOutcome(res, "you already have a ticket in the queue")
}

// ticketOutcome reads a script's {outcome, ticket} reply: the ticket, or
// for "conflict" (a live ticket, with conflict as the message) and
// "in_session" (a match newer than the caller's look) the error.
func ticketOutcome(res []any, conflict string) (match.Ticket, error) {
	outcome, t, err := outcomeTicket(res)
	if err != nil {
		return match.Ticket{}, err
	}
	switch outcome {
	case "conflict":
		return match.Ticket{}, &match.ConflictError{Message: conflict, Ticket: t}
	case "in_session":
		ie := &match.InSessionError{}
		if t.Match != nil {
			ie.SessionID = t.Match.SessionID
		}
		return match.Ticket{}, ie
	}
	return t, nil
}

// Cancel implements match.Store.
func (s *Store) Cancel(ctx context.Context, userID string) (match.Ticket, error) {
	res, err := s.run(ctx, cancelScript, userID).Slice()
	if err != nil {
		return match.Ticket{}, storeErr("cancel script", err)
	}
	if len(res) == 1 {
		return match.Ticket{}, match.ErrNotFound
	}
	_, t, err := outcomeTicket(res)
	return t, err
}

// ForgetUser cancels the waiting ticket of a deleted account and, for
// keep, refuses its new tickets and never pairs one of its tickets.
func (s *Store) ForgetUser(ctx context.Context, userID string, keep time.Duration) error {
	if err := s.run(ctx, forgetScript, userID, keep.Milliseconds()).Err(); err != nil {
		return storeErr("forget script", err)
	}
	return nil
}

// Current implements match.Store.
func (s *Store) Current(ctx context.Context, userID string) (match.Ticket, error) {
	res, err := s.run(ctx, currentScript, userID).Slice()
	if errors.Is(err, redis.Nil) {
		return match.Ticket{}, match.ErrNotFound
	}
	if err != nil {
		return match.Ticket{}, storeErr("current script", err)
	}
	return decodeTicket(pairsToMap(res))
}

// Ticket implements match.Store.
func (s *Store) Ticket(ctx context.Context, id string) (match.Ticket, error) {
	f, err := s.rdb.HGetAll(ctx, s.base+"t:"+id).Result()
	if err != nil {
		return match.Ticket{}, storeErr("read ticket", err)
	}
	if len(f) == 0 {
		return match.Ticket{}, match.ErrNotFound
	}
	return decodeTicket(f)
}

// CurrentMany implements ws.Store: the current tickets of several users.
func (s *Store) CurrentMany(ctx context.Context, userIDs []string) (map[string]match.Ticket, error) {
	gets := make([]*redis.StringCmd, len(userIDs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, u := range userIDs {
			gets[i] = p.Get(ctx, s.base+"u:"+u)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, storeErr("read users' tickets", err)
	}
	var ids []string
	for _, g := range gets {
		if id := g.Val(); id != "" {
			ids = append(ids, id)
		}
	}
	tickets, err := s.Tickets(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]match.Ticket, len(tickets))
	for _, t := range tickets {
		// A pointer may have moved on meanwhile; keep the user's newest.
		if cur, ok := out[t.UserID]; !ok || t.Newer(cur) {
			out[t.UserID] = t
		}
	}
	return out, nil
}

// Tickets reads several tickets at once; missing ones are left out.
func (s *Store) Tickets(ctx context.Context, ids []string) (map[string]match.Ticket, error) {
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.base+"t:"+id)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr("read tickets", err)
	}
	out := make(map[string]match.Ticket, len(ids))
	for i, c := range cmds {
		if f := c.Val(); len(f) > 0 {
			if t, err := decodeTicket(f); err == nil {
				out[ids[i]] = t
			}
		}
	}
	return out, nil
}

// Relax implements match.SweepStore.
func (s *Store) Relax(ctx context.Context, limit int) (int, bool, error) {
	return s.sweep(ctx, relaxScript, limit)
}

// Expire implements match.SweepStore.
func (s *Store) Expire(ctx context.Context, limit int) (int, bool, error) {
	return s.sweep(ctx, expireScript, limit)
}

func (s *Store) sweep(ctx context.Context, sc *redis.Script, limit int) (int, bool, error) {
	res, err := s.run(ctx, sc, limit).Int64Slice()
	if err != nil {
		return 0, false, fmt.Errorf("sweep script: %w", err)
	}
	if len(res) != 2 {
		return 0, false, errors.New("sweep script: unexpected reply")
	}
	return int(res[0]), res[1] == 1, nil
}

// Epoch implements match.SweepStore.
func (s *Store) Epoch(ctx context.Context) (int64, error) {
	v, err := s.run(ctx, epochScript).Text()
	if err != nil {
		return 0, fmt.Errorf("epoch script: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

// EventsTail is the id of the newest event ("0-0" when there is none): a
// reader starting from it sees every event written afterwards.
func (s *Store) EventsTail(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.base+"events", "+", "-", 1).Result()
	if err != nil {
		return "", fmt.Errorf("events tail: %w", err)
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// ReadEvents returns the ticket states written after the event id after,
// waiting up to block for one, and the id to read after next time. gap
// reports that the stream was trimmed past after before this read (the
// reader fell more than EventsMaxLen events behind), so some states were
// never seen and the caller must re-read what it cares about.
func (s *Store) ReadEvents(ctx context.Context, after string, count int64, block time.Duration) (out []match.Ticket, next string, gap bool, err error) {
	key := s.base + "events"
	streams, err := s.rdb.XRead(ctx, &redis.XReadArgs{
		Streams: []string{key, after}, Count: count, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, after, false, nil
	}
	if err != nil {
		return nil, after, false, fmt.Errorf("read events: %w", err)
	}
	next = after
	for _, st := range streams {
		for _, m := range st.Messages {
			next = m.ID
			f := make(map[string]string, len(m.Values))
			for k, v := range m.Values {
				if sv, ok := v.(string); ok {
					f[k] = sv
				}
			}
			if t, err := decodeTicket(f); err == nil {
				out = append(out, t)
			}
		}
	}
	if next != after && after != "0-0" {
		// Only a reader that got something can have missed something.
		oldest, err := s.rdb.XRangeN(ctx, key, "-", "+", 1).Result()
		if err != nil {
			return nil, after, false, fmt.Errorf("read events: oldest entry: %w", err)
		}
		gap = len(oldest) > 0 && streamIDLess(after, oldest[0].ID)
	}
	return out, next, gap, nil
}

// streamIDLess compares two stream ids ("<ms>-<seq>"); an id that does
// not parse is less than everything.
func streamIDLess(a, b string) bool {
	am, as, aok := parseStreamID(a)
	bm, bs, bok := parseStreamID(b)
	switch {
	case !aok:
		return bok
	case !bok:
		return false
	case am != bm:
		return am < bm
	default:
		return as < bs
	}
}

func parseStreamID(id string) (ms, seq uint64, ok bool) {
	m, q, found := strings.Cut(id, "-")
	ms, err1 := strconv.ParseUint(m, 10, 64)
	if !found {
		return ms, 0, err1 == nil
	}
	seq, err2 := strconv.ParseUint(q, 10, 64)
	return ms, seq, err1 == nil && err2 == nil
}

// EnsureGroup implements setup.Store.
func (s *Store) EnsureGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.base+"jobs", Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create jobs group: %w", err)
	}
	return nil
}

func groupErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "NOGROUP") {
		return fmt.Errorf("%w: %v", setup.ErrNoGroup, err)
	}
	return err
}

func toJobs(msgs []redis.XMessage) []setup.Job {
	jobs := make([]setup.Job, 0, len(msgs))
	for _, m := range msgs {
		id, _ := m.Values["match"].(string)
		jobs = append(jobs, setup.Job{EntryID: m.ID, MatchID: id})
	}
	return jobs
}

// ReadJobs implements setup.Store.
func (s *Store) ReadJobs(ctx context.Context, consumer string, count int, block time.Duration) ([]setup.Job, error) {
	streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: Group, Consumer: consumer, Streams: []string{s.base + "jobs", ">"}, Count: int64(count), Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, groupErr(fmt.Errorf("read jobs: %w", err))
	}
	var jobs []setup.Job
	for _, st := range streams {
		jobs = append(jobs, toJobs(st.Messages)...)
	}
	return jobs, nil
}

// ClaimStale implements setup.Store.
func (s *Store) ClaimStale(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]setup.Job, error) {
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: s.base + "jobs", Group: Group, Consumer: consumer, MinIdle: minIdle, Start: "0-0", Count: int64(count),
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, groupErr(fmt.Errorf("claim jobs: %w", err))
	}
	return toJobs(msgs), nil
}

// PruneConsumers implements setup.Store: it forgets consumers (replicas
// long gone) that own no jobs and were idle for longer than idle.
func (s *Store) PruneConsumers(ctx context.Context, idle time.Duration) (int, error) {
	cs, err := s.rdb.XInfoConsumers(ctx, s.base+"jobs", Group).Result()
	if err != nil {
		return 0, groupErr(fmt.Errorf("list consumers: %w", err))
	}
	n := 0
	for _, c := range cs {
		if c.Pending == 0 && c.Idle > idle {
			// DELCONSUMER drops the consumer's pending entries: only ever
			// for one that has none.
			if err := s.rdb.XGroupDelConsumer(ctx, s.base+"jobs", Group, c.Name).Err(); err != nil {
				return n, fmt.Errorf("delete consumer: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// Touch implements setup.Store.
func (s *Store) Touch(ctx context.Context, consumer string, entryIDs []string) error {
	return s.jobsOp(ctx, "touch", consumer, entryIDs)
}

// Release implements setup.Store.
func (s *Store) Release(ctx context.Context, consumer string, entryIDs []string) error {
	return s.jobsOp(ctx, "release", consumer, entryIDs)
}

func (s *Store) jobsOp(ctx context.Context, op, consumer string, ids []string) error {
	args := []any{op, consumer}
	for _, id := range ids {
		args = append(args, id)
	}
	return groupErr(s.run(ctx, jobsScript, args...).Err())
}

// Ack implements setup.Store: the entry leaves the group and the stream.
func (s *Store) Ack(ctx context.Context, entryID string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, s.base+"jobs", Group, entryID)
		p.XDel(ctx, s.base+"jobs", entryID)
		return nil
	})
	return groupErr(err)
}

// Match implements setup.Store.
func (s *Store) Match(ctx context.Context, id string) (setup.Match, error) {
	f, err := s.rdb.HGetAll(ctx, s.base+"m:"+id).Result()
	if err != nil {
		return setup.Match{}, fmt.Errorf("read match: %w", err)
	}
	if len(f) == 0 {
		return setup.Match{}, setup.ErrGone
	}
	created, _ := strconv.ParseInt(f["created_at"], 10, 64)
	var queued [2]time.Time
	for i, k := range []string{"queued_a", "queued_b"} {
		if ms, _ := strconv.ParseInt(f[k], 10, 64); ms > 0 { // absent in matches made before it was kept
			queued[i] = time.UnixMilli(ms).UTC()
		}
	}
	return setup.Match{
		ID:               f["id"],
		TicketIDs:        [2]string{f["ticket_a"], f["ticket_b"]},
		UserIDs:          [2]string{f["user_a"], f["user_b"]},
		Topic:            f["topic"],
		Difficulty:       f["difficulty"],
		Language:         f["language"],
		CreatedAt:        time.UnixMilli(created).UTC(),
		QueuedAt:         queued,
		Status:           f["status"],
		QuestionID:       f["question_id"],
		Mode:             cmp.Or(f["mode"], match.ModePractise),
		WantsInterviewer: [2]bool{f["interviewer_a"] == "1", f["interviewer_b"] == "1"},
	}, nil
}

// SetQuestion implements setup.Store.
func (s *Store) SetQuestion(ctx context.Context, matchID, questionID string) (string, error) {
	v, err := s.run(ctx, setQuestionScript, matchID, questionID).Text()
	if errors.Is(err, redis.Nil) {
		return "", setup.ErrGone
	}
	if err != nil {
		return "", fmt.Errorf("set question: %w", err)
	}
	return v, nil
}

// Finish implements setup.Store.
func (s *Store) Finish(ctx context.Context, matchID string, r setup.Result) error {
	return s.settle(ctx, matchID, "matched", r.SessionID, r.QuestionID, r.Usernames[0], r.Usernames[1], r.InterviewerID)
}

// Fail implements setup.Store.
func (s *Store) Fail(ctx context.Context, matchID, reason string) error {
	return s.settle(ctx, matchID, "failed", reason)
}

func (s *Store) settle(ctx context.Context, matchID, outcome string, args ...any) error {
	v, err := s.run(ctx, finishScript, append([]any{matchID, outcome}, args...)...).Text()
	if err != nil {
		return fmt.Errorf("finish script: %w", err)
	}
	if v == "gone" {
		return setup.ErrGone
	}
	return nil
}

// storeErr wraps a Redis failure; one that means Redis is unreachable or
// not serving (as opposed to a script's own error) is match.ErrUnavailable.
func storeErr(op string, err error) error {
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		for _, p := range []string{"LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN"} {
			if strings.HasPrefix(msg, p) {
				return fmt.Errorf("%w: %s: %v", match.ErrUnavailable, op, err)
			}
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%w: %s: %v", match.ErrUnavailable, op, err)
}

// QueueDepth counts the tickets waiting to be matched, in total and per
// difficulty (the QueueDepth metric's criteria groups).
func (s *Store) QueueDepth(ctx context.Context) (total int64, byDifficulty map[string]int64, err error) {
	v, err := s.run(ctx, depthScript).Int64Slice()
	if err != nil {
		return 0, nil, storeErr("queue depth", err)
	}
	if len(v) != 1+len(match.Difficulties) {
		return 0, nil, fmt.Errorf("queue depth: %d numbers from the script, want %d", len(v), 1+len(match.Difficulties))
	}
	byDifficulty = make(map[string]int64, len(match.Difficulties))
	for i, d := range match.Difficulties {
		byDifficulty[d] = v[1+i]
	}
	return v[0], byDifficulty, nil
}

// Ping checks the connection (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

func outcomeTicket(res []any) (string, match.Ticket, error) {
	if len(res) != 2 {
		return "", match.Ticket{}, errors.New("script: unexpected reply")
	}
	outcome, _ := res[0].(string)
	fields, _ := res[1].([]any)
	t, err := decodeTicket(pairsToMap(fields))
	return outcome, t, err
}

func pairsToMap(flat []any) map[string]string {
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		m[k] = v
	}
	return m
}

// decodeTicket turns a ticket hash (or an event, which is a copy of it)
// into a match.Ticket.
func decodeTicket(f map[string]string) (match.Ticket, error) {
	if f["id"] == "" || f["user"] == "" {
		return match.Ticket{}, errors.New("ticket: missing id or user")
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
	t := match.Ticket{
		ID:     f["id"],
		UserID: f["user"],
		Criteria: match.Criteria{
			Difficulty: f["difficulty"], Topic: f["topic"], Language: f["language"],
			// Tickets queued before modes existed have none: practise.
			Mode: cmp.Or(f["mode"], match.ModePractise), StartAsInterviewer: f["interviewer"] == "1",
		},
		QueuedAt:  time.UnixMilli(num("queued_at")).UTC(),
		ExpiresAt: time.UnixMilli(num("expires_at")).UTC(),
		Relaxed:   f["relaxed"] == "1",
		Epoch:     num("epoch"),
		Seq:       num("seq"),
		Version:   num("ver"),
	}
	switch st := f["status"]; st {
	case "pairing":
		t.Status, t.Pairing = match.StatusQueued, true
	case "queued", "matched", "timeout", "cancelled", "failed":
		t.Status = match.Status(st)
	default:
		return match.Ticket{}, fmt.Errorf("ticket: unknown status %q", st)
	}
	if t.Status == match.StatusMatched {
		t.Match = &match.MatchInfo{
			ID: f["match_id"], SessionID: f["session_id"], QuestionID: f["question_id"],
			Partner: match.Partner{ID: f["partner_id"], Username: f["partner_name"]},
			Role:    f["role"],
		}
	}
	if t.Status == match.StatusFailed {
		t.Reason = f["reason"]
	}
	return t, nil
}
