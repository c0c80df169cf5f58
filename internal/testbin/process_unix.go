//go:build unix

package testbin

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// WaitGone waits until the process whose PID a command under test wrote to
// pidFile has ended (exited, or a zombie that nobody reaps), polling until
// within has passed. It returns the PID and whether the process is gone;
// one still alive at the deadline is killed, so that it does not outlive
// the test.
func WaitGone(tb testing.TB, pidFile string, within time.Duration) (pid int, gone bool) {
	tb.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		tb.Fatal(err)
	}
	if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
		tb.Fatalf("%s: %v", pidFile, err)
	}
	deadline := time.Now().Add(within)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			return pid, false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return pid, true
}

// alive reports a process that exists and is not a zombie (a killed orphan
// may wait for a PID 1 that does not reap).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil // gone, or no /proc (macOS, BSD)
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || len(b) < i+3 || b[i+2] != 'Z'
}
