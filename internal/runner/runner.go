// Package runner runs a deploy command: an argv parsed once from --exec (no
// shell ever sees webhook data), the deployment's data in DEPLOY_*
// environment variables, output to a log file, in its own process group so
// that a timeout or a shutdown stops everything it started.
package runner

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/shlex"
)

// Parse splits --exec into argv with shell-like quoting. It runs once, at
// startup, on the operator's text; webhook data never goes through it.
func Parse(cmdline string) ([]string, error) {
	argv, err := shlex.Split(cmdline)
	if err != nil {
		return nil, fmt.Errorf("--exec: %w", err)
	}
	if len(argv) == 0 {
		return nil, errors.New("--exec: empty command")
	}
	return argv, nil
}

// Spec is one run.
type Spec struct {
	Argv []string
	// Env is added to BaseEnv (the listener's own environment when nil).
	Env     []string
	BaseEnv []string
	Dir     string
	// Log receives the command's stdout and stderr.
	Log *os.File
	// Timeout kills the process group (0: none).
	Timeout time.Duration
	// KillGrace is the wait between SIGTERM and SIGKILL (default 5 s).
	KillGrace time.Duration
	// EnvURLFile is passed as DEPLOY_ENVIRONMENT_URL_FILE; what the command
	// writes there is returned as Result.EnvironmentURL.
	EnvURLFile string
	// Started is told the process group and its start time once the command
	// runs, so that they can be journaled.
	Started func(pgid int, start uint64)
}

// Outcome classifies how a run ended.
type Outcome int

const (
	Exited   Outcome = iota // the command exited; see ExitCode
	TimedOut                // Spec.Timeout passed
	Stopped                 // ctx was cancelled (shutdown)
	Failed                  // it could not be started, or died of a signal
)

// Result is how a run ended.
type Result struct {
	Outcome        Outcome
	ExitCode       int
	Signal         string
	Err            error
	Duration       time.Duration
	EnvironmentURL string
}

// Run runs spec and waits for it. Cancelling ctx stops the command (TERM,
// then KILL after KillGrace) and returns Stopped.
func Run(ctx context.Context, spec Spec) Result {
	start := time.Now()
	if spec.KillGrace == 0 {
		spec.KillGrace = 5 * time.Second
	}
	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Dir = spec.Dir
	base := spec.BaseEnv
	if base == nil {
		base = os.Environ()
	}
	cmd.Env = append(append([]string(nil), base...), spec.Env...)
	if spec.EnvURLFile != "" {
		cmd.Env = append(cmd.Env, "DEPLOY_ENVIRONMENT_URL_FILE="+spec.EnvURLFile)
		_ = os.Remove(spec.EnvURLFile)
	}
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = spec.Log, spec.Log
	// Setpgid: signals reach everything the command starts. Pdeathsig: if
	// the listener itself is killed, its child goes too; recovery kills the
	// rest of the group on the next start.
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return Result{Outcome: Failed, Err: err, Duration: time.Since(start)}
	}
	pgid := cmd.Process.Pid
	if spec.Started != nil {
		spec.Started(pgid, ProcessStart(pgid))
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	var timeout <-chan time.Time
	if spec.Timeout > 0 {
		t := time.NewTimer(spec.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var res Result
	select {
	case err := <-waited:
		res = exitResult(err)
	case <-timeout:
		stopGroup(pgid, waited, spec.KillGrace)
		res = Result{Outcome: TimedOut}
	case <-ctx.Done():
		stopGroup(pgid, waited, spec.KillGrace)
		res = Result{Outcome: Stopped}
	}
	res.Duration = time.Since(start)
	if spec.EnvURLFile != "" {
		res.EnvironmentURL = readEnvURL(spec.EnvURLFile)
	}
	return res
}

func exitResult(err error) Result {
	if err == nil {
		return Result{Outcome: Exited}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Result{Outcome: Failed, Signal: ws.Signal().String(), ExitCode: -1, Err: err}
		}
		return Result{Outcome: Exited, ExitCode: ee.ExitCode()}
	}
	return Result{Outcome: Failed, Err: err}
}

// stopGroup sends TERM to the group, KILL after grace, and waits for the
// command itself to be reaped.
func stopGroup(pgid int, waited <-chan error, grace time.Duration) {
	terminateGroup(pgid)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-waited:
		// The leader is gone; stragglers in the group get no more grace.
		killGroup(pgid)
	case <-t.C:
		killGroup(pgid)
		<-waited
	}
}

// KillOrphans kills what is left of a process group recorded by a listener
// that died: it does nothing when the group's leader PID now belongs to
// another process (its start time differs).
func KillOrphans(pgid int, start uint64) bool {
	if pgid <= 1 {
		return false
	}
	if now := ProcessStart(pgid); now != 0 && start != 0 && now != start {
		return false // PID reused by an unrelated process
	}
	return killGroup(pgid)
}

// ProcessStart returns a process's start time in clock ticks after boot
// (field 22 of /proc/PID/stat), or 0 when unknown.
func ProcessStart(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may contain spaces and parentheses; the
	// fields after it follow the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

// readEnvURL takes the first line of the file if it is an http(s) URL.
func readEnvURL(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	if len(b) > 4096 {
		b = b[:4096]
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	u, err := url.Parse(line)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return line
}
