package remote

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// TopicLister is the part of *internalapi.Client Topics uses.
type TopicLister interface {
	Topics(ctx context.Context) ([]internalapi.Topic, error)
}

// Topics caches question-service's topic list (implements match.Topics).
// A list past its TTL is refetched; while question-service fails, the last
// list serves, however old.
type Topics struct {
	c     TopicLister
	now   func() time.Time
	log   *slog.Logger
	cache *internalapi.Cache[map[string]map[string]int] // one entry: slug → questions by difficulty (nil: not reported)

	mu      sync.Mutex
	triedAt time.Time
}

// missRefetch is how soon an unknown topic may trigger a refetch (a topic
// added a moment ago), so a flood of bogus topics costs one call at most
// this often.
const missRefetch = 5 * time.Second

// NewTopics returns a cache that keeps the list for ttl. now and log may be nil.
func NewTopics(c TopicLister, ttl time.Duration, now func() time.Time, log *slog.Logger) *Topics {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Topics{c: c, now: now, log: log, cache: internalapi.NewCache[map[string]map[string]int](internalapi.CacheOptions{
		TTL: ttl, StaleFor: 100 * 365 * 24 * time.Hour, Max: 1, Now: now,
	})}
}

// Lookup implements match.Topics.
func (t *Topics) Lookup(ctx context.Context, slug, difficulty string) (match.TopicInfo, error) {
	topics, err := t.cache.Get(ctx, "", t.load)
	if err != nil {
		return match.TopicInfo{}, fmt.Errorf("%w: question-service topics: %v", match.ErrUnavailable, err)
	}
	counts, known := topics[slug]
	if !known {
		t.mu.Lock()
		missed := t.now().Sub(t.triedAt) >= missRefetch
		t.mu.Unlock()
		if !missed {
			return match.TopicInfo{}, nil
		}
		if topics, err = t.cache.Reload(ctx, "", t.load); err != nil {
			return match.TopicInfo{}, nil // unknown in the list that serves
		}
		if counts, known = topics[slug]; !known {
			return match.TopicInfo{}, nil
		}
	}
	n, reported := counts[difficulty]
	return match.TopicInfo{Known: true, HasQuestions: counts == nil || !reported || n > 0}, nil
}

func (t *Topics) load(ctx context.Context) (map[string]map[string]int, error) {
	t.mu.Lock()
	t.triedAt = t.now()
	t.mu.Unlock()
	list, err := t.c.Topics(ctx)
	if err != nil {
		t.log.Warn("question-service topics unavailable; a cached list serves if there is one", "error", err.Error())
		return nil, err
	}
	m := make(map[string]map[string]int, len(list))
	for _, d := range list {
		if d.Slug != "" {
			m[d.Slug] = d.ByDifficulty
		}
	}
	return m, nil
}
