package docstream

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/redisgroup"
	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
)

const (
	readerShards = 4               // blocking XREADs per replica, each over a share of the sessions
	readBlock    = 2 * time.Second // how long one XREAD waits; new sessions wake it early
	readCount    = 512             // entries per stream per XREAD
	wakeTTL      = time.Hour
)

// Reader follows the streams of the sessions this replica hosts and hands
// new entries to Deliver, in stream order per session. Sessions are spread
// over a few shards; each shard is one blocking XREAD over its streams and
// its own wake stream, which Add writes to so the XREAD restarts with the
// new stream included.
type Reader struct {
	rdb     *redis.Client
	keys    Keys
	log     *slog.Logger
	deliver func(owner any, entries []Entry)
	shards  []*shard
}

type shard struct {
	wakeKey string

	mu     sync.Mutex
	wakeID string
	subs   map[string]*cursor // session → where its reader is
}

type cursor struct {
	owner any
	last  doc.StreamID
}

// NewReader returns a Reader for replica; deliver receives the owner given
// to Add and the entries after the cursor.
func NewReader(rdb *redis.Client, keys Keys, replica string, log *slog.Logger, deliver func(owner any, entries []Entry)) *Reader {
	r := &Reader{rdb: rdb, keys: keys, log: log, deliver: deliver}
	for i := range readerShards {
		r.shards = append(r.shards, &shard{wakeKey: keys.Wake(replica, i), wakeID: "0-0", subs: map[string]*cursor{}})
	}
	return r
}

func (r *Reader) shardOf(sid string) *shard {
	h := fnv.New32a()
	_, _ = h.Write([]byte(sid))
	return r.shards[h.Sum32()%uint32(len(r.shards))]
}

// Add follows the session's stream from after `from` on behalf of owner,
// replacing any earlier follower of the same session.
func (r *Reader) Add(ctx context.Context, sid string, owner any, from doc.StreamID) error {
	sh := r.shardOf(sid)
	sh.mu.Lock()
	sh.subs[sid] = &cursor{owner: owner, last: from}
	sh.mu.Unlock()
	if err := r.wake(ctx, sh); err != nil {
		r.Remove(sid, owner)
		return err
	}
	return nil
}

func (r *Reader) wake(ctx context.Context, sh *shard) error {
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{Stream: sh.wakeKey, MaxLen: 16, Approx: true, Values: []any{"w", "1"}})
		p.PExpire(ctx, sh.wakeKey, wakeTTL)
		return nil
	})
	return err
}

// Remove stops following the session if owner still follows it.
func (r *Reader) Remove(sid string, owner any) {
	sh := r.shardOf(sid)
	sh.mu.Lock()
	if c := sh.subs[sid]; c != nil && c.owner == owner {
		delete(sh.subs, sid)
	}
	sh.mu.Unlock()
}

// Run reads until ctx is done, then deletes the wake streams.
func (r *Reader) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, sh := range r.shards {
		wg.Add(1)
		go func() { defer wg.Done(); r.runShard(ctx, sh) }()
	}
	<-ctx.Done()
	// Unblock the XREADs now rather than when they time out.
	wctx, cancel := context.WithTimeout(context.Background(), time.Second)
	for _, sh := range r.shards {
		_ = r.wake(wctx, sh)
	}
	wg.Wait()
	keys := make([]string, len(r.shards))
	for i, sh := range r.shards {
		keys[i] = sh.wakeKey
	}
	_ = r.rdb.Del(wctx, keys...).Err()
	cancel()
}

func (r *Reader) runShard(ctx context.Context, sh *shard) {
	failures := 0
	for ctx.Err() == nil {
		sh.mu.Lock()
		streams := make([]string, 0, 2*len(sh.subs)+2)
		ids := make([]string, 0, len(sh.subs)+1)
		for sid, c := range sh.subs {
			streams = append(streams, r.keys.Doc(sid))
			ids = append(ids, c.last.String())
		}
		streams = append(append(streams, sh.wakeKey), append(ids, sh.wakeID)...)
		sh.mu.Unlock()

		res, err := r.rdb.XRead(ctx, &redis.XReadArgs{Streams: streams, Count: readCount, Block: readBlock}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures == 1 || failures%50 == 0 {
				r.log.Warn("reading document streams failed", "error", err.Error(), "failures", failures)
			}
			redisgroup.Sleep(ctx, min(time.Duration(failures)*50*time.Millisecond, time.Second))
			continue
		}
		failures = 0
		for _, st := range res {
			if len(st.Messages) == 0 {
				continue
			}
			lastID, err := doc.ParseStreamID(st.Messages[len(st.Messages)-1].ID)
			if err != nil {
				continue
			}
			if st.Stream == sh.wakeKey {
				sh.mu.Lock()
				sh.wakeID = lastID.String()
				sh.mu.Unlock()
				continue
			}
			sid, ok := r.keys.sessionOf(st.Stream)
			if !ok {
				continue
			}
			sh.mu.Lock()
			c := sh.subs[sid]
			if c == nil {
				sh.mu.Unlock()
				continue
			}
			from := c.last
			if from.Less(lastID) {
				c.last = lastID
			}
			owner := c.owner
			sh.mu.Unlock()
			var fresh []Entry
			for _, e := range entries(st.Messages) {
				if from.Less(e.ID) {
					fresh = append(fresh, e)
				}
			}
			if len(fresh) > 0 {
				r.deliver(owner, fresh)
			}
		}
	}
}
