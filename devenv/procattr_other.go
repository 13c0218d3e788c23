//go:build !unix

package devenv

import "os/exec"

func setProcAttr(*exec.Cmd) {}
