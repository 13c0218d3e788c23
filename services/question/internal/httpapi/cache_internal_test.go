package httpapi

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/services/question/internal/question"
)

func entry(slug string) *cached {
	return &cached{id: uuid.New(), slug: slug, public: rendering{body: []byte(`{}`), etag: `"x"`}}
}

func TestCacheRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	byID := func(e *cached) question.Ref { return question.Ref{ID: e.id} }

	t.Run("nothing is kept while the change feed is down", func(t *testing.T) {
		c := NewCache(10, time.Minute, clock)
		e := entry("a")
		_, gen := c.lookup(byID(e))
		c.fill(gen, e)
		if got, _ := c.lookup(byID(e)); got != nil {
			t.Fatal("cached without a change feed")
		}
	})
	t.Run("a fill that raced a change is dropped", func(t *testing.T) {
		c := NewCache(10, time.Minute, clock)
		c.Reset(true)
		e := entry("a")
		_, gen := c.lookup(byID(e))
		c.Changed(uuid.New()) // any change: the read may predate it
		c.fill(gen, e)
		if got, _ := c.lookup(byID(e)); got != nil {
			t.Fatal("kept a possibly stale entry")
		}
	})
	t.Run("found by id and by slug until changed", func(t *testing.T) {
		c := NewCache(10, time.Minute, clock)
		c.Reset(true)
		e := entry("two-sum")
		_, gen := c.lookup(byID(e))
		c.fill(gen, e)
		if got, _ := c.lookup(byID(e)); got != e {
			t.Fatal("miss by id")
		}
		if got, _ := c.lookup(question.Ref{Slug: "two-sum"}); got != e {
			t.Fatal("miss by slug")
		}
		c.Changed(e.id)
		if got, _ := c.lookup(question.Ref{Slug: "two-sum"}); got != nil || c.Len() != 0 {
			t.Fatal("kept after a change")
		}
	})
	t.Run("entries expire", func(t *testing.T) {
		c := NewCache(10, time.Minute, func() time.Time { return now })
		c.Reset(true)
		e := entry("a")
		_, gen := c.lookup(byID(e))
		c.fill(gen, e)
		now = now.Add(2 * time.Minute)
		if got, _ := c.lookup(byID(e)); got != nil {
			t.Fatal("served past its TTL")
		}
	})
	t.Run("size is bounded", func(t *testing.T) {
		c := NewCache(3, time.Hour, clock)
		c.Reset(true)
		for i := range 10 {
			_, gen := c.lookup(question.Ref{Slug: "x"})
			c.fill(gen, entry(string(rune('a'+i))))
		}
		if c.Len() != 3 || len(c.bySlug) != 3 {
			t.Fatalf("%d entries, %d slugs; want 3", c.Len(), len(c.bySlug))
		}
	})
	t.Run("a nil cache caches nothing", func(t *testing.T) {
		var c *Cache
		c.fill(0, entry("a"))
		c.Changed(uuid.New())
		c.Reset(true)
		if got, _ := c.lookup(question.Ref{Slug: "a"}); got != nil || c.Len() != 0 || c.Listening() {
			t.Fatal("nil cache is not empty")
		}
		if NewCache(0, time.Minute, nil) != nil {
			t.Fatal("size 0 must disable caching")
		}
	})
}
