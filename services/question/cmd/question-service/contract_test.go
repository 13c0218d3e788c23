package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi/contract"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/servicetest"
)

// TestInternalAPIContract: question-service answers the routes other
// services call as libs/internalapi (and its fake) say.
func TestInternalAPIContract(t *testing.T) {
	t.Parallel()
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e := env{
		"DATABASE_URL":       pgtest.NewURL(t, nil),
		"ENVIRONMENT":        "test",
		"JWT_PUBLIC_KEYS":    base64.StdEncoding.EncodeToString(auth.Public(priv)),
		"INTERNAL_API_TOKEN": "contract-internal-token-0123456789",
	}
	for _, cmd := range []string{"migrate", "seed"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{cmd}, e.get, &out); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out.String())
		}
	}
	in := servicetest.Start(t, run, e)
	contract.Run(t, contract.Target{URL: in.URL, Token: e["INTERNAL_API_TOKEN"], Questions: true})
}
