// Command question-service serves PeerPrep's question bank: questions,
// topics, search and random picks for the matcher.
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/peerprep/peerprep/libs/service"
)

func main() { service.Main("question-service", run) }
