// Command matching-service pairs peers who asked for the same practice
// criteria, exactly once, on any number of replicas. All state lives in
// Redis; it has no database.
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/peerprep/peerprep/libs/service"
)

func main() { service.Main("matching-service", run) }
