// Command collaboration-service serves the shared code editor of a
// session: the Yjs sync and awareness protocol over WebSockets, relayed
// across replicas through Redis streams and kept in PostgreSQL.
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/peerprep/peerprep/libs/service"
)

func main() { service.Main("collaboration-service", run) }
