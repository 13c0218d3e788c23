// Command execution-service runs users' code against a question's test
// cases inside a WebAssembly sandbox and keeps the runs.
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/peerprep/peerprep/libs/service"
)

func main() { service.Main("execution-service", run) }
