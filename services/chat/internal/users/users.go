// Package users looks up usernames in user-service for chat-service,
// caching them: a message's "from" names its sender.
package users

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

// Client implements chat.Directory.
type Client struct {
	get   GetJSON
	cache *ttlcache.Cache[string]
}

// New returns a Client. Names are fresh for ten minutes and, while
// user-service is unreachable, served for a day after that.
func New(get GetJSON) *Client {
	return &Client{get: get, cache: ttlcache.New[string](ttlcache.Options{
		TTL: 10 * time.Minute, StaleFor: 24 * time.Hour,
		NegativeTTL: 10 * time.Second, IsNegative: func(err error) bool { return errors.Is(err, chat.ErrUnknownUser) },
	})}
}

// Username implements chat.Directory.
func (c *Client) Username(ctx context.Context, userID string) (string, error) {
	return c.cache.Get(ctx, userID, 3*time.Second, func(ctx context.Context) (string, error) {
		var u struct {
			Username string `json:"username"`
		}
		err := c.get(ctx, "user-service", "/user-service-api/internal/users/"+url.PathEscape(userID), &u)
		if discovery.IsNotFound(err) {
			return "", chat.ErrUnknownUser
		}
		return u.Username, err
	})
}
