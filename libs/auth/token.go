package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const (
	// Issuer is the `iss` of every access token.
	Issuer = "peerprep-user-service"
	// Audience is the `aud` of every access token.
	Audience = "peerprep"
	// AccessTTL is an access token's lifetime.
	AccessTTL = 15 * time.Minute
	// Leeway tolerates clock skew between replicas when checking exp/iat/nbf.
	Leeway = 30 * time.Second

	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Claims are the claims of an access token.
type Claims struct {
	Role string `json:"role"`
	// SessionID names the refresh-token family the token was issued in, so
	// "sign out every other session" knows which one is current.
	SessionID string `json:"sid,omitempty"`
	jwt.RegisteredClaims
}

// UserID is the subject, the user's UUID.
func (c *Claims) UserID() string { return c.Subject }

// Signer issues access tokens with one Ed25519 key.
type Signer struct {
	priv ed25519.PrivateKey
	kid  string
	ttl  time.Duration
	now  func() time.Time
}

// NewSigner returns a Signer for priv. now may be nil (time.Now).
func NewSigner(priv ed25519.PrivateKey, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	return &Signer{priv: priv, kid: KeyID(Public(priv)), ttl: AccessTTL, now: now}
}

// KeyID is the kid the Signer stamps.
func (s *Signer) KeyID() string { return s.kid }

// Sign issues an access token for userID with role in session sid (may be
// empty); it returns the token and its expiry.
func (s *Signer) Sign(userID, role, sid string) (string, time.Time, error) {
	now := s.now().UTC().Truncate(time.Second)
	exp := now.Add(s.ttl)
	claims := Claims{
		Role:      role,
		SessionID: sid,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.priv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return signed, exp, nil
}

// JWKS returns the public key set to publish.
func (s *Signer) JWKS() JWKS { return JWKS{Keys: []JWK{NewJWK(Public(s.priv))}} }

// JWK is one public key of a JWKS (RFC 8037 OKP key).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// NewJWK describes pub as a JWK.
func NewJWK(pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: KeyID(pub), Use: "sig", Alg: "EdDSA"}
}

// PublicKeys returns the Ed25519 signing keys of the set by kid, skipping keys of
// other types or uses.
func (s JWKS) PublicKeys() map[string]ed25519.PublicKey {
	out := make(map[string]ed25519.PublicKey, len(s.Keys))
	for _, k := range s.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "EdDSA") {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			continue
		}
		kid := k.Kid
		if kid == "" {
			kid = KeyID(raw)
		}
		out[kid] = ed25519.PublicKey(raw)
	}
	return out
}

// ErrInvalidToken is wrapped by every verification failure.
var ErrInvalidToken = errors.New("invalid token")

// ErrUnknownKey means no key is known for a token's kid.
var ErrUnknownKey = errors.New("unknown signing key")

// KeySource finds the public key for a kid.
type KeySource interface {
	PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error)
}

// StaticKeys is a fixed KeySource.
type StaticKeys map[string]ed25519.PublicKey

// PublicKey implements KeySource.
func (s StaticKeys) PublicKey(_ context.Context, kid string) (ed25519.PublicKey, error) {
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return nil, ErrUnknownKey
}

// ParseStaticKeys reads JWT_PUBLIC_KEYS: a JWKS document, or a comma-separated
// list of PEM or base64 Ed25519 public keys.
func ParseStaticKeys(s string) (StaticKeys, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var set JWKS
		if err := json.Unmarshal([]byte(s), &set); err != nil {
			return nil, fmt.Errorf("parse JWKS: %w", err)
		}
		keys := set.PublicKeys()
		if len(keys) == 0 {
			return nil, errors.New("JWKS holds no Ed25519 signing key")
		}
		return StaticKeys(keys), nil
	}
	out := StaticKeys{}
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		pub, err := ParsePublicKey(part)
		if err != nil {
			return nil, err
		}
		out[KeyID(pub)] = pub
	}
	if len(out) == 0 {
		return nil, errors.New("no public keys given")
	}
	return out, nil
}

// Verifier checks access tokens.
type Verifier struct {
	keys   KeySource
	parser *jwt.Parser
	now    func() time.Time

	// Verified tokens, keyed by the exact token string, until they expire:
	// a client sends the same token for 15 minutes, and the Ed25519 check
	// is most of an authenticated request's CPU.
	mu    sync.RWMutex
	cache map[string]*Claims

	revocations Revocations
}

// Revocations says whether a user's token was revoked after it was issued
// (libs/revocation keeps them). It must answer from memory: it runs on
// every authenticated request.
type Revocations interface {
	Revoked(userID, sessionID string, issuedAt time.Time) bool
}

// ErrRevoked is wrapped (with ErrInvalidToken) by the failure of a token
// revoked by a sign-out, a password change or an account deletion.
var ErrRevoked = errors.New("token revoked")

// CheckRevocations makes Verify refuse revoked tokens. Call it before serving.
func (v *Verifier) CheckRevocations(r Revocations) { v.revocations = r }

// cacheSize bounds the verified-token cache; when full it is emptied.
const cacheSize = 50_000

// NewVerifier returns a Verifier that accepts only EdDSA tokens signed by a
// key from keys, issued by user-service for the peerprep audience, unexpired.
// now may be nil (time.Now).
func NewVerifier(keys KeySource, now func() time.Time) *Verifier {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
	}
	if now != nil {
		opts = append(opts, jwt.WithTimeFunc(now))
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, parser: jwt.NewParser(opts...), now: now, cache: map[string]*Claims{}}
}

// Verify parses and checks token, and that it was not revoked; any failure
// wraps ErrInvalidToken. The returned Claims are shared: callers must not
// modify them.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	claims, err := v.verifyCached(ctx, token)
	if err != nil {
		return nil, err
	}
	if v.revocations != nil && claims.IssuedAt != nil && v.revocations.Revoked(claims.Subject, claims.SessionID, claims.IssuedAt.Time) {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, ErrRevoked)
	}
	return claims, nil
}

func (v *Verifier) verifyCached(ctx context.Context, token string) (*Claims, error) {
	v.mu.RLock()
	cached, ok := v.cache[token]
	v.mu.RUnlock()
	if ok {
		if v.now().Before(cached.ExpiresAt.Add(Leeway)) {
			return cached, nil
		}
		v.mu.Lock()
		delete(v.cache, token)
		v.mu.Unlock()
	}
	claims, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if len(v.cache) >= cacheSize {
		clear(v.cache)
	}
	v.cache[token] = claims
	v.mu.Unlock()
	return claims, nil
}

func (v *Verifier) verify(ctx context.Context, token string) (*Claims, error) {
	claims := &Claims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		// WithValidMethods already pins the algorithm; this keeps the key
		// type and the method tied even if the options change.
		if _, ok := t.Method.(*jwt.SigningMethodEd25519); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		return v.keys.PublicKey(ctx, kid)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if claims.Subject == "" {
		return nil, fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	if claims.Role != RoleUser && claims.Role != RoleAdmin {
		return nil, fmt.Errorf("%w: unknown role", ErrInvalidToken)
	}
	return claims, nil
}

func registered(subject string) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{Subject: subject}
}
