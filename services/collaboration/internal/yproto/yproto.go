// Package yproto reads and writes the y-protocols messages the y-websocket
// client speaks (sync, awareness, auth, query-awareness), in lib0 encoding.
// It frames messages; it never interprets a Yjs update (the CRDT stays in
// the clients).
//
// A message is a varUint message type followed by its payload:
//
//	sync (0):            varUint syncType (0 step 1, 1 step 2, 2 update) + varUint8Array
//	awareness (1):       varUint8Array holding an awareness update
//	auth (2):            varUint permission + varString reason
//	query awareness (3): no payload
package yproto

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Message types.
const (
	TypeSync           = 0
	TypeAwareness      = 1
	TypeAuth           = 2
	TypeQueryAwareness = 3
)

// Sync message types.
const (
	SyncStep1  = 0
	SyncStep2  = 1
	SyncUpdate = 2
)

// ErrMalformed is returned for bytes that are not a y-protocols message.
var ErrMalformed = errors.New("yproto: malformed message")

// maxVarUint is the largest value lib0 can decode (JavaScript's safe
// integers); anything longer is not something a real client sent.
const maxVarUint = 1<<53 - 1

// Message is one decoded message. Payload aliases the frame it was read
// from.
type Message struct {
	Type     uint64
	SyncType uint64 // for TypeSync
	Payload  []byte // sync: the state vector or update; awareness: the awareness update
}

// Parse decodes every message of a frame. The y-websocket client sends one
// message per frame, but a frame may carry several. A message of an unknown
// type ends the frame (its length cannot be known); it is returned with an
// empty payload so the caller can ignore it.
func Parse(frame []byte) ([]Message, error) {
	var out []Message
	for len(frame) > 0 {
		m, rest, err := next(frame)
		if err != nil {
			return out, err
		}
		out = append(out, m)
		frame = rest
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	return out, nil
}

func next(b []byte) (Message, []byte, error) {
	typ, b, err := readVarUint(b)
	if err != nil {
		return Message{}, nil, err
	}
	m := Message{Type: typ}
	switch typ {
	case TypeSync:
		if m.SyncType, b, err = readVarUint(b); err != nil {
			return Message{}, nil, err
		}
		if m.SyncType > SyncUpdate {
			return Message{}, nil, fmt.Errorf("%w: unknown sync message type %d", ErrMalformed, m.SyncType)
		}
		m.Payload, b, err = readVarBytes(b)
		return m, b, err
	case TypeAwareness:
		m.Payload, b, err = readVarBytes(b)
		return m, b, err
	case TypeAuth:
		if _, b, err = readVarUint(b); err != nil {
			return Message{}, nil, err
		}
		_, b, err = readVarBytes(b)
		return m, b, err
	case TypeQueryAwareness:
		return m, b, nil
	default:
		return m, nil, nil
	}
}

func readVarUint(b []byte) (uint64, []byte, error) {
	var v uint64
	for i := 0; i < len(b) && i < 8; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			if v > maxVarUint {
				return 0, nil, fmt.Errorf("%w: number too large", ErrMalformed)
			}
			return v, b[i+1:], nil
		}
	}
	return 0, nil, fmt.Errorf("%w: truncated or oversized number", ErrMalformed)
}

func readVarBytes(b []byte) ([]byte, []byte, error) {
	n, b, err := readVarUint(b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: length %d exceeds the %d bytes left", ErrMalformed, n, len(b))
	}
	return b[:n:n], b[n:], nil
}

// AppendVarUint appends v in lib0's variable-length encoding.
func AppendVarUint(b []byte, v uint64) []byte {
	return binary.AppendUvarint(b, v) // LEB128, the same bytes lib0 writes
}

// appendVarBytes appends a varUint8Array.
func appendVarBytes(b, p []byte) []byte {
	return append(AppendVarUint(b, uint64(len(p))), p...)
}

