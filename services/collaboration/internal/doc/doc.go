// Package doc names the pieces of a shared document the service moves
// around without interpreting them: opaque Yjs updates, where they sit in a
// session's Redis stream, and what a compaction snapshot covers.
package doc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// StreamID is a Redis stream entry id, "<ms>-<seq>".
type StreamID struct{ Ms, Seq int64 }

// ErrBadStreamID is returned by ParseStreamID.
var ErrBadStreamID = errors.New("doc: malformed stream id")

// ParseStreamID parses "<ms>-<seq>".
func ParseStreamID(s string) (StreamID, error) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return StreamID{}, fmt.Errorf("%w: %q", ErrBadStreamID, s)
	}
	a, err1 := strconv.ParseInt(ms, 10, 64)
	b, err2 := strconv.ParseInt(seq, 10, 64)
	if err1 != nil || err2 != nil || a < 0 || b < 0 {
		return StreamID{}, fmt.Errorf("%w: %q", ErrBadStreamID, s)
	}
	return StreamID{a, b}, nil
}

func (id StreamID) String() string {
	return strconv.FormatInt(id.Ms, 10) + "-" + strconv.FormatInt(id.Seq, 10)
}

// Less reports whether id sorts before o.
func (id StreamID) Less(o StreamID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// IsZero reports whether id is "0-0", before every entry.
func (id StreamID) IsZero() bool { return id == StreamID{} }

// Update is one stored Yjs update of a session.
type Update struct {
	SessionID string
	EntryID   string   // "<stream id>/<nonce>": unique per stream entry
	Stream    StreamID // where it was in the session's stream
	Seq       int64    // storage order, set when read back
	Data      []byte
}

// EntryID names a stream entry durably: its id plus the nonce the writer
// put in it, so an entry of a stream recreated after a Redis flush never
// collides with an older one.
func EntryID(id StreamID, nonce string) string { return id.String() + "/" + nonce }

// Loaded is a session's stored document.
type Loaded struct {
	Updates []Update // in storage order
	MaxSeq  int64    // the largest Seq; every stored update up to it is in Updates
	// Covered: every stream entry up to here is inside a stored snapshot.
	Covered StreamID
}

// Coverage says which stored updates a client's full state contains: those
// it was sent when it joined (Seq <= MaxSeq), and every stream entry up to
// the last one relayed to it (UpTo). Entries up to the stream position it
// joined at came with the document (from the stream, or from storage once
// persisted, and entries are trimmed only once persisted); later ones were
// relayed, or are its own.
type Coverage struct {
	MaxSeq int64
	UpTo   StreamID
}
