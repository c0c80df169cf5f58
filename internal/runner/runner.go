// Package runner is the one way deployctl runs a deploy command, for the
// webhook listener and for `deployctl run`: an argv run without a shell (no
// shell ever sees deployment data), the deployment's data in DEPLOY_*
// environment variables, output to a log file or passed through, in its own
// process group so that a timeout, a shutdown or a forwarded signal stops
// everything it started, and the outcome mapped to the final deployment
// status.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/shlex"

	"github.com/deployctl/gh-deployctl/internal/deploy"
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

// Env is the deployment's data as the command sees it: the only way
// deployment (and webhook) data reaches a deploy command. repo is
// OWNER/REPO; logURL, when not empty, becomes DEPLOY_LOG_URL.
// DEPLOY_ENVIRONMENT_URL_FILE is added by Run.
func Env(repo string, d deploy.Deployment, logURL string) []string {
	env := []string{
		"DEPLOY_ID=" + strconv.FormatInt(d.ID, 10),
		"DEPLOY_REPO=" + repo,
		"DEPLOY_ENVIRONMENT=" + d.Environment,
		"DEPLOY_REF=" + d.Ref,
		"DEPLOY_SHA=" + d.SHA,
		"DEPLOY_TASK=" + d.Task,
		"DEPLOY_PAYLOAD=" + string(d.Payload),
		"DEPLOY_DESCRIPTION=" + d.Description,
		"DEPLOY_CREATOR=" + d.Creator,
	}
	if logURL != "" {
		env = append(env, "DEPLOY_LOG_URL="+logURL)
	}
	return env
}

// Spec is one run.
type Spec struct {
	Argv []string
	// Env is added to BaseEnv (this process's own environment when nil)
	// less its DEPLOY_* variables; a variable in Env replaces one of the
	// same name in BaseEnv.
	Env     []string
	BaseEnv []string
	Dir     string
	// Log, when set, receives the command's stdout and stderr (stdin is
	// empty); with LogLimit > 0 (MaxLog for a deploy log) it is kept to
	// that size, its latest output kept. Otherwise the command gets Stdin, Stdout and Stderr (nil:
	// the null device), which may be this process's own to pass them
	// through. A Stdin that is the terminal this process has in the
	// foreground makes the command's group the terminal's foreground group
	// while it runs (it can read it; Ctrl-C reaches it directly).
	Log      *os.File
	LogLimit int64
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	// Timeout stops the process group (0: none).
	Timeout time.Duration
	// KillGrace is the wait between SIGTERM (or the forwarded signal) and
	// SIGKILL (default 5 s).
	KillGrace time.Duration
	// Signals, when set, are forwarded to the process group; the first one
	// ends the run as Stopped (after KillGrace the group is killed), a
	// second one kills the group at once.
	Signals <-chan os.Signal
	// StopReason describes a run stopped by ctx or a signal in the final
	// status (default "The deploy command was stopped").
	StopReason string
	// EnvURLFile is passed as DEPLOY_ENVIRONMENT_URL_FILE; what the command
	// writes there is returned as Result.EnvironmentURL. Empty: a temporary
	// file, removed after the run.
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
	Stopped                 // ctx was cancelled (shutdown) or a signal was forwarded; see Signal
	Failed                  // it could not be started (see Err), or died of a signal (see Signal)
)

// Result is how a run ended.
type Result struct {
	Outcome Outcome
	// ExitCode is the command's exit status when it Exited.
	ExitCode int
	// Signal names the signal that killed the command (Failed) or that was
	// forwarded to it (Stopped).
	Signal string
	// Err is why the command could not be started.
	Err            error
	Duration       time.Duration
	EnvironmentURL string

	signo      int
	timeout    time.Duration
	stopReason string
}

