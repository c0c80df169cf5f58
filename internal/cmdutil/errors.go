package cmdutil

import (
	"errors"
	"fmt"
	"os"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// Exit codes of the command-line contract.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
	ExitAuth    = 4
	ExitPending = 8 // still pending when a wait ran out of time (as gh pr checks)
)

// UsageError is a bad flag, argument or input: exit 2, nothing was sent.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// InterruptError is the cause of a command's context when a signal ended
// it: the command exits 128+signal (130 for Ctrl-C, 143 for SIGTERM).
type InterruptError struct {
	Signal os.Signal
	Code   int
}

func (e *InterruptError) Error() string { return "interrupted" }

// SilentError has been reported already; it only sets the exit code.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode maps an error from Execute to the process's exit code.
func ExitCode(err error) int {
	var usage *UsageError
	var silent *SilentError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &silent):
		return silent.Code
	case ghapi.IsAuth(err):
		return ExitAuth
	case errors.As(err, &usage):
		return ExitUsage
	default:
		return ExitFailure
	}
}
