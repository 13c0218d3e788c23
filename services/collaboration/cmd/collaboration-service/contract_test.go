package main

import (
	"testing"

	"github.com/peerprep/peerprep/libs/internalapi/contract"
)

// TestInternalAPIContract: collaboration-service answers its internal
// routes as libs/internalapi (and its fake) say.
func TestInternalAPIContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.start()
	contract.Run(t, contract.Target{URL: r.URL, Token: internalToken, Sessions: true,
		Join: func(_ *testing.T, id, user string) { e.dial(r.URL, id, user) }})
}
