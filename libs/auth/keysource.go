package auth

import (
	"context"
	"time"
)

// JWKSPath is where user-service publishes its keys (behind its prefix).
const JWKSPath = "/user-service-api/.well-known/jwks.json"

// KeysFromConfig returns the static keys of JWT_PUBLIC_KEYS when set, or a
// JWKSClient that loads user-service's JWKS through getJSON (a discovery
// client's GetJSON bound to "user-service").
func KeysFromConfig(static string, getJSON func(ctx context.Context, path string, out any) error, now func() time.Time) (KeySource, error) {
	if static != "" {
		return ParseStaticKeys(static)
	}
	return NewJWKSClient(func(ctx context.Context) (JWKS, error) {
		var set JWKS
		err := getJSON(ctx, JWKSPath, &set)
		return set, err
	}, now), nil
}
