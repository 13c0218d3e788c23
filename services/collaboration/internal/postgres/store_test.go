package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
	"github.com/peerprep/peerprep/services/collaboration/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/collaboration/internal/session"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	return New(pgtest.New(t, migrations.FS))
}

func pgtestPool(t testing.TB) *pgxpool.Pool { return pgtest.New(t, migrations.FS) }

func newSession(t *testing.T, s *Store) session.Session { return newSessionTB(t, s) }

func newSessionTB(t testing.TB, s *Store) session.Session {
	t.Helper()
	in := session.Session{ID: uuid.NewString(), MatchID: uuid.NewString(), UserIDs: [2]string{uuid.NewString(), uuid.NewString()},
		QuestionID: uuid.NewString(), Language: "python"}
	out, created, err := s.Create(context.Background(), in)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	return out
}

func update(sid string, ms int64, data string) doc.Update {
	id := doc.StreamID{Ms: ms}
	return doc.Update{SessionID: sid, EntryID: doc.EntryID(id, "n"), Stream: id, Data: []byte(data)}
}

func stored(t *testing.T, s *Store, sid string) []string {
	t.Helper()
	l, err := s.LoadDoc(context.Background(), sid, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range l.Updates {
		out = append(out, string(u.Data))
	}
	slices.Sort(out)
	return out
}

func TestPersistIsIdempotentPerEntry(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	a, b := newSession(t, s), newSession(t, s)
	batch := []doc.Update{update(a.ID, 1, "a1"), update(b.ID, 1, "b1"), update(a.ID, 2, "a2")}
	for range 2 {
		if err := s.PersistUpdates(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if got := stored(t, s, a.ID); fmt.Sprint(got) != "[a1 a2]" {
		t.Fatalf("session a holds %v", got)
	}
	if got := stored(t, s, b.ID); fmt.Sprint(got) != "[b1]" {
		t.Fatalf("session b holds %v", got)
	}
}

// TestCompactReplacesOnlyWhatTheSnapshotCovers: the snapshot covers what
// the client was sent on join (seq <= MaxSeq) and every stream entry up to
// the last one relayed to it (UpTo); later entries stay, and covered ones
// arriving late are not stored again.
func TestCompactReplacesOnlyWhatTheSnapshotCovers(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	sid := newSession(t, s).ID
	other := newSession(t, s).ID
	if err := s.PersistUpdates(ctx, []doc.Update{update(sid, 1, "u1"), update(sid, 2, "u2"), update(other, 3, "x")}); err != nil {
		t.Fatal(err)
	}
	joined, err := s.LoadDoc(ctx, sid, true) // what the client got when it joined
	if err != nil || len(joined.Updates) != 2 || !joined.Covered.IsZero() {
		t.Fatalf("load: %+v %v", joined, err)
	}
	// Stored later: 3 came from the stream read on join, 5 and 6 were
	// relayed before the full-state request (UpTo 6), 7 came after it.
	if err := s.PersistUpdates(ctx, []doc.Update{update(sid, 3, "u3"), update(sid, 5, "u5"), update(sid, 6, "u6"), update(sid, 7, "u7")}); err != nil {
		t.Fatal(err)
	}
	snap := update(sid, 8, "snapshot")
	cover := doc.Coverage{MaxSeq: joined.MaxSeq, UpTo: doc.StreamID{Ms: 6}}
	n, err := s.Compact(ctx, snap, cover)
	if err != nil || n != 5 {
		t.Fatalf("compact deleted %d: %v", n, err)
	}
	if got := stored(t, s, sid); fmt.Sprint(got) != "[snapshot u7]" {
		t.Fatalf("after compaction: %v", got)
	}
	l, _ := s.LoadDoc(ctx, sid, false)
	if l.Covered != (doc.StreamID{Ms: 6}) {
		t.Fatalf("covered up to %v", l.Covered)
	}
	// Again (and the persister storing the snapshot's own entry): no-op.
	if n, err := s.Compact(ctx, snap, cover); err != nil || n != 0 {
		t.Fatalf("second compaction deleted %d: %v", n, err)
	}
	// A covered entry persisted late is not stored; a newer one is.
	if err := s.PersistUpdates(ctx, []doc.Update{snap, update(sid, 4, "late"), update(sid, 9, "u9")}); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, s, sid); fmt.Sprint(got) != "[snapshot u7 u9]" {
		t.Fatalf("after storing more: %v", got)
	}
	// A snapshot reaching less far does not move the mark back.
	if _, err := s.Compact(ctx, update(sid, 10, "older view"), doc.Coverage{UpTo: doc.StreamID{Ms: 2}}); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.LoadDoc(ctx, sid, false); l.Covered != (doc.StreamID{Ms: 6}) {
		t.Fatalf("covered mark moved back to %v", l.Covered)
	}
	if got := stored(t, s, other); fmt.Sprint(got) != "[x]" {
		t.Fatalf("another session was touched: %v", got)
	}
}

// TestLoadWaitsForInsertsInFlight: a load never sees a later seq without
// an earlier one, so "seq <= MaxSeq" is exactly what it returned.
func TestLoadWaitsForInsertsInFlight(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	sid := newSession(t, s).ID
	tx, err := s.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, docLock(sid)); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO doc_updates (session_id, entry_id, stream_ms, stream_seq, data) VALUES ($1, 'e/1', 1, 0, 'in flight')`, sid); err != nil {
		t.Fatal(err)
	}
	loaded := make(chan doc.Loaded, 1)
	go func() {
		l, _ := s.LoadDoc(ctx, sid, true)
		loaded <- l
	}()
	select {
	case l := <-loaded:
		t.Fatalf("load returned during an insert: %+v", l)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if l := <-loaded; len(l.Updates) != 1 {
		t.Fatalf("load after commit: %+v", l)
	}
}

func TestIdleSessionsEndOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	idle, busy := newSession(t, s), newSession(t, s)
	if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Heartbeat(ctx, []string{busy.ID}); err != nil {
		t.Fatal(err)
	}
	ended, err := s.EndIdle(ctx, time.Minute, 10)
	if err != nil || len(ended) != 1 || ended[0].ID != idle.ID || ended[0].Status != session.StatusEnded || ended[0].EndReason != session.EndIdle {
		t.Fatalf("ended %+v %v", ended, err)
	}
	if again, _ := s.EndIdle(ctx, time.Minute, 10); len(again) != 0 {
		t.Fatalf("ended twice: %+v", again)
	}
	states, err := s.Heartbeat(ctx, []string{idle.ID, busy.ID})
	if err != nil || len(states) != 2 {
		t.Fatal(err)
	}
	for _, st := range states {
		if st.Ended != (st.ID == idle.ID) {
			t.Fatalf("heartbeat state %+v", st)
		}
	}
}

func TestHistoryIsClaimedByOneReplica(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	sess := newSession(t, s)
	if _, err := s.ClaimHistory(ctx, time.Minute); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("an active session was claimable: %v", err)
	}
	for _, u := range sess.UserIDs {
		if _, _, err := leave(ctx, s, sess.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan error, 2)
	for range 2 {
		go func() { _, err := s.ClaimHistory(ctx, time.Minute); got <- err }()
	}
	e1, e2 := <-got, <-got
	if (e1 == nil) == (e2 == nil) || !(errors.Is(e1, session.ErrNotFound) || errors.Is(e2, session.ErrNotFound)) {
		t.Fatalf("two claims: %v, %v", e1, e2)
	}
	if err := s.HistoryRetry(ctx, sess.ID, 0, "history down"); err != nil {
		t.Fatal(err)
	}
	c, err := s.ClaimHistory(ctx, time.Minute)
	if err != nil || c.ID != sess.ID || c.Tries != 1 {
		t.Fatalf("retry claim: %+v %v", c, err)
	}
	if err := s.HistoryRecorded(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.HistoryRetry(ctx, sess.ID, 0, "late"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimHistory(ctx, time.Minute); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("a recorded session was claimable: %v", err)
	}
}

// leave is session.Service's use of Update.
func leave(ctx context.Context, s *Store, id, user string) (session.Session, bool, error) {
	var ended bool
	out, err := s.Update(ctx, id, func(sess *session.Session) (err error) {
		ended, err = sess.Leave(user, time.Now().UTC())
		return err
	})
	return out, ended, err
}

func TestLeaveEndsWhenBothHaveLeft(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	sess := newSession(t, s)
	a, b := sess.UserIDs[0], sess.UserIDs[1]
	if _, _, err := leave(ctx, s, sess.ID, uuid.NewString()); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("a stranger left: %v", err)
	}
	out, ended, err := leave(ctx, s, sess.ID, a)
	if err != nil || ended || !out.HasLeft(a) || out.HasLeft(b) || out.Status != session.StatusActive {
		t.Fatalf("first leave: %+v %v %v", out, ended, err)
	}
	if _, ended, _ := leave(ctx, s, sess.ID, a); ended {
		t.Fatal("leaving twice ended the session")
	}
	if _, err := s.Current(ctx, a); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("current of a participant who left: %v", err)
	}
	out, ended, err = leave(ctx, s, sess.ID, b)
	if err != nil || !ended || out.Status != session.StatusEnded || out.EndedAt == nil || out.EndReason != session.EndLeft {
		t.Fatalf("second leave: %+v %v %v", out, ended, err)
	}
	if _, ended, _ := leave(ctx, s, sess.ID, b); ended {
		t.Fatal("ended twice")
	}
	var due bool
	if err := s.db.QueryRow(ctx, `SELECT history_next_try_at IS NOT NULL FROM sessions WHERE id = $1`, sess.ID).Scan(&due); err != nil || !due {
		t.Fatalf("history not scheduled: %v", err)
	}
}
