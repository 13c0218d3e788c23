package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// DistDir is where image:build writes one OCI layout per service.
func DistDir(root string) string { return filepath.Join(root, "dist", "images") }

// BuildDist builds the web app (BuildWeb), then every service under root at
// HEAD, and writes each image index to dist/images/<name> as an OCI layout
// tagged with the revision.
func BuildDist(ctx context.Context, root string, log io.Writer) ([]Built, error) {
	targets, err := Discover(root)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, errors.New("no services to build (looked for services/<name>/cmd/<name>-service)")
	}
	if err := BuildWeb(ctx, root, log); err != nil {
		return nil, err
	}
	rev, created, err := Revision(ctx, root)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	opts := Options{Revision: rev, Created: created, Log: log}
	opts.defaults()
	opts.logf("building %d images at %s (commit time %s, %d parallel builds)", len(targets), rev, created.Format(time.RFC3339), opts.Jobs)
	built, err := Build(ctx, targets, opts)
	if err != nil {
		return nil, err
	}
	for _, b := range built {
		dir := filepath.Join(DistDir(root), b.Target.Name)
		if err := WriteLayout(dir, b.Index, rev); err != nil {
			return nil, fmt.Errorf("write %s: %w", dir, err)
		}
		opts.logf("%s %s -> %s", b.Target.Name, b.Digest, dir)
	}
	opts.logf("built %d images for %d platforms in %s", len(built), len(opts.Platforms), time.Since(start).Round(100*time.Millisecond))
	return built, nil
}

// PushDist pushes every layout under dist/images whose name is in services
// to ECR (the account and region of cfg), tagged with the revision it was
// built at. A dirty build is refused: tags are immutable git SHAs.
func PushDist(ctx context.Context, root string, cfg aws.Config, services []string, log io.Writer) error {
	host, auth, err := ECRLogin(ctx, ecr.NewFromConfig(cfg))
	if err != nil {
		return err
	}
	for _, name := range services {
		dir := filepath.Join(DistDir(root), name)
		if _, err := os.Stat(dir); err != nil {
			fmt.Fprintf(log, "==> %s: no image in %s, skipped (its cmd directory does not exist yet?)\n", name, dir)
			continue
		}
		idx, tag, err := ReadLayout(dir)
		if err != nil {
			return err
		}
		if tag == "" || strings.HasSuffix(tag, "-dirty") {
			return fmt.Errorf("%s was built from uncommitted changes (%q); commit and build again", name, tag)
		}
		res, err := Push(ctx, idx, host+"/"+name, tag, remote.WithAuth(auth))
		if err != nil {
			return err
		}
		verb := "pushed"
		if !res.Pushed {
			verb = "already in the registry, not pushed"
		}
		fmt.Fprintf(log, "==> %s@%s %s\n", res.Ref, res.Digest, verb)
	}
	return nil
}
