// Command question-service serves PeerPrep's question bank: questions,
// topics, search and random picks for the matcher.
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "question-service:", err)
		os.Exit(1)
	}
}
