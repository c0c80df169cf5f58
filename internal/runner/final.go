package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// Starting is the in_progress description of a run of argv deploying sha.
func Starting(sha string, argv []string) string {
	return status.FitDescription("Deploying " + deploy.ShortSHA(sha) + " with " + filepath.Base(argv[0]))
}

// Final is the deployment status a run ends with, in one place for every
// caller: success when the command exited 0, failure when it exited with
// another status (named in the description), error when it died of a
// signal, timed out, could not start, or was stopped or interrupted.
func (r Result) Final() (status.State, string) {
	secs := r.Duration.Round(100 * time.Millisecond)
	var state status.State
	var desc string
	switch {
	case r.Outcome == Exited && r.ExitCode == 0:
		state, desc = status.Success, fmt.Sprintf("Deployed in %v", secs)
	case r.Outcome == Exited:
		state, desc = status.Failure, fmt.Sprintf("Deploy command exited with status %d after %v", r.ExitCode, secs)
	case r.Outcome == TimedOut:
		state, desc = status.Error, fmt.Sprintf("Deploy command timed out after %v and was killed", r.timeout)
	case r.Outcome == Stopped && r.Signal != "":
		state, desc = status.Error, fmt.Sprintf("Interrupted by %s after %v; the deploy command was stopped", r.Signal, secs)
	case r.Outcome == Stopped:
		state, desc = status.Error, r.stopReason
	case r.Signal != "":
		state, desc = status.Error, "Deploy command was killed by "+r.Signal
	default:
		msg := "unknown error"
		if r.Err != nil {
			msg = r.Err.Error()
		}
		state, desc = status.Error, "Deploy command could not run: "+msg
	}
	return state, status.FitDescription(desc)
}

func signalNumber(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return int(s)
	}
	return 0
}

// SignalStatus is the exit status a shell reports for a process ended by
// sig: 128+N (130 for SIGINT, 143 for SIGTERM).
func SignalStatus(sig os.Signal) int {
	if n := signalNumber(sig); n > 0 {
		return 128 + n
	}
	return 128 + int(syscall.SIGTERM)
}

// SignalName is a signal as people write it (SIGINT rather than
// "interrupt").
func SignalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	if s, ok := sig.(syscall.Signal); ok {
		if name := sysSignalName(s); name != "" {
			return name
		}
	}
	return sig.String()
}
