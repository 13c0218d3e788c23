// Command prepare installs and builds the sandbox's interpreters (see
// package runtimes); mage test runs it before the module's tests:
//
//	go run ./runtimes/prepare
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/peerprep/peerprep/services/execution/runtimes"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := runtimes.ModuleDir()
	if err == nil {
		err = runtimes.Prepare(ctx, dir, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "prepare:", err)
		os.Exit(1)
	}
}
