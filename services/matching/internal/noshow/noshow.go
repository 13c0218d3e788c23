// Package noshow releases a person whose partner never joined the session
// of their match. NO_SHOW_AFTER (2 minutes) after a match's session was
// created, one replica's sweep checks the session: when it is still active
// and exactly one participant opened it, collaboration-service ends it as
// a no-show of the other, history-service counts the no-show, and the one
// who joined is queued again at the front with their original criteria.
// When neither joined, it ends as a no-show of both and nobody is queued.
// When both joined, or the session ended otherwise, nothing happens. Every
// step is idempotent, so a transient failure leaves the check for a later
// sweep, which repeats them all.
package noshow

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

// Store keeps the due checks and the matches (package redisq).
type Store interface {
	ClaimNoShows(ctx context.Context, limit int, lease time.Duration) ([]string, error)
	NoShowDone(ctx context.Context, matchID string) error
	NoShowRetry(ctx context.Context, matchID string, after time.Duration) error
	Match(ctx context.Context, id string) (setup.Match, error)
	// Requeue puts user back in the queue at the front, once per match;
	// any error other than a transient one means "not requeued, and
	// asking again will not change that".
	Requeue(ctx context.Context, matchID, userID, ticketID string) (match.Ticket, error)
}

// Services are the other services' routes the check uses
// (*internalapi.Client).
type Services interface {
	Session(ctx context.Context, id string) (internalapi.Session, error)
	NoShow(ctx context.Context, id string, absent []string) (internalapi.Session, error)
	RecordNoShow(ctx context.Context, sessionID, userID string) (bool, error)
}

// Checker runs the due checks.
type Checker struct {
	store    Store
	services Services
	log      *slog.Logger
	// isTransient tells a store failure worth retrying from a final
	// answer of Requeue: match.ErrUnavailable.
	isTransient func(error) bool
}

// Retry is how soon a check that failed on a transient error is due again.
const Retry = time.Second

const (
	lease = 30 * time.Second // a check outlives the replica that died holding it
	batch = 50
)

// New returns a Checker.
func New(store Store, services Services, log *slog.Logger) *Checker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Checker{store: store, services: services, log: log,
		isTransient: func(err error) bool { return errors.Is(err, match.ErrUnavailable) }}
}

// Sweep runs every due check (the match sweeper calls it on every replica).
func (c *Checker) Sweep(ctx context.Context) error {
	for {
		ids, err := c.store.ClaimNoShows(ctx, batch, lease)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := c.check(ctx, id); err != nil {
				c.log.Warn("no-show check failed; will retry", "match_id", id, "error", err.Error())
				if err := c.store.NoShowRetry(ctx, id, Retry); err != nil && ctx.Err() == nil {
					c.log.Warn("rescheduling a no-show check failed; it is retried after its lease", "match_id", id, "error", err.Error())
				}
				continue
			}
			if err := c.store.NoShowDone(ctx, id); err != nil {
				return err
			}
		}
		if len(ids) < batch {
			return nil
		}
	}
}

// check handles one match; an error means "try again later".
func (c *Checker) check(ctx context.Context, matchID string) error {
	m, err := c.store.Match(ctx, matchID)
	if errors.Is(err, setup.ErrGone) || (err == nil && m.SessionID == "") {
		return nil // long gone, or it never got a session
	}
	if err != nil {
		return err
	}
	s, err := c.services.Session(ctx, m.SessionID)
	if errors.Is(err, internalapi.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// A no-show ended earlier (by this check, which then failed later on)
	// goes on with the remaining steps.
	if s.Status != internalapi.StatusActive && s.EndReason != internalapi.EndNoShow {
		return nil
	}
	var absent []string
	for _, u := range s.UserIDs {
		if !slices.Contains(s.JoinedUserIDs, u) {
			absent = append(absent, u)
		}
	}
	if len(absent) == 0 {
		return nil
	}
	if s.Status == internalapi.StatusActive {
		_, err := c.services.NoShow(ctx, s.ID, absent)
		if internalapi.StatusOf(err) == http.StatusConflict {
			return nil // joined at the last moment
		}
		if err != nil {
			return err
		}
		c.log.Info("session ended: a partner never joined", "match_id", matchID, "session_id", s.ID, "absent", absent)
	}
	for _, u := range absent {
		if _, err := c.services.RecordNoShow(ctx, s.ID, u); err != nil {
			return err
		}
	}
	if len(absent) != 1 {
		return nil
	}
	joiner := s.UserIDs[0]
	if joiner == absent[0] {
		joiner = s.UserIDs[1]
	}
	if slices.Contains(s.LeftUserIDs, joiner) {
		return nil // they left on their own: not queued again
	}
	t, err := c.store.Requeue(ctx, matchID, joiner, uuid.NewString())
	if err != nil {
		if c.isTransient(err) {
			return err
		}
		c.log.Info("not queueing the partner who joined again", "match_id", matchID, "user_id", joiner, "reason", err.Error())
		return nil
	}
	c.log.Info("partner who joined queued again at the front", "match_id", matchID, "user_id", joiner, "ticket_id", t.ID)
	return nil
}
