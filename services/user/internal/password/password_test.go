package password

import (
	"context"
	"strings"
	"testing"
)

// fast keeps tests quick; the format and logic are the same as Default.
var fast = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(fast, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", enc)
	}
	if ok, err := h.Verify(ctx, "correct horse battery", enc); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := h.Verify(ctx, "wrong horse battery", enc); ok {
		t.Fatal("wrong password accepted")
	}
	again, _ := h.Hash(ctx, "correct horse battery")
	if again == enc {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "plain"} {
		if _, err := h.Verify(ctx, "x", bad); err == nil {
			t.Errorf("malformed %q accepted", bad)
		}
	}
}

// BenchmarkHashDefault reports argon2id's cost per login at the production
// parameters.
func BenchmarkHashDefault(b *testing.B) {
	h, err := NewHasher(Default, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	enc, _ := h.Hash(ctx, "benchmark-password")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := h.Verify(ctx, "benchmark-password", enc); !ok {
			b.Fatal("verify failed")
		}
	}
}
