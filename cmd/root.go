// Package cmd is deployctl's command line: the root of the command tree,
// the config layer (flags from DEPLOYCTL_* and the config file), completions
// and the process's entry point. Each command lives in a package of its own
// under cmd/<noun>/<verb> (cli/cli's layout) and turns flags into Options,
// makes one call into internal/, and prints the result.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/approval/pending"
	"github.com/deployctl/gh-deployctl/cmd/approval/review"
	"github.com/deployctl/gh-deployctl/cmd/deployment/create"
	"github.com/deployctl/gh-deployctl/cmd/deployment/deactivate"
	deletecmd "github.com/deployctl/gh-deployctl/cmd/deployment/delete"
	"github.com/deployctl/gh-deployctl/cmd/deployment/get"
	"github.com/deployctl/gh-deployctl/cmd/deployment/list"
	"github.com/deployctl/gh-deployctl/cmd/deployment/promote"
	prunecmd "github.com/deployctl/gh-deployctl/cmd/deployment/prune"
	"github.com/deployctl/gh-deployctl/cmd/deployment/rollback"
	"github.com/deployctl/gh-deployctl/cmd/deployment/run"
	"github.com/deployctl/gh-deployctl/cmd/deployment/wait"
	"github.com/deployctl/gh-deployctl/cmd/environment/diff"
	envlist "github.com/deployctl/gh-deployctl/cmd/environment/list"
	"github.com/deployctl/gh-deployctl/cmd/listen"
	lockcmd "github.com/deployctl/gh-deployctl/cmd/lock/lock"
	"github.com/deployctl/gh-deployctl/cmd/lock/locks"
	"github.com/deployctl/gh-deployctl/cmd/lock/unlock"
	"github.com/deployctl/gh-deployctl/cmd/status"
	"github.com/deployctl/gh-deployctl/cmd/trigger"
	"github.com/deployctl/gh-deployctl/cmd/version"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	var configFile string
	root := &cobra.Command{
		Use:   "deployctl <command>",
		Short: "Create and track GitHub deployments, and run them from webhooks",
		Long: heredoc.Doc(`
			Create and track GitHub deployments from a terminal or a script, and run
			them from GitHub's webhooks with "deployctl listen".
		`),
		Example: heredoc.Doc(`
			$ deployctl create --ref main --environment staging
			$ deployctl list --environment production --limit 5
			$ deployctl status set 1234 success --environment-url https://example.com
		`),
		Version:       f.Version.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			if err := applyConfig(c, f, configFile, f.IOStreams.ErrOut); err != nil {
				return err
			}
			if f.HTTPTimeout <= 0 {
				return cmdutil.Usagef("--http-timeout must be a positive duration, such as 30s or 2m")
			}
			return nil
		},
	}
	if f.Executable != "deployctl" {
		// Cobra prints the display name in usage lines, command paths
		// ("gh deployctl list") and errors; Name() stays "deployctl".
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: f.Executable}
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetVersionTemplate(f.Executable + " version {{.Version}}\n")
	root.PersistentFlags().StringVar(&configFile, "config", "", "Read defaults from `FILE` (default $XDG_CONFIG_HOME/deployctl/config.yaml)")
	root.PersistentFlags().DurationVar(&f.HTTPTimeout, "http-timeout", cmdutil.DefaultHTTPTimeout, "Give up on a request GitHub has not answered within `DURATION` (a read is retried within another minute)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.UsageError{Err: err}
	})
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)

	root.AddCommand(
		create.NewCmdCreate(f, nil),
		run.NewCmdRun(f, nil),
		promote.NewCmdPromote(f, nil),
		rollback.NewCmdRollback(f, nil),
		list.NewCmdList(f, nil),
		get.NewCmdGet(f, nil),
		wait.NewCmdWait(f, nil),
		envlist.NewCmdList(f, nil),
		diff.NewCmdDiff(f, nil),
		status.NewCmdStatus(f),
		lockcmd.NewCmdLock(f, nil),
		unlock.NewCmdUnlock(f, nil),
		locks.NewCmdLocks(f, nil),
		pending.NewCmdPending(f, nil),
		review.NewCmdApprove(f, nil),
		review.NewCmdReject(f, nil),
		deactivate.NewCmdDeactivate(f, nil),
		deletecmd.NewCmdDelete(f, nil),
		prunecmd.NewCmdPrune(f, nil),
		listen.NewCmdListen(f, nil),
		trigger.NewCmdTrigger(f, nil),
		version.NewCmdVersion(f),
		NewCmdCompletion(f),
	)
	fixExamples(root, f.Executable)
	addDynamicCompletions(root, f)
	return root
}

// commandInExample finds the program's name where an example runs it: at a
// prompt, in $(...), after a pipe, and so on.
var commandInExample = regexp.MustCompile(`(^|[\s$(|;&` + "`" + `])deployctl(\s|$)`)

// fixExamples writes examples as the user will type them ("gh deployctl"),
// indented under the "Examples:" heading as gh shows them.
func fixExamples(c *cobra.Command, exe string) {
	if exe != "deployctl" {
		c.Example = commandInExample.ReplaceAllString(c.Example, "${1}"+exe+"${2}")
	}
	if c.Example != "" {
		lines := strings.Split(strings.TrimRight(c.Example, "\n"), "\n")
		for i, l := range lines {
			if l != "" {
				lines[i] = "  " + l
			}
		}
		c.Example = strings.Join(lines, "\n")
	}
	for _, sub := range c.Commands() {
		fixExamples(sub, exe)
	}
}

// Execute runs the command line args (without the program name) and returns
// the error to map to an exit code; it has already been printed.
func Execute(ctx context.Context, f *cmdutil.Factory, args []string) error {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	c, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	var silent *cmdutil.SilentError
	if errors.As(err, &silent) {
		return err
	}
	// Ended by a signal (Ctrl-C): say so once, exit 128+signal.
	var intr *cmdutil.InterruptError
	if errors.As(context.Cause(ctx), &intr) && (errors.Is(err, context.Canceled) || errors.Is(err, intr)) {
		fmt.Fprintln(f.IOStreams.ErrOut, "interrupted")
		return &cmdutil.SilentError{Code: intr.Code}
	}
	// Cobra reports an unknown command as a plain error; it is a usage error.
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") ||
		strings.HasPrefix(err.Error(), "unknown shorthand flag") {
		err = &cmdutil.UsageError{Err: err}
	}
	var usage *cmdutil.UsageError
	errOut := f.IOStreams.ErrOut
	fmt.Fprintln(errOut, strings.TrimRight(err.Error(), "\n"))
	if errors.As(err, &usage) && c != nil && !strings.Contains(err.Error(), "\n") {
		fmt.Fprintf(errOut, "Run '%s --help' for usage.\n", c.CommandPath())
	}
	return err
}

// Run is the whole program for a main package: it runs os.Args with the
// process's terminal until done or interrupted (SIGINT, SIGTERM), and
// returns the error for main to turn into an exit code with ExitCode.
func Run(b cmdutil.BuildInfo) error {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			// After the first signal, the next one has its default effect:
			// an operator who will not wait for a drain ends the process.
			signal.Stop(sigs)
			code := 130
			if sig == syscall.SIGTERM {
				code = 143
			}
			cancel(&cmdutil.InterruptError{Signal: sig, Code: code})
		case <-ctx.Done():
		}
	}()
	f := cmdutil.NewFactory(iostreams.System(), cmdutil.ResolveBuildInfo(b))
	return Execute(ctx, f, os.Args[1:])
}
