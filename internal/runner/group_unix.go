//go:build unix

package runner

import "syscall"

// terminateGroup asks every process of the group to stop.
func terminateGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGTERM) }

// killGroup kills every process of the group; it reports whether the group existed.
func killGroup(pgid int) bool { return syscall.Kill(-pgid, syscall.SIGKILL) == nil }
