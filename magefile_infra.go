//go:build mage

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/magefile/mage/mg"

	"github.com/peerprep/peerprep/deploy/cfn"
	"github.com/peerprep/peerprep/deploy/config"
	"github.com/peerprep/peerprep/deploy/image"
	"github.com/peerprep/peerprep/deploy/pipeline"
)

// Image groups the daemonless OCI image targets (deploy/image).
type Image mg.Namespace

// Build builds the web app (npm ci and npm run build in services/frontend/web, when it exists), then one linux/amd64+linux/arm64 image per service at HEAD into dist/images/<name> (OCI layouts), and prints the wall time.
func (Image) Build(ctx context.Context) error {
	_, err := image.BuildDist(ctx, ".", os.Stdout)
	return err
}

// Push builds, logs in to the environment's ECR and pushes every service image tagged with the git SHA; existing tags are skipped.
func (Image) Push(ctx context.Context, env string) error {
	e, err := config.Load("deploy", env)
	if err != nil {
		return err
	}
	if _, err := image.BuildDist(ctx, ".", os.Stdout); err != nil {
		return err
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(e.Region))
	if err != nil {
		return err
	}
	var names []string
	for _, s := range e.Services {
		names = append(names, s.Name)
	}
	return image.PushDist(ctx, ".", cfg, names, os.Stdout)
}

// Infra groups the CloudFormation targets (deploy/cfn).
type Infra mg.Namespace

// Render writes the environment's CloudFormation template to dist/cloudformation/<env>.json.
func (Infra) Render(env string) error {
	_, _, err := cfn.RenderFile("deploy", "dist/cloudformation", env)
	return err
}

// Deploy renders the environment's template and applies it through a change set: shows the changes, asks (unless CI=true, DEPLOY_YES=1 or PEERPREP_YES=1), executes and waits.
func (Infra) Deploy(ctx context.Context, env string) error {
	e, err := config.Load("deploy", env)
	if err != nil {
		return err
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(e.Region))
	if err != nil {
		return err
	}
	acct, err := pipeline.CheckAccount(ctx, sts.NewFromConfig(cfg), e)
	if err != nil {
		return err
	}
	fmt.Printf("account %s, stack %s\n", acct, cfn.StackName(e))
	d := &cfn.Deployer{
		API: cloudformation.NewFromConfig(cfg), Out: os.Stdout, In: os.Stdin,
		Yes:     os.Getenv("CI") == "true" || os.Getenv("PEERPREP_YES") == "1" || os.Getenv("DEPLOY_YES") == "1",
		Timeout: time.Duration(max(e.DeployTimeoutMinutes, 60)) * time.Minute,
	}
	return cfn.DeployEnv(ctx, d, "deploy", "dist/cloudformation", env)
}
