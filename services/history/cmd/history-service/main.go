// Command history-service keeps every attempt a user made in a PeerPrep
// session and answers their history and statistics.
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/peerprep/peerprep/libs/service"
)

func main() { service.Main("history-service", run) }
