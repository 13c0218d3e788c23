package main

import (
	"testing"

	"github.com/peerprep/peerprep/libs/internalapi/contract"
)

// TestInternalAPIContract: collaboration-service answers its internal
// routes as libs/internalapi (and its fake) say.
func TestInternalAPIContract(t *testing.T) {
	t.Parallel()
	r := newEnv(t).start()
	contract.Run(t, contract.Target{URL: r.URL, Token: internalToken, Sessions: true})
}
