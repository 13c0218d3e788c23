// Command bench-peers stands in for user-service and question-service when
// load-testing history-service on its own (see BENCHMARKS.md). It serves a
// fresh signing key's JWKS, usernames for the partners gen-bench-data
// creates, and prints an access token for the benchmark user.
//
//	go run ./cmd/bench-peers -addr 127.0.0.1:8199 -user 00000000-0000-4000-8000-00000000beef
package main

import (
	"context"
	"crypto/md5"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-peers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench-peers", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8199", "listen address")
	user := fs.String("user", "00000000-0000-4000-8000-00000000beef", "the user to sign a token for")
	partners := fs.Int("partners", 997, "partners gen-bench-data made (md5('partner-'||n) for n below this)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	token := getenv("INTERNAL_API_TOKEN")
	if token == "" {
		return errors.New("INTERNAL_API_TOKEN must be set (the same as history-service's)")
	}
	priv, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	signer := auth.NewSigner(priv, nil)
	p := fake.New(token)
	p.ServeJWKS(signer.JWKS())
	for n := range *partners {
		sum := md5.Sum(fmt.Appendf(nil, "partner-%d", n))
		p.SetUser(uuid.UUID(sum).String(), fmt.Sprintf("partner_%d", n))
	}
	tok, exp, err := signer.Sign(*user, auth.RoleUser, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "TOKEN=%s\n# expires %s; serving on http://%s\n", tok, exp.Format(time.RFC3339), *addr)
	srv := &http.Server{Addr: *addr, Handler: p, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
