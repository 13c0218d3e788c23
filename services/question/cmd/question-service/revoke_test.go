package main

import (
	"context"
	"encoding/base64"
	"io"
	"testing"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/servicetest"
)

// TestRevokedTokenIsRefused: a token that works is refused by both
// replicas once user-service revokes its user.
func TestRevokedTokenIsRefused(t *testing.T) {
	t.Parallel()
	priv, _ := auth.GenerateKey()
	rdb, prefix := redistest.New(t)
	e := env{
		"DATABASE_URL":       pgtest.NewURL(t, nil),
		"ENVIRONMENT":        "test",
		"JWT_PUBLIC_KEYS":    base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"INTERNAL_API_TOKEN": "e2e-internal-token-0123456789",
		"REDIS_URL":          redistest.URL(),
		"REDIS_KEY_PREFIX":   prefix,
	}
	if err := run(context.Background(), []string{"migrate"}, e.get, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, b := servicetest.Start(t, run, e), servicetest.Start(t, run, e)
	tok, _, _ := auth.NewSigner(priv, nil).Sign("6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", auth.RoleUser, "")
	servicetest.WaitStatus(t, a.URL+"/question-service-api/topics", tok, 200)
	if err := revocation.NewPublisher(rdb, prefix).Revoke(context.Background(), revocation.Revocation{UserID: "6f1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a1", Deleted: true}); err != nil {
		t.Fatal(err)
	}
	servicetest.WaitStatus(t, a.URL+"/question-service-api/topics", tok, 401)
	servicetest.WaitStatus(t, b.URL+"/question-service-api/topics", tok, 401)
}
