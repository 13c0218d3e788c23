// Command frontend-service serves the PeerPrep web app: the Vite build
// embedded in the binary, behind the ALB's default rule.
package main

import (
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
		fmt.Fprintln(os.Stderr, "frontend-service:", err)
		os.Exit(1)
	}
}
