// Command user-service serves accounts, sign-in and access tokens.
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/peerprep/peerprep/libs/service"
)

func main() { service.Main("user-service", run) }
