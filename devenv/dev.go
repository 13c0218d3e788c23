package devenv

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
)

// Dev runs every service in the table that exists, on its local port, wired
// to each other and to local PostgreSQL and Redis, until Ctrl-C.
func (e *Env) Dev(ctx context.Context) error {
	replicas, err := e.replicas(1)
	if err != nil {
		return err
	}
	pl, err := e.preparePlatform(ctx, platformConfig{
		Replicas:   replicas,
		PublicAddr: cmp.Or(e.Getenv("PEERPREP_GATEWAY_ADDR"), ":8080"),
		DNSAddr:    cloudMapAddr,
		Stdout:     e.Stdout,
		Stderr:     e.Stderr,
	})
	if err != nil {
		return err
	}
	defer pl.close()
	e.logf("local INTERNAL_API_TOKEN for this run: %s", pl.wiring.InternalToken)
	e.logf("gateway (local ALB) on %s; %d instance(s) per service", pl.PublicURL, replicas)
	return e.supervise(ctx, pl.procs, pl.out, pl.PublicURL, pl.routed)
}

// cloudMapAddr is the Cloud Map stand-in's DNS server (UDP): services
// resolve each other's instances there, as Cloud Map's multivalue
// answers list the tasks, and call them directly.
const cloudMapAddr = "127.0.0.1:8090"

// replicas is PEERPREP_REPLICAS: instances per service, 1–5 (def when unset).
func (e *Env) replicas(def int) (int, error) {
	v := e.Getenv("PEERPREP_REPLICAS")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 5 {
		return 0, fmt.Errorf("PEERPREP_REPLICAS must be 1–5, got %q", v)
	}
	return n, nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

func mustBinaries(root string) []Binary {
	bins, _ := Binaries(root) // Build reports the error
	return bins
}

func inTable(table []Service, b Binary) bool {
	for _, s := range table {
		if s.Binary() == b.Name && s.Dir == b.ModuleDir {
			return true
		}
	}
	return false
}
