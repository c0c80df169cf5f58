//go:build unix

package runner

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysSignalName is the signal's SIG name ("SIGKILL"), or "" if unknown.
func sysSignalName(s syscall.Signal) string { return unix.SignalName(s) }
