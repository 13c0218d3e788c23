// Command chat-service serves per-session chat: a WebSocket per room with
// messages fanned out through Redis to every replica and persisted to
// PostgreSQL, and the room's history.
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/peerprep/peerprep/libs/service"
)

func main() { service.Main("chat-service", run) }
