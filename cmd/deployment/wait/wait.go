// Package wait is `deployctl wait`: follow a deployment until its latest
// status is final. After is the same wait as --wait on the commands that
// create a deployment (create, promote, rollback).
package wait

import (
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/watch"
)

// WaitOptions are the inputs of `deployctl wait`.
type WaitOptions struct {
	cmdutil.APIOptions
	ID          int64
	Environment string
	SHA         string
	Ref         string
	Interval    time.Duration
	Timeout     time.Duration
	Exporter    *output.Exporter
	// Clock is real time unless a test swaps it.
	Clock watch.Clock
}

// NewCmdWait builds `deployctl wait`.
func NewCmdWait(f *cmdutil.Factory, runF func(*WaitOptions) error) *cobra.Command {
	opts := &WaitOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:   "wait [<deployment-id>]",
		Short: "Wait until a deployment's latest status is final",
		Long: heredoc.Doc(`
			Follow a deployment until its latest status is final: success, failure,
			error or inactive. Give its ID, or --environment for the newest deployment
			to that environment (of --sha or --ref when given), which is waited for
			when there is none yet.

			Exit status: 0 when it succeeded (inactive counts only after a success),
			1 when it failed or errored, 8 when --timeout ran out.

			Polls send the last answer's ETag, so a poll that finds nothing new is a
			304 and does not count against GitHub's rate limit. On a terminal one line
			on stderr shows the state and the time waited; off a terminal each change
			is a line on stderr. --json, --jq and --template print the deployment (the
			fields of get) when the wait ends.
		`),
		Example: heredoc.Doc(`
			$ deployctl wait 1234
			$ deployctl wait -e production --sha "$GITHUB_SHA" --timeout 15m
			$ deployctl wait 1234 --json state,environmentUrl
		`),
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.Usagef("%s takes at most one deployment ID, got %d arguments", c.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				id, err := cmdutil.ParseID(args[0])
				if err != nil {
					return err
				}
				opts.ID = id
			}
			if opts.ID == 0 && opts.Environment == "" {
				return cmdutil.Usagef("give a deployment ID or --environment")
			}
			if err := checkTimes(opts.Interval, opts.Timeout); err != nil {
				return err
			}
			if err := opts.target().Validate(); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return waitRun(opts)
		},
	}
	opts.Bind(f, c)
	fl := c.Flags()
	fl.StringVarP(&opts.Environment, "environment", "e", "", "Wait for the newest deployment to `environment`")
	fl.StringVar(&opts.SHA, "sha", "", "With --environment: the newest deployment of commit `SHA` (7 or more characters)")
	fl.StringVar(&opts.Ref, "ref", "", "With --environment: the newest deployment of `ref` (as it was created)")
	fl.DurationVarP(&opts.Interval, "interval", "i", watch.DefaultInterval, "Time between polls")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "Give up after this long, exit 8 (default: never)")
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(deploy.Detail{}))
	return c
}

func checkTimes(interval, timeout time.Duration) error {
	if interval <= 0 {
		return cmdutil.Usagef("invalid value for --interval: %s (must be more than 0)", interval)
	}
	if timeout < 0 {
		return cmdutil.Usagef("invalid value for --timeout: %s (must not be negative)", timeout)
	}
	return nil
}

func (opts *WaitOptions) target() watch.Target {
	return watch.Target{ID: opts.ID, Environment: opts.Environment, SHA: opts.SHA, Ref: opts.Ref}
}

func waitRun(opts *WaitOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	return follow(&opts.APIOptions, client, repo, opts.target(),
		watch.Options{Interval: opts.Interval, Timeout: opts.Timeout, Clock: opts.Clock}, opts.Exporter)
}

// After is --wait (with --interval and --timeout) on a command that
// creates a deployment: AddFlags and Check in its NewCmd, Follow once the
// deployment exists.
type After struct {
	Wait     bool
	Interval time.Duration
	Timeout  time.Duration
	// Clock is real time unless a test swaps it.
	Clock watch.Clock
}

// AddFlags adds --wait, --interval and --timeout to c.
func (a *After) AddFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.BoolVar(&a.Wait, "wait", false, "Wait until the deployment's latest status is final (exit status as wait)")
	fl.DurationVar(&a.Interval, "interval", watch.DefaultInterval, "With --wait: time between polls")
	fl.DurationVar(&a.Timeout, "timeout", 0, "With --wait: give up after this long, exit 8 (default: never)")
}

// Check refuses --interval or --timeout without --wait, and bad durations:
// usage errors, in RunE. A value from DEPLOYCTL_TIMEOUT or the config
// file's top level is meant for every command with the flag (run's and the
// listener's --timeout too): without --wait it is ignored.
func (a *After) Check(c *cobra.Command) error {
	if !a.Wait {
		for _, name := range []string{"interval", "timeout"} {
			if src := cmdutil.FlagSource(c, name); src == cmdutil.FromCommandLine || src == cmdutil.FromConfigSection {
				return cmdutil.Usagef("--%s needs --wait", name)
			}
		}
		return nil
	}
	return checkTimes(a.Interval, a.Timeout)
}

// Follow waits on d, which the command has just created, as wait does; the
// exporter (nil: none) prints the deployment when the wait ends. Call it
// only when a.Wait is set.
func (a *After) Follow(opts *cmdutil.APIOptions, client *ghapi.Client, repo repository.Repository, d *deploy.Deployment, exporter *output.Exporter) error {
	err := follow(opts, client, repo, watch.Target{ID: d.ID},
		watch.Options{Interval: a.Interval, Timeout: a.Timeout, Clock: a.Clock}, exporter)
	return cmdutil.AfterWrite(fmt.Sprintf("created deployment %d in %s/%s", d.ID, repo.Owner, repo.Name), err)
}

// follow runs the wait and tells how it ends: a live line or a log of
// changes on stderr, the deployment through the exporter, the exit status.
func follow(opts *cmdutil.APIOptions, client *ghapi.Client, repo repository.Repository, t watch.Target, wo watch.Options, exporter *output.Exporter) error {
	p := &progress{ios: opts.IO, target: t, live: opts.IO.IsStderrTTY()}
	wo.OnUpdate = p.update
	res, err := watch.Follow(opts.Context, client, repo, t, wo)
	timedOut := errors.Is(err, watch.ErrTimeout)
	if err != nil && !timedOut {
		p.clear()
		return err
	}
	p.end(res, timedOut, wo.Timeout)
	if exporter != nil && res != nil {
		detail, err := deploy.Get(opts.Context, client, repo, res.Deployment.ID)
		if err != nil {
			return err
		}
		if err := exporter.Write(opts.IO, detail); err != nil {
			return err
		}
	}
	switch {
	case timedOut:
		return &cmdutil.SilentError{Code: cmdutil.ExitPending}
	case !res.Succeeded:
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	return nil
}
