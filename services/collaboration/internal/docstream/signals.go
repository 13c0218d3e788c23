package docstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Kinds of signal.
const (
	SigAwareness = 'a' // an awareness message to relay (Data: the whole message)
	SigQuery     = 'q' // a client joined: ask the others for their awareness
	SigEnded     = 'e' // the session ended: close its sockets
	SigLeft      = 'l' // a participant left (Data: the user id): close their sockets
	SigControl   = 'c' // a control message for every socket (Data: the whole message)
)

// Signal is a message for every replica hosting a session. Signals are not
// kept: a replica that misses one learns the state from its heartbeat.
type Signal struct {
	Kind   byte
	Origin string // the connection it came from, not sent back to it
	Data   []byte
}

func (s Signal) encode() ([]byte, error) {
	if len(s.Origin) > 255 {
		return nil, errors.New("docstream: origin too long")
	}
	b := make([]byte, 0, 2+len(s.Origin)+len(s.Data))
	b = append(b, s.Kind, byte(len(s.Origin)))
	b = append(b, s.Origin...)
	return append(b, s.Data...), nil
}

func decodeSignal(p string) (Signal, bool) {
	if len(p) < 2 || len(p) < 2+int(p[1]) {
		return Signal{}, false
	}
	n := int(p[1])
	return Signal{Kind: p[0], Origin: p[2 : 2+n], Data: []byte(p[2+n:])}, true
}

// Signals publishes and receives signals. Subscriptions are counted per
// session, so a session hosted again before its old room was torn down
// stays subscribed.
type Signals struct {
	rdb  *redis.Client
	keys Keys
	log  *slog.Logger
	ps   *redis.PubSub

	mu   sync.Mutex
	refs map[string]int
}

// NewSignals returns Signals on rdb.
func NewSignals(rdb *redis.Client, keys Keys, log *slog.Logger) *Signals {
	return &Signals{rdb: rdb, keys: keys, log: log, ps: rdb.Subscribe(context.Background()), refs: map[string]int{}}
}

// Publish sends sig to every replica hosting the session.
func (s *Signals) Publish(ctx context.Context, sid string, sig Signal) error {
	b, err := sig.encode()
	if err != nil {
		return err
	}
	if err := s.rdb.Publish(ctx, s.keys.Signals(sid), b).Err(); err != nil {
		return fmt.Errorf("publish signal: %w", err)
	}
	return nil
}

// Subscribe starts receiving the session's signals.
func (s *Signals) Subscribe(ctx context.Context, sid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs[sid] == 0 {
		if err := s.ps.Subscribe(ctx, s.keys.Signals(sid)); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	}
	s.refs[sid]++
	return nil
}

// Unsubscribe undoes one Subscribe.
func (s *Signals) Unsubscribe(ctx context.Context, sid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs[sid]--; s.refs[sid] > 0 {
		return
	}
	delete(s.refs, sid)
	if err := s.ps.Unsubscribe(ctx, s.keys.Signals(sid)); err != nil {
		s.log.Debug("unsubscribe failed", "error", err.Error())
	}
}

// Run hands every signal received to deliver until ctx is done.
func (s *Signals) Run(ctx context.Context, deliver func(sid string, sig Signal)) {
	ch := s.ps.Channel()
	prefix := s.keys.Signals("")
	for {
		select {
		case <-ctx.Done():
			_ = s.ps.Close()
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			if len(m.Channel) <= len(prefix) {
				continue
			}
			if sig, ok := decodeSignal(m.Payload); ok {
				deliver(m.Channel[len(prefix):], sig)
			}
		}
	}
}
