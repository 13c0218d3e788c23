package remote

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// TopicLister is the part of *internalapi.Client Topics uses.
type TopicLister interface {
	Topics(ctx context.Context) ([]internalapi.Topic, error)
}

// Topics caches question-service's topic list (implements match.Topics).
type Topics struct {
	c   TopicLister
	ttl time.Duration
	now func() time.Time
	log *slog.Logger
	sf  singleflight.Group

	mu        sync.Mutex
	topics    map[string]map[string]int // slug → questions by difficulty (nil: not reported)
	fetchedAt time.Time
	triedAt   time.Time
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
	return &Topics{c: c, ttl: ttl, now: now, log: log}
}

// Lookup implements match.Topics.
func (t *Topics) Lookup(ctx context.Context, slug, difficulty string) (match.TopicInfo, error) {
	t.mu.Lock()
	topics, fetchedAt, triedAt := t.topics, t.fetchedAt, t.triedAt
	t.mu.Unlock()
	now := t.now()
	_, known := topics[slug]
	stale := topics == nil || now.Sub(fetchedAt) >= t.ttl
	missed := topics != nil && !known && now.Sub(triedAt) >= missRefetch
	if stale || missed {
		fresh, err := t.refresh(ctx)
		switch {
		case err == nil:
			topics = fresh
		case topics == nil:
			return match.TopicInfo{}, fmt.Errorf("%w: question-service topics: %v", match.ErrUnavailable, err)
		default:
			t.log.Warn("question-service topics unavailable; using the cached list", "error", err.Error(), "age", now.Sub(fetchedAt).Round(time.Second).String())
		}
	}
	counts, known := topics[slug]
	if !known {
		return match.TopicInfo{}, nil
	}
	n, reported := counts[difficulty]
	return match.TopicInfo{Known: true, HasQuestions: counts == nil || !reported || n > 0}, nil
}

func (t *Topics) refresh(ctx context.Context) (map[string]map[string]int, error) {
	v, err, _ := t.sf.Do("topics", func() (any, error) {
		t.mu.Lock()
		t.triedAt = t.now()
		t.mu.Unlock()
		// Shared by every waiting caller: not bound to this one's request.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		list, err := t.c.Topics(fctx)
		if err != nil {
			return nil, err
		}
		m := make(map[string]map[string]int, len(list))
		for _, d := range list {
			if d.Slug != "" {
				m[d.Slug] = d.ByDifficulty
			}
		}
		t.mu.Lock()
		t.topics, t.fetchedAt = m, t.now()
		t.mu.Unlock()
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[string]map[string]int), nil
}
