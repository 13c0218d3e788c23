package cfn

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

const workflowsDir = "../../.github/workflows"

// TestWorkflowsPassActionlint makes workflow mistakes fail `go test`, the
// same check `go tool actionlint` runs in CI.
func TestWorkflowsPassActionlint(t *testing.T) {
	lint := func(dir string) []*actionlint.Error {
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
		if len(files) == 0 {
			t.Fatalf("no workflows in %s", dir)
		}
		errs, err := l.LintFiles(files, nil)
		if err != nil {
			t.Fatal(err)
		}
		return errs
	}
	// The linter must bite: an unknown expression context is an error.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "bad.yml"), []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ nosuch.value }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(lint(bad)) == 0 {
		t.Fatal("actionlint accepted a broken workflow")
	}
	for _, e := range lint(workflowsDir) {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

var pinned = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)

func TestWorkflowsArePinnedAndLeastPrivilege(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(workflowsDir, "*.yml"))
	if len(files) < 3 {
		t.Fatalf("want ci, deploy-staging and deploy-production workflows, found %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Permissions map[string]string
			Concurrency any
			Jobs        map[string]struct {
				Permissions map[string]string
				Uses        string
				Steps       []struct{ Uses string }
			}
		}
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		if len(wf.Permissions) == 0 || wf.Permissions["contents"] != "read" || len(wf.Permissions) > 1 {
			t.Errorf("%s: top-level permissions %v, want contents: read only", name, wf.Permissions)
		}
		if wf.Concurrency == nil {
			t.Errorf("%s: no concurrency group", name)
		}
		for jn, j := range wf.Jobs {
			for _, s := range j.Steps {
				if s.Uses != "" && !pinned.MatchString(s.Uses) {
					t.Errorf("%s: job %s uses %s, not pinned to a commit SHA", name, jn, s.Uses)
				}
			}
			if j.Permissions["id-token"] == "write" && !strings.HasPrefix(name, "deploy-") {
				t.Errorf("%s: job %s can mint OIDC tokens outside a deploy workflow", name, jn)
			}
		}
	}
}

// TestDeployJobsCanAssumeTheDeployRole checks that each deploy workflow's
// job runs in the GitHub environment the stack's deploy role trusts, and
// that the job may mint an OIDC token.
func TestDeployJobsCanAssumeTheDeployRole(t *testing.T) {
	for file, env := range map[string]string{"deploy-staging.yml": "staging", "deploy-production.yml": "production"} {
		b, err := os.ReadFile(filepath.Join(workflowsDir, file))
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Jobs map[string]struct {
				Environment string
				Permissions map[string]string
				Steps       []struct{ Uses string }
			}
		}
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Fatal(err)
		}
		_, tpl := render(t, env)
		p := parse(t, tpl)
		trust, _ := json.Marshal(p.Resources["DeployRole"].Properties["AssumeRolePolicyDocument"])
		found := false
		for name, j := range wf.Jobs {
			assumes := slices.ContainsFunc(j.Steps, func(s struct{ Uses string }) bool {
				return strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@")
			})
			if !assumes {
				continue
			}
			found = true
			if j.Environment != env || j.Permissions["id-token"] != "write" {
				t.Errorf("%s: job %s runs in environment %q with permissions %v", file, name, j.Environment, j.Permissions)
			}
			if !strings.Contains(string(trust), ":environment:"+j.Environment) {
				t.Errorf("%s: the %s deploy role does not trust environment %q: %s", file, env, j.Environment, trust)
			}
		}
		if !found {
			t.Errorf("%s: no job assumes an AWS role", file)
		}
	}
}
