package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func mustKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// forge signs arbitrary claims with method and key, stamping kid.
func forge(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", "role": "user",
		"iss": Issuer, "aud": Audience,
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": "x",
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	priv := mustKey(t)
	kid := KeyID(Public(priv))
	other := mustKey(t)
	v := NewVerifier(StaticKeys{kid: Public(priv)}, clock)

	good, _, err := NewSigner(priv, clock).Sign("6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", RoleAdmin, "")
	if err != nil {
		t.Fatal(err)
	}

	with := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := validClaims(now)
		mut(c)
		return c
	}
	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		_ = json.Unmarshal(payload, &m)
		m["role"] = "admin"
		b, _ := json.Marshal(m)
		parts[1] = base64.RawURLEncoding.EncodeToString(b)
		return strings.Join(parts, ".")
	}
	userTok := forge(t, jwt.SigningMethodEdDSA, priv, kid, validClaims(now))

	cases := []struct {
		name  string
		token string
		ok    bool
	}{
		{"token from the signer is accepted", good, true},
		{"hand-built EdDSA token with the right claims is accepted", userTok, true},
		{"token expired beyond the leeway is rejected", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), false},
		{"token expired within the leeway is accepted", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() })), true},
		{"token without exp is rejected", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { delete(c, "exp") })), false},
		{"token issued in the future is rejected", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })), false},
		{"wrong audience is rejected", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { c["aud"] = "someone-else" })), false},
		{"wrong issuer is rejected", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { c["iss"] = "evil" })), false},
		{"unknown role is rejected", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { c["role"] = "root" })), false},
		{"missing subject is rejected", forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c jwt.MapClaims) { delete(c, "sub") })), false},
		{"alg none is rejected", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, validClaims(now)), false},
		{"HS256 signed with the public key is rejected", forge(t, jwt.SigningMethodHS256, []byte(Public(priv)), kid, validClaims(now)), false},
		{"unknown kid is rejected", forge(t, jwt.SigningMethodEdDSA, priv, "no-such-kid", validClaims(now)), false},
		{"missing kid is rejected", forge(t, jwt.SigningMethodEdDSA, priv, "", validClaims(now)), false},
		{"tampered payload is rejected", tamper(userTok), false},
		{"token from another key under our kid is rejected", forge(t, jwt.SigningMethodEdDSA, other, kid, validClaims(now)), false},
		{"garbage is rejected", "not.a.jwt", false},
		{"empty string is rejected", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claims, err := v.Verify(context.Background(), tc.token)
			if tc.ok && err != nil {
				t.Fatalf("want accepted, got %v", err)
			}
			if !tc.ok {
				if err == nil {
					t.Fatalf("want rejected, got claims %+v", claims)
				}
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("error %v does not wrap ErrInvalidToken", err)
				}
			}
		})
	}
}

func TestSignerClaims(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	priv := mustKey(t)
	s := NewSigner(priv, func() time.Time { return now })
	tok, exp, err := s.Sign("u1", RoleUser, "")
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(15 * time.Minute)) {
		t.Fatalf("exp = %v", exp)
	}
	claims, err := NewVerifier(StaticKeys{s.KeyID(): Public(priv)}, func() time.Time { return now }).Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if claims.UserID() != "u1" || claims.Role != RoleUser || claims.ID == "" {
		t.Fatalf("claims = %+v", claims)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if !strings.Contains(string(hdr), `"alg":"EdDSA"`) || !strings.Contains(string(hdr), `"kid":"`+s.KeyID()+`"`) {
		t.Fatalf("header = %s", hdr)
	}
}

