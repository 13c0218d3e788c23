// Package auth issues and verifies PeerPrep access tokens (ARCHITECTURE §3
// Auth): Ed25519-signed JWTs with a pinned algorithm, published as a JWKS by
// user-service and verified locally by every other service, plus the echo
// middleware for bearer tokens, roles, the internal service token and
// WebSocket token extraction.
package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParsePrivateKey reads an Ed25519 private key given as PEM (PKCS #8) or as
// base64 (standard or URL alphabet) of the 32-byte seed or the 64-byte key.
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty key")
	}
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("malformed PEM")
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS #8 key: %w", err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("PEM key is %T, want Ed25519", k)
		}
		return priv, nil
	}
	raw, err := decodeBase64(s)
	if err != nil {
		return nil, err
	}
	switch len(raw) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
		if !priv.Equal(ed25519.PrivateKey(raw)) {
			return nil, errors.New("64-byte key's public half does not match its seed")
		}
		return priv, nil
	}
	return nil, fmt.Errorf("base64 key is %d bytes, want 32 (seed) or 64", len(raw))
}

// ParsePublicKey reads an Ed25519 public key given as PEM (PKIX) or base64 of
// its 32 bytes.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("malformed PEM")
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("PEM key is %T, want Ed25519", k)
		}
		return pub, nil
	}
	raw, err := decodeBase64(s)
	if err != nil {
		return nil, err
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key is %d bytes, want 32", len(raw))
	}
	return ed25519.PublicKey(raw), nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("key is neither PEM nor base64")
}

// GenerateKey makes a new Ed25519 key (for local development and tests).
func GenerateKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, err
}

// MarshalPrivateKey encodes priv as PKCS #8 PEM.
func MarshalPrivateKey(priv ed25519.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// KeyID is the RFC 7638 JWK thumbprint of pub, used as the `kid`.
func KeyID(pub ed25519.PublicKey) string {
	// The thumbprint input is the required members in lexical order, no spaces.
	in := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(in))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Public returns the public half of priv.
func Public(priv ed25519.PrivateKey) ed25519.PublicKey {
	return priv.Public().(ed25519.PublicKey)
}

var _ crypto.Signer = ed25519.PrivateKey(nil)
