// Package collaboration looks up collaboration-service sessions for
// chat-service (docs/internal-apis.md), caching answers for a few seconds.
package collaboration

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/chat/internal/chat"
	"github.com/peerprep/peerprep/services/chat/internal/ttlcache"
)

// GetJSON is discovery.Client.GetJSON.
type GetJSON func(ctx context.Context, service, path string, out any) error

// Client implements chat.Sessions.
type Client struct {
	get   GetJSON
	cache *ttlcache.Cache[chat.Session]
}

// New returns a Client caching sessions for ttl (unknown sessions for
// ttl too).
func New(get GetJSON, ttl time.Duration) *Client {
	return &Client{get: get, cache: ttlcache.New[chat.Session](ttlcache.Options{
		TTL: ttl, NegativeTTL: ttl, IsNegative: func(err error) bool { return errors.Is(err, chat.ErrNotFound) },
	})}
}

// session is the internal lookup's answer.
type session struct {
	ID         string   `json:"id"`
	UserIDs    []string `json:"user_ids"`
	QuestionID string   `json:"question_id"`
	Language   string   `json:"language"`
	Status     string   `json:"status"`
}

// Session implements chat.Sessions.
func (c *Client) Session(ctx context.Context, id string) (chat.Session, error) {
	return c.cache.Get(ctx, id, 3*time.Second, func(ctx context.Context) (chat.Session, error) {
		var s session
		err := c.get(ctx, "collaboration-service", "/collaboration-service-api/internal/sessions/"+url.PathEscape(id), &s)
		if discovery.IsNotFound(err) {
			return chat.Session{}, chat.ErrNotFound
		}
		if err != nil {
			return chat.Session{}, err
		}
		if s.ID == "" {
			s.ID = id
		}
		return chat.Session{ID: s.ID, UserIDs: s.UserIDs, Ended: s.Status == "ended"}, nil
	})
}
