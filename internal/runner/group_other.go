//go:build !unix

package runner

import (
	"io"
	"os"
	"syscall"
)

// Without process groups only the command itself can be stopped.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func foreground(*syscall.SysProcAttr, io.Reader) func() { return func() {} }

func signalGroup(pid int, _ os.Signal) { killGroup(pid) }

func killGroup(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Kill() == nil
}
