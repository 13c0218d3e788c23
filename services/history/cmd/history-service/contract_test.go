package main

import (
	"encoding/base64"
	"testing"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi/contract"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/history/internal/postgres/migrations"
)

// TestInternalAPIContract: history-service answers its internal routes as
// libs/internalapi (and its fake) say.
func TestInternalAPIContract(t *testing.T) {
	t.Parallel()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	peers := fake.Start(t, internalToken)
	svc := servicetest.Start(t, run, map[string]string{
		"DATABASE_URL":         pgtest.NewURL(t, migrations.FS),
		"INTERNAL_API_TOKEN":   internalToken,
		"JWT_PUBLIC_KEYS":      base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"QUESTION_SERVICE_URL": peers.URL,
		"USER_SERVICE_URL":     peers.URL,
	})
	contract.Run(t, contract.Target{URL: svc.URL, Token: internalToken, History: true})
}
