package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/server"
)

// RunFunc is the signature of every service's run().
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error

// Main is a service's main: run with the process's arguments, environment
// and stdout, its context cancelled by SIGINT or SIGTERM; an error is
// printed and exits 1.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// go-redis reports connection trouble through a process-wide logger;
	// make it JSON lines like the rest.
	redis.SetLogger(redisLogger{server.NewLogger(os.Stdout, os.Getenv("LOG_LEVEL"), name)})
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

type redisLogger struct{ log *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