func TestParseKeys(t *testing.T) {
	t.Parallel()
	priv := mustKey(t)
	pemKey, err := MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"PEM":            pemKey,
		"base64 seed":    base64.StdEncoding.EncodeToString(priv.Seed()),
		"base64url seed": base64.RawURLEncoding.EncodeToString(priv.Seed()),
		"base64 64-byte": base64.StdEncoding.EncodeToString(priv),
	} {
		got, err := ParsePrivateKey(in)
		if err != nil || !got.Equal(priv) {
			t.Errorf("%s: got err %v", name, err)
		}
	}
	for name, in := range map[string]string{
		"empty":        "",
		"short base64": base64.StdEncoding.EncodeToString([]byte("short")),
		"bad PEM":      "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
		"not base64":   "%%%",
	} {
		if _, err := ParsePrivateKey(in); err == nil {
			t.Errorf("%s: want error", name)
		}
	}

	jwks, _ := json.Marshal(NewSigner(priv, nil).JWKS())
	keys, err := ParseStaticKeys(string(jwks))
	if err != nil || !keys[KeyID(Public(priv))].Equal(Public(priv)) {
		t.Fatalf("JWKS static keys: %v %v", keys, err)
	}
	keys, err = ParseStaticKeys(base64.StdEncoding.EncodeToString(Public(priv)))
	if err != nil || len(keys) != 1 {
		t.Fatalf("base64 static keys: %v %v", keys, err)
	}
}

func TestJWKSClientRefetchesUnknownKidRateLimited(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	first, second := mustKey(t), mustKey(t)
	var fetches atomic.Int32
	published := []ed25519.PrivateKey{first}
	c := NewJWKSClient(func(context.Context) (JWKS, error) {
		fetches.Add(1)
		var set JWKS
		for _, k := range published {
			set.Keys = append(set.Keys, NewJWK(Public(k)))
		}
		return set, nil
	}, clock)
	ctx := context.Background()

	if _, err := c.PublicKey(ctx, KeyID(Public(first))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublicKey(ctx, KeyID(Public(first))); err != nil || fetches.Load() != 1 {
		t.Fatalf("known kid refetched: fetches=%d err=%v", fetches.Load(), err)
	}
	// A rotated-in key is unknown; it is fetched once the rate limit allows.
	published = append(published, second)
	for range 5 {
		if _, err := c.PublicKey(ctx, "forged"); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("forged kid: %v", err)
		}
	}
	if fetches.Load() != 1 {
		t.Fatalf("unknown kids within the rate limit fetched %d times", fetches.Load())
	}
	now = now.Add(11 * time.Second)
	if _, err := c.PublicKey(ctx, KeyID(Public(second))); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if fetches.Load() != 2 {
		t.Fatalf("fetches = %d, want 2", fetches.Load())
	}
}

// BenchmarkVerify is the common case: a token already verified once.
func BenchmarkVerify(b *testing.B) {
	priv := mustKey(b)
	s := NewSigner(priv, nil)
	tok, _, _ := s.Sign("6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", RoleUser, "")
	v := NewVerifier(StaticKeys{s.KeyID(): Public(priv)}, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyCacheHonoursExpiry: a cached token stops being accepted when it
// expires, and a tampered copy of a cached token is not a cache hit.
func TestVerifyCacheHonoursExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	priv := mustKey(t)
	s := NewSigner(priv, clock)
	v := NewVerifier(StaticKeys{s.KeyID(): Public(priv)}, clock)
	tok, _, _ := s.Sign("u1", RoleUser, "")
	for range 2 {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.Verify(context.Background(), tok[:len(tok)-2]+"xx"); err == nil {
		t.Fatal("tampered signature accepted")
	}
	now = now.Add(AccessTTL + Leeway + time.Second)
	if _, err := v.Verify(context.Background(), tok); err == nil {
		t.Fatal("expired token accepted from the cache")
	}
}

// BenchmarkVerifyUncached is the full signature and claims check, as for a
// token seen for the first time.
func BenchmarkVerifyUncached(b *testing.B) {
	priv := mustKey(b)
	s := NewSigner(priv, nil)
	tok, _, _ := s.Sign("6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", RoleUser, "")
	v := NewVerifier(StaticKeys{s.KeyID(): Public(priv)}, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

type revokedUsers map[string]bool

func (r revokedUsers) Revoked(userID, _ string, _ time.Time) bool { return r[userID] }

// TestVerifyRefusesRevokedTokens: a token verified (and cached) before its
// user's revocation is refused after it.
func TestVerifyRefusesRevokedTokens(t *testing.T) {
	t.Parallel()
	priv, _ := GenerateKey()
	s := NewSigner(priv, nil)
	v := NewVerifier(StaticKeys{s.KeyID(): Public(priv)}, nil)
	revoked := revokedUsers{}
	v.CheckRevocations(revoked)
	tok, _, _ := s.Sign("u1", RoleUser, "s1")
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	revoked["u1"] = true
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrInvalidToken) || !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoked token: %v", err)
	}
}
