//go:build linux

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// openPTY opens a pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// TestRunOnATerminal: on a terminal, the command (in a process group of its
// own) can still read it: its group is made the terminal's foreground one,
// and deployctl takes the terminal back after.
func TestRunOnATerminal(t *testing.T) {
	u := newUser(t)
	master, slave := openPTY(t)
	c := exec.Command(testbin.Deployctl(t), "run", "--ref", "main", "--", "sh", "-c", `read answer; echo "got $answer"`)
	c.Dir = u.dir
	for k, v := range u.env {
		c.Env = append(c.Env, k+"="+v)
	}
	c.Stdin, c.Stdout, c.Stderr = slave, slave, slave
	// deployctl leads a session of its own with the pty as its terminal, in
	// the foreground, as in an interactive shell.
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 1)
	go func() {
		var buf bytes.Buffer
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			buf.Write(b[:n])
			if strings.Contains(buf.String(), ": success: ") || err != nil {
				out <- buf.String()
				return
			}
		}
	}()
	if _, err := master.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("deployctl: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		t.Fatal("deployctl run hung on a terminal (the command stopped reading it?)")
	}
	select {
	case text := <-out:
		if !strings.Contains(text, "got hello") {
			t.Fatalf("terminal showed %q", text)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no output on the terminal")
	}
	if st := finalStatus(t, u.gh); st.State != "success" {
		t.Fatalf("final status %+v", st)
	}
}
