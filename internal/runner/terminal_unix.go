//go:build unix

package runner

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// foreground makes attr put the command's process group in the foreground
// of its terminal, when it reads the one this process has in the
// foreground, and returns what gives the terminal back after the run.
func foreground(attr *syscall.SysProcAttr, stdin io.Reader) (restore func()) {
	fd, ok := foregroundTTY(stdin)
	if !ok || attr == nil {
		return func() {}
	}
	attr.Foreground, attr.Ctty = true, fd
	return func() { takeForeground(fd) }
}

// foregroundTTY returns the terminal to hand to the command when its stdin
// is the terminal of which this process is in the foreground: the command's
// process group then becomes the terminal's foreground group, so it can read
// the terminal (a background group would be stopped by SIGTTIN) and Ctrl-C
// reaches it directly.
func foregroundTTY(stdin io.Reader) (int, bool) {
	f, ok := stdin.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || pgrp != syscall.Getpgrp() {
		return 0, false
	}
	return fd, true
}

// takeForeground makes this process's group the terminal's foreground
// group again once the command is done. A background group asking for it
// would get SIGTTOU, which is ignored for the call.
func takeForeground(fd int) {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, syscall.Getpgrp())
}
