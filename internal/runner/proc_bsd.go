//go:build unix && !linux

package runner

import "syscall"

// sysProcAttr puts the command in its own process group. (Only Linux can
// also tie the child's life to the listener's; elsewhere recovery kills the
// orphaned group on the next start.)
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
