package main

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

// TestRevokedTokenIsRefused: a token that works is refused by both
// replicas once user-service revokes its user's other sessions.
func TestRevokedTokenIsRefused(t *testing.T) {
	t.Parallel()
	priv, _ := auth.GenerateKey()
	rdb, prefix := redistest.New(t)
	vars := map[string]string{
		"DATABASE_URL":       pgtest.NewURL(t, migrations.FS),
		"INTERNAL_API_TOKEN": internalToken,
		"JWT_PUBLIC_KEYS":    base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"REDIS_URL":          redistest.URL(),
		"REDIS_KEY_PREFIX":   prefix,
	}
	a, b := servicetest.Start(t, run, vars), servicetest.Start(t, run, vars)
	const user = "7a1c2a52-4f8e-4a57-9d36-8d0ef0f1e1a2"
	signer := auth.NewSigner(priv, nil)
	other, _, _ := signer.Sign(user, auth.RoleUser, "other-session")
	kept, _, _ := signer.Sign(user, auth.RoleUser, "kept-session")
	servicetest.WaitStatus(t, a.URL+"/history-service-api/attempts", other, 200)
	if err := revocation.NewPublisher(rdb, prefix).Revoke(context.Background(), revocation.Revocation{UserID: user, KeepSessionID: "kept-session"}); err != nil {
		t.Fatal(err)
	}
	servicetest.WaitStatus(t, a.URL+"/history-service-api/attempts", other, 401)
	servicetest.WaitStatus(t, b.URL+"/history-service-api/attempts", other, 401)
	servicetest.WaitStatus(t, b.URL+"/history-service-api/attempts", kept, 200)
}
