// Package peers adapts libs/internalapi to what chat-service's domain asks
// of other services: collaboration sessions (who may chat in a room) and
// usernames (a message's "from"), both cached for a while.
package peers

import (
	"context"
	"errors"
	"time"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Sessions implements chat.Sessions.
type Sessions struct {
	c     *internalapi.Client
	cache *internalapi.Cache[chat.Session]
}

// NewSessions returns sessions from collaboration-service over c (a
// *discovery.Client), cached for ttl (unknown sessions for ttl too).
func NewSessions(c internalapi.Caller, ttl time.Duration) *Sessions {
	return &Sessions{c: internalapi.New(c), cache: internalapi.NewCache[chat.Session](internalapi.CacheOptions{
		TTL: ttl, NegativeTTL: ttl, IsNegative: func(err error) bool { return errors.Is(err, chat.ErrNotFound) },
	})}
}

// Session implements chat.Sessions.
func (s *Sessions) Session(ctx context.Context, id string) (chat.Session, error) {
	return s.cache.Get(ctx, id, func(ctx context.Context) (chat.Session, error) {
		got, err := s.c.Session(ctx, id)
		if errors.Is(err, internalapi.ErrNotFound) {
			return chat.Session{}, chat.ErrNotFound
		}
		if err != nil {
			return chat.Session{}, err
		}
		if got.ID == "" {
			got.ID = id
		}
		return chat.Session{ID: got.ID, UserIDs: got.UserIDs[:], Ended: got.Status == internalapi.StatusEnded}, nil
	})
}

// Users implements chat.Directory.
type Users struct {
	c     *internalapi.Client
	cache *internalapi.Cache[string]
}

// NewUsers returns usernames from user-service over c. Names are fresh for
// ten minutes and, while user-service is unreachable, served for a day
// after that.
func NewUsers(c internalapi.Caller) *Users {
	return &Users{c: internalapi.New(c), cache: internalapi.NewCache[string](internalapi.CacheOptions{
		TTL: 10 * time.Minute, StaleFor: 24 * time.Hour,
		NegativeTTL: 10 * time.Second, IsNegative: func(err error) bool { return errors.Is(err, chat.ErrUnknownUser) },
	})}
}

// Username implements chat.Directory.
func (u *Users) Username(ctx context.Context, userID string) (string, error) {
	return u.cache.Get(ctx, userID, func(ctx context.Context) (string, error) {
		got, err := u.c.User(ctx, userID)
		if errors.Is(err, internalapi.ErrNotFound) {
			return "", chat.ErrUnknownUser
		}
		return got.Username, err
	})
}
