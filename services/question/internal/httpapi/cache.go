package httpapi

import (
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/services/question/internal/question"
)

// Cache keeps encoded questions (body and ETag) so that the hot reads, GET
// /questions/{id} and the random pick, skip the database. It is a cache,
// not state: every replica fills its own, and every write anywhere evicts
// the question everywhere through the database's change feed
// (postgres.Store.WatchChanges), to which Cache listens. While the feed is
// down nothing is cached, and entries older than the TTL are refetched in
// case a change was ever missed.
type Cache struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu        sync.RWMutex
	byID      map[uuid.UUID]*cached
	bySlug    map[string]uuid.UUID
	gen       uint64 // bumped by every eviction; a fill that started before one is dropped
	listening bool
}

// cached is a question encoded for users and internal callers (see
// encode). Admins' bodies, the only ones with hidden test cases, are never
// cached.
type cached struct {
	id     uuid.UUID
	slug   string
	public rendering // what users read: no interviewer notes, visible cases only
	full   rendering // what internal callers read: notes, visible cases only
	at     time.Time
}

// rendering is one encoded body and its ETag.
type rendering struct {
	body []byte
	etag string
}

// forCaller picks the rendering the caller of c may read; an admin gets
// the internal one here, and handlers render admins' own bodies instead.
func (e *cached) forCaller(c echo.Context) rendering {
	if audienceOf(c) != userAudience {
		return e.full
	}
	return e.public
}

// NewCache returns a Cache of at most max questions kept for ttl, or nil
// (no caching) when max is not positive. It caches nothing until the change
// feed says it is listening. now may be nil.
func NewCache(max int, ttl time.Duration, now func() time.Time) *Cache {
	if max <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{max: max, ttl: ttl, now: now, byID: map[uuid.UUID]*cached{}, bySlug: map[string]uuid.UUID{}}
}

// lookup returns the entry for ref, or nil, and the generation to hand to
// a later fill.
func (c *Cache) lookup(ref question.Ref) (*cached, uint64) {
	if c == nil {
		return nil, 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	id := ref.ID
	if !ref.IsID() {
		id = c.bySlug[ref.Slug]
	}
	e := c.byID[id]
	if e == nil || (!ref.IsID() && e.slug != ref.Slug) || c.now().Sub(e.at) > c.ttl {
		return nil, c.gen
	}
	return e, c.gen
}

// generation is what lookup returns besides the entry, for a fill after a
// read that did not start with a lookup.
func (c *Cache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// fill keeps e unless something was evicted since gen was read (e may be
// older than that change) or the change feed is down.
func (c *Cache) fill(gen uint64, e *cached) {
	if c == nil {
		return
	}
	e.at = c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.listening {
		return
	}
	if old := c.byID[e.id]; old == nil && len(c.byID) >= c.max {
		for id, victim := range c.byID { // map order is random: a random eviction
			c.remove(id, victim)
			break
		}
	} else if old != nil {
		c.remove(e.id, old)
	}
	c.byID[e.id] = e
	c.bySlug[e.slug] = e.id
}

func (c *Cache) remove(id uuid.UUID, e *cached) {
	delete(c.byID, id)
	if c.bySlug[e.slug] == id {
		delete(c.bySlug, e.slug)
	}
}

// Changed implements postgres.ChangeListener: question id was written.
func (c *Cache) Changed(id uuid.UUID) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if e := c.byID[id]; e != nil {
		c.remove(id, e)
	}
}

// Reset implements postgres.ChangeListener: forget everything.
func (c *Cache) Reset(listening bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.listening = listening
	clear(c.byID)
	clear(c.bySlug)
}

// Len is the number of questions cached.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byID)
}

// Listening reports whether the change feed is connected, that is whether
// the cache is in use.
func (c *Cache) Listening() bool {
	if c == nil {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.listening
}
