package iostreams

import (
	"errors"
	"io"
	"os/exec"
	"syscall"
)

// StartPager sends stdout through the pager argv (already resolved from
// GH_PAGER or PAGER by the caller) while stdout is a terminal, as gh does;
// env is the pager's environment. StopPager waits for it. An empty argv,
// or stdout that is not a terminal, pages nothing.
func (s *IOStreams) StartPager(argv, env []string) error {
	if len(argv) == 0 || !s.stdoutTTY || s.pager != nil {
		return nil
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout = s.Out
	cmd.Stderr = s.ErrOut
	w, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.pager = &pager{cmd: cmd, in: w, out: s.Out}
	s.Out = &pagerWriter{w}
	return nil
}

// StopPager closes the pager's input and waits until the user quits it.
func (s *IOStreams) StopPager() {
	if s.pager == nil {
		return
	}
	_ = s.pager.in.Close()
	_ = s.pager.cmd.Wait()
	s.Out = s.pager.out
	s.pager = nil
}

type pager struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out io.Writer
}

// pagerWriter ignores the pager going away early (the user quit it): the
// rest of the output is simply not shown, as with gh.
type pagerWriter struct{ w io.Writer }

func (p *pagerWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, exec.ErrWaitDelay)) {
		return len(b), nil
	}
	return n, err
}
