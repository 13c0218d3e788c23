package yproto

import (
	"bytes"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	update := []byte{1, 1, 200, 3, 0, 4, 1, 1, 116, 1, 97, 0} // an arbitrary Yjs-looking update
	big := bytes.Repeat([]byte{7}, 300)                       // length needs a two-byte varUint
	cases := []struct {
		name  string
		frame []byte
		want  []Message
		err   bool
	}{
		{"sync step 1 with an empty state vector", Step1Empty, []Message{{Type: TypeSync, SyncType: SyncStep1, Payload: []byte{0}}}, false},
		{"sync step 2 with the empty update", Step2Empty, []Message{{Type: TypeSync, SyncType: SyncStep2, Payload: EmptyUpdate}}, false},
		{"sync update", Update(update), []Message{{Type: TypeSync, SyncType: SyncUpdate, Payload: update}}, false},
		{"long update", Update(big), []Message{{Type: TypeSync, SyncType: SyncUpdate, Payload: big}}, false},
		{"two messages in one frame", append(Update(update), QueryAwareness...), []Message{
			{Type: TypeSync, SyncType: SyncUpdate, Payload: update}, {Type: TypeQueryAwareness}}, false},
		{"awareness", Awareness([]byte{0}), []Message{{Type: TypeAwareness, Payload: []byte{0}}}, false},
		{"auth message is skipped over", append([]byte{TypeAuth, 0, 2, 'n', 'o'}, QueryAwareness...), []Message{
			{Type: TypeAuth}, {Type: TypeQueryAwareness}}, false},
		{"unknown type ends the frame", []byte{9, 1, 2, 3}, []Message{{Type: 9}}, false},
		{"empty frame", nil, nil, true},
		{"truncated length", []byte{TypeSync, SyncUpdate, 5, 1, 2}, nil, true},
		{"unknown sync type", []byte{TypeSync, 7, 0}, nil, true},
		{"unterminated varUint", []byte{0x80, 0x80}, nil, true},
		{"varUint beyond 53 bits", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.frame)
			if tc.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d messages, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.Type != w.Type || g.SyncType != w.SyncType || !bytes.Equal(g.Payload, w.Payload) {
					t.Fatalf("message %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestAwareness(t *testing.T) {
	t.Parallel()
	// Two clients: 1234 at clock 3 with a cursor, 99 gone (null).
	state := `{"user":{"name":"ada"},"cursor":null}`
	p := AppendVarUint(nil, 2)
	p = AppendVarUint(p, 1234)
	p = AppendVarUint(p, 3)
	p = appendVarBytes(p, []byte(state))
	p = AppendVarUint(p, 99)
	p = AppendVarUint(p, 7)
	p = appendVarBytes(p, []byte("null"))

	got, err := ParseAwareness(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []AwarenessState{{ClientID: 1234, Clock: 3}, {ClientID: 99, Clock: 7, Null: true}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	bad := AppendVarUint(nil, 1)
	bad = AppendVarUint(bad, 1)
	bad = AppendVarUint(bad, 1)
	bad = appendVarBytes(bad, []byte("{not json"))
	if _, err := ParseAwareness(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("invalid JSON state: err = %v", err)
	}

	// The removal message peers receive when a connection closes.
	msgs, err := Parse(AwarenessRemoval(map[uint64]uint64{1234: 3}))
	if err != nil || len(msgs) != 1 || msgs[0].Type != TypeAwareness {
		t.Fatalf("removal: %+v %v", msgs, err)
	}
	rem, err := ParseAwareness(msgs[0].Payload)
	if err != nil || len(rem) != 1 || rem[0] != (AwarenessState{ClientID: 1234, Clock: 4, Null: true}) {
		t.Fatalf("removal states: %+v %v", rem, err)
	}

	if msgs, err := Parse(KeepAlive); err != nil || len(msgs) != 1 {
		t.Fatalf("keepalive: %v", err)
	} else if st, err := ParseAwareness(msgs[0].Payload); err != nil || len(st) != 0 {
		t.Fatalf("keepalive holds states: %+v %v", st, err)
	}
}

// FuzzParse feeds arbitrary frames to the parsers of client messages: they
// never panic, and every payload they return lies inside the frame.
func FuzzParse(f *testing.F) {
	for _, s := range [][]byte{
		Step1Empty, Step2Empty, Update([]byte{1, 2, 3}), QueryAwareness, KeepAlive,
		AwarenessRemoval(map[uint64]uint64{1: 1}), {TypeAuth, 0, 0}, {0x80}, {0, 2, 0x80, 0x80, 0x80, 0x80, 0x80},
		append(Update([]byte{9}), Step1Empty...),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		msgs, err := Parse(frame)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unexpected error type: %v", err)
		}
		total := 0
		for _, m := range msgs {
			total += len(m.Payload)
			if m.Type == TypeAwareness {
				_, _ = ParseAwareness(m.Payload)
			}
		}
		if total > len(frame) {
			t.Fatalf("payloads (%d bytes) larger than the frame (%d)", total, len(frame))
		}
	})
}

// A keystroke update as y-websocket sends it (~20 bytes of Yjs update).
var keystroke = Update([]byte{1, 1, 222, 197, 148, 182, 8, 9, 132, 222, 197, 148, 182, 8, 8, 1, 120, 0})

func BenchmarkParseUpdate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(keystroke); err != nil {
			b.Fatal(err)
		}
	}
}

var sink []byte

func BenchmarkEncodeUpdate(b *testing.B) {
	u := keystroke[3:]
	b.ReportAllocs()
	for b.Loop() {
		sink = Update(u)
	}
}
