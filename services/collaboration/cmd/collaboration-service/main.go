// Command collaboration-service serves the shared code editor of a
// session: the Yjs sync and awareness protocol over WebSockets, relayed
// across replicas through Redis streams and kept in PostgreSQL.
//
//	collaboration-service [serve]      run the HTTP server (default)
//	collaboration-service migrate      apply database migrations and exit
//	collaboration-service healthcheck  probe /health/live (container health check)
package main

import (
	// CA roots compiled in: the images have no certificate bundle.
	_ "golang.org/x/crypto/x509roots/fallback"

	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "collaboration-service:", err)
		os.Exit(1)
	}
}