// EmptyUpdate is the Yjs update that changes nothing (no structs, an empty
// delete set): what Y.encodeStateAsUpdate returns for an empty document.
var EmptyUpdate = []byte{0, 0}

// IsEmptyUpdate reports whether u is EmptyUpdate.
func IsEmptyUpdate(u []byte) bool { return len(u) == 2 && u[0] == 0 && u[1] == 0 }

// Update encodes a sync update message carrying u.
func Update(u []byte) []byte {
	b := make([]byte, 0, len(u)+2+binary.MaxVarintLen32)
	b = append(b, TypeSync, SyncUpdate)
	return appendVarBytes(b, u)
}

// Step2 encodes a sync step 2 message carrying u.
func Step2(u []byte) []byte {
	b := make([]byte, 0, len(u)+2+binary.MaxVarintLen32)
	b = append(b, TypeSync, SyncStep2)
	return appendVarBytes(b, u)
}

// Step2Empty is a sync step 2 with an empty update: the y-websocket client
// marks itself synced when a step 2 arrives.
var Step2Empty = []byte{TypeSync, SyncStep2, 2, 0, 0}

// Step1Empty is a sync step 1 with an empty state vector: the client answers
// with a step 2 holding its whole document.
var Step1Empty = []byte{TypeSync, SyncStep1, 1, 0}

// QueryAwareness asks a client to send its awareness states.
var QueryAwareness = []byte{TypeQueryAwareness}

// KeepAlive is an awareness message with no states. Clients apply it as a
// no-op, but it counts as a message received: the y-websocket client drops
// a connection that has been silent for 30 s.
var KeepAlive = []byte{TypeAwareness, 1, 0}

// AwarenessState is one client's entry in an awareness update.
type AwarenessState struct {
	ClientID uint64
	Clock    uint64
	Null     bool // the state is JSON null: the client is gone
}

// Limits on awareness updates a client may send.
const (
	maxAwarenessStates     = 64
	maxAwarenessStateBytes = 64 << 10
)

// ParseAwareness decodes an awareness update: varUint count, then per
// client varUint clientID, varUint clock and a varString of JSON. The JSON
// must be valid: the receiving clients JSON.parse it, and a bad state would
// break their message handling.
func ParseAwareness(p []byte) ([]AwarenessState, error) {
	n, p, err := readVarUint(p)
	if err != nil {
		return nil, err
	}
	if n > maxAwarenessStates {
		return nil, fmt.Errorf("%w: %d awareness states", ErrMalformed, n)
	}
	out := make([]AwarenessState, 0, n)
	for i := uint64(0); i < n; i++ {
		var s AwarenessState
		if s.ClientID, p, err = readVarUint(p); err != nil {
			return nil, err
		}
		if s.Clock, p, err = readVarUint(p); err != nil {
			return nil, err
		}
		var state []byte
		if state, p, err = readVarBytes(p); err != nil {
			return nil, err
		}
		if len(state) > maxAwarenessStateBytes || !utf8.Valid(state) || !json.Valid(state) {
			return nil, fmt.Errorf("%w: awareness state is not JSON", ErrMalformed)
		}
		s.Null = string(state) == "null"
		out = append(out, s)
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes after awareness states", ErrMalformed)
	}
	return out, nil
}

// AwarenessRemoval encodes the awareness message that tells peers the given
// clients are gone: each with its clock advanced and a null state, as the
// y-websocket server does when a connection closes.
func AwarenessRemoval(clocks map[uint64]uint64) []byte {
	inner := AppendVarUint(nil, uint64(len(clocks)))
	for id, clock := range clocks {
		inner = AppendVarUint(inner, id)
		inner = AppendVarUint(inner, clock+1)
		inner = appendVarBytes(inner, []byte("null"))
	}
	return appendVarBytes([]byte{TypeAwareness}, inner)
}

// Awareness encodes an awareness message carrying the update p.
func Awareness(p []byte) []byte {
	return appendVarBytes([]byte{TypeAwareness}, p)
}
