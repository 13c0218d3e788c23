package postgres

import (
	"context"
	"testing"

	"github.com/peerprep/peerprep/services/collaboration/internal/doc"
)

// BenchmarkLoadDoc50k reads a document stored as 50,000 keystroke-sized
// updates (the worst case a join can meet: nothing compacted).
func BenchmarkLoadDoc50k(b *testing.B) {
	s := New(pgtestPool(b))
	sid := newSessionTB(b, s).ID
	ups := make([]doc.Update, 0, 50000)
	for i := range 50000 {
		id := doc.StreamID{Ms: int64(i + 1)}
		ups = append(ups, doc.Update{SessionID: sid, EntryID: doc.EntryID(id, "bench"), Stream: id, Data: make([]byte, 21)})
	}
	for len(ups) > 0 {
		k := min(len(ups), 5000)
		if err := s.PersistUpdates(context.Background(), ups[:k]); err != nil {
			b.Fatal(err)
		}
		ups = ups[k:]
	}
	b.ResetTimer()
	for b.Loop() {
		l, err := s.LoadDoc(context.Background(), sid, false)
		if err != nil || len(l.Updates) != 50000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkPersistBatch stores 1000 keystroke updates of 10 sessions in one
// transaction, as one persister tick under load does.
func BenchmarkPersistBatch(b *testing.B) {
	s := New(pgtestPool(b))
	var sids []string
	for range 10 {
		sids = append(sids, newSessionTB(b, s).ID)
	}
	n := 0
	b.ResetTimer()
	for b.Loop() {
		ups := make([]doc.Update, 1000)
		for i := range ups {
			n++
			id := doc.StreamID{Ms: int64(n)}
			ups[i] = doc.Update{SessionID: sids[i%10], EntryID: doc.EntryID(id, "b"), Stream: id, Data: make([]byte, 20)}
		}
		if err := s.PersistUpdates(context.Background(), ups); err != nil {
			b.Fatal(err)
		}
	}
}
