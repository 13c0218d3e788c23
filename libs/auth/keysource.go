package auth

import (
	"context"
	"fmt"
	"time"
)

// JWKSPath is where user-service publishes its keys (behind its prefix).
const JWKSPath = "/user-service-api/.well-known/jwks.json"

// ServiceGetter fetches JSON from another service by name (libs/discovery's
// Client).
type ServiceGetter interface {
	GetJSON(ctx context.Context, service, path string, out any) error
}

// KeysFromConfig returns the static keys of JWT_PUBLIC_KEYS when set, or a
// JWKSClient that loads user-service's JWKS through services.
func KeysFromConfig(static string, services ServiceGetter, now func() time.Time) (KeySource, error) {
	if static != "" {
		keys, err := ParseStaticKeys(static)
		if err != nil {
			return nil, fmt.Errorf("JWT_PUBLIC_KEYS: %w", err)
		}
		return keys, nil
	}
	return NewJWKSClient(func(ctx context.Context) (JWKS, error) {
		var set JWKS
		err := services.GetJSON(ctx, "user-service", JWKSPath, &set)
		return set, err
	}, now), nil
}
