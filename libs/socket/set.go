package socket

import (
	"context"
	"sync"

	"github.com/coder/websocket"
)

// Closer is a socket a Set holds (a Conn, or a service's type around
// one): Close closes it with a close frame (and may return before the
// closing handshake ends), CloseNow drops it.
type Closer interface {
	comparable
	Close(code websocket.StatusCode, reason string)
	CloseNow()
}

// Set is the sockets a replica holds. On shutdown Close closes every one
// with Restart (1012), so clients reconnect to another replica, and waits
// for them to be removed; once closing it takes no new ones.
type Set[C Closer] struct {
	mu      sync.Mutex
	conns   map[C]struct{}
	closing bool
	wg      sync.WaitGroup
}

// Add adds c; false when the set is closing (c is not added).
func (s *Set[C]) Add(c C) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if s.conns == nil {
		s.conns = map[C]struct{}{}
	}
	if _, ok := s.conns[c]; !ok {
		s.conns[c] = struct{}{}
		s.wg.Add(1)
	}
	return true
}

// Remove removes c once it is done.
func (s *Set[C]) Remove(c C) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; ok {
		delete(s.conns, c)
		s.wg.Done()
	}
}

// Len is how many sockets the set holds.
func (s *Set[C]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Closing reports whether Close was called.
func (s *Set[C]) Closing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// All lists the sockets.
func (s *Set[C]) All() []C {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]C, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Close stops taking sockets, closes every one with Restart and waits
// until all are removed or ctx ends; then those left are dropped. It
// returns how many sockets it closed.
func (s *Set[C]) Close(ctx context.Context) int {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	conns := s.All()
	for _, c := range conns {
		c.Close(Restart, RestartReason)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range s.All() {
			c.CloseNow()
		}
	}
	return len(conns)
}
