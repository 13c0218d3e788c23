//go:build unix && !linux

package devenv

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the child in its own process group.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
