package runner

import "syscall"

// sysProcAttr puts the command in its own process group, and has the kernel
// kill it if the listener dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