// Run runs spec and waits for it. Cancelling ctx stops the command (TERM,
// then KILL after KillGrace) and returns Stopped. When the command exits,
// whatever it left running in its process group is killed: a command that
// must leave a service running starts it outside the group (setsid, or
// the service manager).
func Run(ctx context.Context, spec Spec) Result {
	start := time.Now()
	if spec.KillGrace == 0 {
		spec.KillGrace = 5 * time.Second
	}
	if spec.StopReason == "" {
		spec.StopReason = "The deploy command was stopped"
	}
	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Dir = spec.Dir
	base := spec.BaseEnv
	if base == nil {
		base = os.Environ()
	}
	if spec.EnvURLFile == "" {
		dir, err := os.MkdirTemp("", "deployctl-run-")
		if err != nil {
			return spec.result(Result{Outcome: Failed, Err: err, Duration: time.Since(start)})
		}
		defer os.RemoveAll(dir)
		spec.EnvURLFile = filepath.Join(dir, "environment-url")
	}
	_ = os.Remove(spec.EnvURLFile)
	// DEPLOY_* variables describe this deployment only: none is inherited
	// (a run inside another deploy command must not see its DEPLOY_LOG_URL).
	var env []string
	for _, kv := range base {
		if !strings.HasPrefix(kv, "DEPLOY_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(append(env, spec.Env...), "DEPLOY_ENVIRONMENT_URL_FILE="+spec.EnvURLFile)
	var pipe *os.File // the read end of the command's output, with LogLimit
	if spec.Log != nil && spec.LogLimit > 0 {
		r, w, err := os.Pipe()
		if err != nil {
			return spec.result(Result{Outcome: Failed, Err: err, Duration: time.Since(start)})
		}
		defer r.Close()
		pipe = r
		cmd.Stdout, cmd.Stderr = w, w
	} else if spec.Log != nil {
		cmd.Stdout, cmd.Stderr = spec.Log, spec.Log
	} else {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = spec.Stdin, spec.Stdout, spec.Stderr
	}
	// Setpgid: signals reach everything the command starts. Pdeathsig: if
	// the listener itself is killed, its child goes too; recovery kills the
	// rest of the group on the next start.
	cmd.SysProcAttr = sysProcAttr()
	defer foreground(cmd.SysProcAttr, cmd.Stdin)()
	err := cmd.Start()
	if pipe != nil {
		cmd.Stdout.(*os.File).Close() // the command holds the write end now
	}
	if err != nil {
		return spec.result(Result{Outcome: Failed, Err: err, Duration: time.Since(start)})
	}
	pgid := cmd.Process.Pid
	groupGone := make(chan struct{})
	var logged <-chan struct{}
	if pipe != nil {
		logged = copyLog(newTailFile(spec.Log, spec.LogLimit), pipe, groupGone)
	} else {
		c := make(chan struct{})
		close(c)
		logged = c
	}
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
		// What the command left running in its group would otherwise run
		// on, past the timeout and into the next deployment.
		killGroup(pgid)
	case <-timeout:
		stopGroup(pgid, waited, syscall.SIGTERM, nil, spec.KillGrace)
		res = Result{Outcome: TimedOut}
	case <-ctx.Done():
		stopGroup(pgid, waited, syscall.SIGTERM, nil, spec.KillGrace)
		res = Result{Outcome: Stopped}
	case sig := <-spec.Signals:
		stopGroup(pgid, waited, sig, spec.Signals, spec.KillGrace)
		res = Result{Outcome: Stopped, Signal: SignalName(sig), signo: signalNumber(sig)}
	}
	close(groupGone)
	<-logged
	res.Duration = time.Since(start)
	res.EnvironmentURL = readEnvURL(spec.EnvURLFile)
	return spec.result(res)
}

func (spec *Spec) result(r Result) Result {
	r.timeout, r.stopReason = spec.Timeout, spec.StopReason
	return r
}

func exitResult(err error) Result {
	if err == nil {
		return Result{Outcome: Exited}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Result{Outcome: Failed, Signal: SignalName(ws.Signal()), signo: int(ws.Signal()), ExitCode: -1, Err: err}
		}
		return Result{Outcome: Exited, ExitCode: ee.ExitCode()}
	}
	return Result{Outcome: Failed, Err: err}
}

// stopGroup sends sig to the group, KILL after grace (or at once when
// another signal arrives on more), and waits for the command itself to be
// reaped.
func stopGroup(pgid int, waited <-chan error, sig os.Signal, more <-chan os.Signal, grace time.Duration) {
	signalGroup(pgid, sig)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-waited:
		// The leader is gone; stragglers in the group get no more grace.
		killGroup(pgid)
	case <-t.C:
		killGroup(pgid)
		<-waited
	case <-more:
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

// NotFound reports a command that could not be started because it does
// not exist (exit status 127 in a shell); any other start error means it
// exists but cannot be executed (126).
func (r Result) NotFound() bool {
	return r.Outcome == Failed && r.Signal == "" && (errors.Is(r.Err, exec.ErrNotFound) || errors.Is(r.Err, fs.ErrNotExist))
}

// ExitStatus is the status a shell reports for the run, as env(1) and
// timeout(1) do: the command's own when it exited, 124 after the timeout,
// 126 when it could not be executed, 127 when it was not found, 128+N when
// it died of (or was stopped by forwarding) signal N, 143 (SIGTERM) when ctx
// stopped it.
func (r Result) ExitStatus() int {
	switch {
	case r.Outcome == Exited:
		return r.ExitCode
	case r.Outcome == TimedOut:
		return 124
	case r.signo > 0:
		return 128 + r.signo
	case r.Outcome == Stopped:
		return 128 + int(syscall.SIGTERM)
	case r.NotFound():
		return 127
	default:
		return 126
	}
}
