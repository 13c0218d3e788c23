// Command matchload is the matching benchmark's load client (package
// loadgen/matchload), run as a process of its own so that its CPU is read
// apart from the platform's. It prints one JSON line:
//
//	matchload -base URL signup -n 1000 -out users.json
//	matchload -base URL sustained -users users.json -n 400 -d 20s
//	matchload -base URL burst -users users.json -n 1000 -spread 1s
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/peerprep/peerprep/loadgen/matchload"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "matchload:", err)
		os.Exit(1)
	}
}

func run() error {
	base := flag.String("base", "", "the platform's public URL")
	flag.Parse()
	if *base == "" || flag.NArg() < 1 {
		return fmt.Errorf("usage: matchload -base URL signup|sustained|burst [flags]")
	}
	fs := flag.NewFlagSet(flag.Arg(0), flag.ExitOnError)
	n := fs.Int("n", 400, "users")
	conc := fs.Int("c", 8, "signups at a time")
	out := fs.String("out", "users.json", "signup: where to write the users")
	usersFile := fs.String("users", "users.json", "the users signup wrote")
	d := fs.Duration("d", 20*time.Second, "sustained: how long")
	spread := fs.Duration("spread", time.Second, "burst: arrivals within")
	_ = fs.Parse(flag.Args()[1:])
	ctx := context.Background()

	if flag.Arg(0) == "signup" {
		users, err := matchload.Signup(ctx, *base, *n, *conc)
		if err != nil {
			return err
		}
		return os.WriteFile(*out, matchload.Marshal(users), 0o600)
	}
	b, err := os.ReadFile(*usersFile)
	if err != nil {
		return err
	}
	var users []matchload.User
	if err := json.Unmarshal(b, &users); err != nil {
		return err
	}
	if *n > len(users) {
		return fmt.Errorf("%d users asked for, %d signed up", *n, len(users))
	}
	users = users[:*n]
	var res matchload.Result
	switch flag.Arg(0) {
	case "sustained":
		res, err = matchload.Sustained(ctx, *base, users, *d)
	case "burst":
		// The timed part's result, then the leaves once a line comes on
		// stdin (the bench reads the CPU between the two).
		_, err = matchload.Burst(ctx, *base, users, *spread, func(r matchload.Result) {
			fmt.Println(string(matchload.Marshal(r)))
			_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		})
		return err
	default:
		return fmt.Errorf("unknown scenario %q", flag.Arg(0))
	}
	if err != nil {
		return err
	}
	fmt.Println(string(matchload.Marshal(res)))
	return nil
}
