package iam

import (
	"os"
	"strings"
	"testing"
)

// docs/deploy.md explains every action of the list.
func TestDocsNameEveryAction(t *testing.T) {
	b, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, calls := range [][]Call{Pipeline, Infra} {
		for _, c := range calls {
			if !strings.Contains(string(b), "`"+c.Op+"`") {
				t.Errorf("docs/deploy.md does not list the call %s", c.Op)
			}
			for _, n := range c.Needs {
				if !strings.Contains(string(b), "`"+n.Action+"` ("+string(n.Scope)+")") {
					t.Errorf("docs/deploy.md does not list %s (%s) for %s", n.Action, n.Scope, c.Op)
				}
			}
		}
	}
}

func TestEveryCallNamesItsOwnAction(t *testing.T) {
	for _, c := range Pipeline {
		if c.Op == "sts:GetCallerIdentity" || c.Op == "ecr:PushImage" {
			continue // no permission; a registry push is several actions
		}
		found := false
		for _, n := range c.Needs {
			found = found || n.Action == c.Op
		}
		if !found {
			t.Errorf("%s does not need %s itself", c.Op, c.Op)
		}
	}
}
