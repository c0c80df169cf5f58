//go:build !unix

package runner

import "syscall"

func sysSignalName(syscall.Signal) string { return "" }
