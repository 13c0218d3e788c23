package cfn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/peerprep/peerprep/deploy/config"
)

// RenderFile renders environment env from deployDir and writes it to
// outDir/<env>.json, returning the environment and template.
func RenderFile(deployDir, outDir, env string) (*config.Environment, []byte, error) {
	e, err := config.Load(deployDir, env)
	if err != nil {
		return nil, nil, err
	}
	t, err := Render(e)
	if err != nil {
		return nil, nil, err
	}
	b, err := t.JSON()
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(outDir, env+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, nil, err
	}
	return e, b, nil
}

// MaxInlineTemplate is the largest template CloudFormation accepts in a request body.
const MaxInlineTemplate = 51200

// Compact strips the indentation from a rendered template and checks it fits
// in a request (larger templates would have to be uploaded to S3 first).
func Compact(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return nil, err
	}
	if buf.Len() > MaxInlineTemplate {
		return nil, fmt.Errorf("template is %d bytes compacted, over CloudFormation's %d-byte inline limit", buf.Len(), MaxInlineTemplate)
	}
	return buf.Bytes(), nil
}

// DeployEnv renders env and deploys it as stack peerprep-<env>.
// The rendered template is kept in outDir for review.
func DeployEnv(ctx context.Context, d *Deployer, deployDir, outDir, env string) error {
	e, body, err := RenderFile(deployDir, outDir, env)
	if err != nil {
		return err
	}
	compact, err := Compact(body)
	if err != nil {
		return err
	}
	return d.Deploy(ctx, StackName(e), compact)
}
