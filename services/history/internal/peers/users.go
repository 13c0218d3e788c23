package peers

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"

	"github.com/peerprep/peerprep/libs/discovery"
	"github.com/peerprep/peerprep/services/history/internal/attempt"
)

// UsersOptions tunes a Users directory. Zero values take the defaults named.
type UsersOptions struct {
	TTL        time.Duration // how long a username (or a deletion) is reused, 2m
	FailureTTL time.Duration // how long a failed lookup is not retried, 5s
	MaxEntries int           // cache bound, 10000
	Parallel   int           // concurrent lookups per call, 8
	Timeout    time.Duration // bound on one user-service lookup, 2s
	Now        func() time.Time
}

// Users looks up usernames in user-service behind a small in-process
// cache. The cache is only a cache: another replica missing it just asks
// user-service itself, so it is not state replicas must share.
type Users struct {
	disc *discovery.Client
	o    UsersOptions

	lookups singleflight.Group

	mu      sync.Mutex
	entries map[uuid.UUID]userEntry
}

type userEntry struct {
	name    attempt.Username
	failed  bool // user-service could not be asked; name is meaningless
	expires time.Time
}

// NewUsers returns a user-service directory on disc.
func NewUsers(disc *discovery.Client, o UsersOptions) *Users {
	if o.TTL <= 0 {
		o.TTL = 2 * time.Minute
	}
	if o.FailureTTL <= 0 {
		o.FailureTTL = 5 * time.Second
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 10_000
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Users{disc: disc, o: o, entries: make(map[uuid.UUID]userEntry)}
}

var _ attempt.Directory = (*Users)(nil)

// Usernames implements attempt.Directory. Cached answers come back at once;
// the rest are looked up concurrently until ctx ends. An id whose lookup
// failed or did not finish in time is left out.
func (u *Users) Usernames(ctx context.Context, ids []uuid.UUID) map[uuid.UUID]attempt.Username {
	out := make(map[uuid.UUID]attempt.Username, len(ids))
	now := u.o.Now()
	var missing []uuid.UUID
	u.mu.Lock()
	for _, id := range ids {
		e, ok := u.entries[id]
		switch {
		case ok && now.Before(e.expires) && e.failed:
			// user-service failed for this id moments ago: do not wait on it again.
		case ok && now.Before(e.expires):
			out[id] = e.name
		default:
			missing = append(missing, id)
		}
	}
	u.mu.Unlock()
	if len(missing) == 0 {
		return out
	}

	type result struct {
		id   uuid.UUID
		name attempt.Username
		ok   bool
	}
	results := make(chan result, len(missing))
	sem := make(chan struct{}, u.o.Parallel)
	var wg sync.WaitGroup
	for _, id := range missing {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			name, ok := u.lookup(ctx, id)
			results <- result{id, name, ok}
		}()
	}
	wg.Wait()
	close(results)
	for r := range results {
		if r.ok {
			out[r.id] = r.name
		}
	}
	return out
}

// lookup asks user-service for one user, sharing the call with concurrent
// callers asking for the same id. The call runs detached from any one
// caller, bounded by Timeout, so its answer is cached even if that caller
// gives up; the caller waits only as long as its ctx allows.
func (u *Users) lookup(ctx context.Context, id uuid.UUID) (attempt.Username, bool) {
	ch := u.lookups.DoChan(id.String(), func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), u.o.Timeout)
		defer cancel()
		name, err := u.fetch(fctx, id)
		u.store(id, name, err != nil)
		return name, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return attempt.Username{}, false
		}
		return r.Val.(attempt.Username), true
	case <-ctx.Done():
		return attempt.Username{}, false
	}
}

type userBody struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

func (u *Users) fetch(ctx context.Context, id uuid.UUID) (attempt.Username, error) {
	var b userBody
	err := u.disc.GetJSON(ctx, "user-service", "/user-service-api/internal/users/"+id.String(), &b)
	if discovery.IsNotFound(err) {
		return attempt.Username{Deleted: true}, nil
	}
	if err != nil {
		return attempt.Username{}, err
	}
	if b.Username == "" {
		return attempt.Username{}, errors.New("user-service answered without a username")
	}
	return attempt.Username{Name: b.Username}, nil
}

// store caches an answer (or a failure, briefly), keeping the cache within
// MaxEntries: expired entries go first, then arbitrary ones.
func (u *Users) store(id uuid.UUID, name attempt.Username, failed bool) {
	now := u.o.Now()
	ttl := u.o.TTL
	if failed {
		ttl = u.o.FailureTTL
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.entries[id]; !ok && len(u.entries) >= u.o.MaxEntries {
		for k, e := range u.entries {
			if !now.Before(e.expires) {
				delete(u.entries, k)
			}
		}
		// Still full: drop a tenth, chosen by map order (effectively random).
		for k := range u.entries {
			if len(u.entries) < u.o.MaxEntries*9/10 {
				break
			}
			delete(u.entries, k)
		}
	}
	u.entries[id] = userEntry{name: name, failed: failed, expires: now.Add(ttl)}
}
