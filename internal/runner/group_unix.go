//go:build unix

package runner

import (
	"os"
	"syscall"
)

// signalGroup sends sig to every process of the group.
func signalGroup(pgid int, sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		_ = syscall.Kill(-pgid, s)
		return
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
}

// killGroup kills every process of the group; it reports whether the group existed.
func killGroup(pgid int) bool { return syscall.Kill(-pgid, syscall.SIGKILL) == nil }
