//go:build mage

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/magefile/mage/mg"

	"github.com/peerprep/peerprep/deploy/config"
	"github.com/peerprep/peerprep/deploy/image"
	"github.com/peerprep/peerprep/deploy/pipeline"
)

// Deploy groups the ECS deploy targets (deploy/pipeline). DEPLOY_YES=1 (or
// CI=true) skips the production confirmation; DEPLOY_JSON=<file> writes a
// machine-readable summary.
type Deploy mg.Namespace

// Plan shows, per service, what deploying HEAD would change (image, environment, secrets, cpu/memory, counts, autoscaling); changes nothing.
func (Deploy) Plan(ctx context.Context, env string) error {
	p, err := newPipeline(ctx, env)
	if err != nil {
		return err
	}
	sha, err := p.Git.HeadSHA(ctx)
	if err != nil {
		return err
	}
	_, err = p.Plan(ctx, sha)
	return err
}

// Staging deploys every service to staging: images, migrations, task definitions, rollout, ALB verification, rollback on failure.
func (Deploy) Staging(ctx context.Context) error { return deploy(ctx, "staging") }

// Prod deploys every service to production (asks first unless DEPLOY_YES=1, PEERPREP_YES=1 or CI=true; mage targets take no flags).
func (Deploy) Prod(ctx context.Context) error { return deploy(ctx, "production") }

// Service deploys one service to env.
func (Deploy) Service(ctx context.Context, env, name string) error { return deploy(ctx, env, name) }

// Rollback returns service (or "all") in env to its previous task definition revision, waited and verified.
func (Deploy) Rollback(ctx context.Context, env, service string) error {
	p, err := newPipeline(ctx, env)
	if err != nil {
		return err
	}
	var names []string
	if service != "all" {
		names = []string{service}
	}
	sum, err := p.Rollback(ctx, names)
	return writeSummary(sum, err)
}

// Status prints every service's desired/running/pending counts, rollout state, image tag and last events.
func (Deploy) Status(ctx context.Context, env string) error {
	p, err := newPipeline(ctx, env)
	if err != nil {
		return err
	}
	_, err = p.Status(ctx)
	return err
}

// Migrate runs the database migrations for HEAD's images as one-off ECS tasks.
func (Deploy) Migrate(ctx context.Context, env string) error {
	p, err := newPipeline(ctx, env)
	if err != nil {
		return err
	}
	sum, err := p.Migrate(ctx)
	return writeSummary(sum, err)
}

func deploy(ctx context.Context, env string, services ...string) error {
	p, err := newPipeline(ctx, env)
	if err != nil {
		return err
	}
	yes := os.Getenv("DEPLOY_YES") == "1" || os.Getenv("PEERPREP_YES") == "1" || os.Getenv("CI") == "true"
	sum, err := p.Deploy(ctx, pipeline.Options{Services: services, Yes: yes})
	return writeSummary(sum, err)
}

func newPipeline(ctx context.Context, env string) (*pipeline.Pipeline, error) {
	e, err := config.Load("deploy", env)
	if err != nil {
		return nil, err
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(e.Region))
	if err != nil {
		return nil, err
	}
	p := pipeline.New(e, pipeline.NewClients(cfg))
	p.Out, p.Git, p.Publisher = os.Stdout, pipeline.LocalGit{Dir: "."}, distPublisher{cfg: cfg}
	p.Confirm = func(prompt string) bool {
		fmt.Print(prompt)
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		return strings.EqualFold(strings.TrimSpace(line), "y") || strings.EqualFold(strings.TrimSpace(line), "yes")
	}
	return p, nil
}

func writeSummary(sum *pipeline.Summary, err error) error {
	if path := os.Getenv("DEPLOY_JSON"); path != "" && sum != nil {
		f, ferr := os.Create(path)
		if ferr != nil {
			return errors.Join(err, ferr)
		}
		defer f.Close()
		if werr := sum.WriteJSON(f); werr != nil {
			return errors.Join(err, werr)
		}
	}
	return err
}

// distPublisher builds every image with deploy/image and pushes it to ECR
// (existing tags are skipped there).
type distPublisher struct{ cfg aws.Config }

func (d distPublisher) Publish(ctx context.Context, env *config.Environment, sha string) (map[string]string, error) {
	if _, err := image.BuildDist(ctx, ".", os.Stdout); err != nil {
		return nil, err
	}
	images := map[string]string{}
	var names []string
	for _, s := range env.Services {
		names = append(names, s.Name)
		images[s.Name] = pipeline.ImageURI(env, s.Name, sha)
	}
	return images, image.PushDist(ctx, ".", d.cfg, names, os.Stdout)
}
