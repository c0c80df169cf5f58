// Package run is `deployctl run`: a scripted deploy in one command. It
// takes a deployment (--id, the workflow's `on: deployment` event, or one
// created as create does), runs the command after `--` with the
// deployment in DEPLOY_* variables, and records how it went.
package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/create"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/deployrun"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// RunOptions are the inputs of `deployctl run`.
type RunOptions struct {
	cmdutil.APIOptions
	create.Flags
	// ID is --id: run for this deployment instead of creating one.
	ID int64
	// Event is the deployment of GITHUB_EVENT_PATH (a workflow run on:
	// deployment), used when there is no --id and no --ref.
	Event          *deploy.Deployment
	LogURL         string
	EnvironmentURL string
	Timeout        time.Duration
	// Argv is the command after --.
	Argv []string
	// Signals interrupt the run; nil: the process's SIGINT and SIGTERM.
	Signals <-chan os.Signal
	// KillGrace is the wait between the signal and SIGKILL (0: runner's
	// default).
	KillGrace time.Duration
}

// NewCmdRun builds `deployctl run`.
func NewCmdRun(f *cmdutil.Factory, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	opts.Flags.Terminal = f.IOStreams // --payload - on a terminal is announced
	c := &cobra.Command{
		Use:   "run [flags] -- <command> [<args>...]",
		Short: "Run a deploy command and record it as a deployment",
		Long: heredoc.Doc(`
			Run a deploy command and record it as a deployment: take the deployment,
			mark it in_progress, run the command, then set its final status.

			The deployment is --id's, else (in a workflow run on: deployment, with no
			--ref) the event's, else one created as create does, with the same flags.
			The command runs without a shell, with stdin, stdout and stderr passed
			through and the deployment in DEPLOY_ID, DEPLOY_REPO, DEPLOY_ENVIRONMENT,
			DEPLOY_REF, DEPLOY_SHA, DEPLOY_TASK, DEPLOY_PAYLOAD, DEPLOY_DESCRIPTION,
			DEPLOY_CREATOR and DEPLOY_LOG_URL. A URL it writes to the file named by
			DEPLOY_ENVIRONMENT_URL_FILE becomes the environment URL (unless
			--environment-url is given).

			The final status is success (exit 0), failure (another exit status) or
			error (killed by a signal, --timeout, could not start, interrupted).
			SIGINT and SIGTERM go to the command's process group; a final status is
			posted even then. deployctl's own lines go to stderr.

			Exit status: the command's own; 124 after --timeout; 126 when it cannot be
			executed, 127 when it is not found; 130 or 143 when interrupted; 1 when the
			final status could not be recorded although the command succeeded.
		`),
		Example: heredoc.Doc(`
			$ deployctl run -e staging -- ./deploy.sh --verbose
			$ deployctl run --id 1234 --timeout 15m -- make deploy
			# in a workflow run on: deployment
			$ deployctl run -- ./deploy.sh
		`),
		Args: func(c *cobra.Command, args []string) error {
			dash := c.ArgsLenAtDash()
			switch {
			case dash < 0 && len(args) > 0:
				return cmdutil.Usagef("put -- before the command: deployctl run [flags] -- %s", args[0])
			case dash < 0:
				return cmdutil.Usagef("no command to run: deployctl run [flags] -- <command> [<args>...]")
			case dash > 0:
				return cmdutil.Usagef("unexpected argument %q before --", args[0])
			case len(args) == 0:
				return cmdutil.Usagef("no command after --")
			case args[0] == "":
				return cmdutil.Usagef("the command after -- is empty")
			}
			opts.Argv = args
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.check(c); err != nil {
				return err
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return runRun(opts)
		},
	}
	opts.Bind(f, c)
	opts.AddFlags(c)
	fl := c.Flags()
	fl.Int64Var(&opts.ID, "id", 0, "Run for this existing deployment `ID` instead of creating one")
	fl.StringVar(&opts.LogURL, "log-url", "", "The statuses' log `URL` (default: the workflow run's inside GitHub Actions)")
	fl.StringVar(&opts.EnvironmentURL, "environment-url", "", "The success status's environment `URL` (default: what the command writes to $DEPLOY_ENVIRONMENT_URL_FILE)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "Stop the command after this `duration` (SIGTERM, then SIGKILL); 0: no limit")
	cmdutil.MarkWrite(c, "--ref main -- true")
	return c
}

// check settles the flags (usage errors, nothing sent) and decides where
// the deployment comes from.
func (opts *RunOptions) check(c *cobra.Command) error {
	if err := opts.Flags.Check(c); err != nil {
		return err
	}
	fl := c.Flags()
	for _, name := range []string{"log-url", "environment-url"} {
		if fl.Changed(name) && fl.Lookup(name).Value.String() == "" {
			return cmdutil.Usagef("--%s must not be empty", name)
		}
	}
	if fl.Changed("id") && opts.ID <= 0 {
		return cmdutil.Usagef("invalid deployment ID %d: expected a positive number", opts.ID)
	}
	if opts.Timeout < 0 {
		return cmdutil.Usagef("--timeout must not be negative")
	}
	if opts.ID == 0 && !fl.Changed(create.FlagRef) {
		if err := opts.fromEvent(cmdutil.FlagSource(c, "repo") == cmdutil.FromCommandLine); err != nil {
			return err
		}
	}
	if opts.ID != 0 || opts.Event != nil {
		// Create's flags describe a deployment to create: given for one
		// that exists, they would be silently ignored.
		names := createFlagNames
		if opts.ID != 0 {
			// With the event, --ref means "create one instead".
			names = append([]string{create.FlagRef}, names...)
		}
		for _, name := range names {
			if cmdutil.FlagSource(c, name) >= cmdutil.FromEnv {
				if opts.ID != 0 {
					return cmdutil.Usagef("--%s applies only when run creates the deployment, not with --id", name)
				}
				return cmdutil.Usagef("--%s applies only when run creates the deployment; this one comes from GITHUB_EVENT_PATH (give --ref to create one)", name)
			}
		}
	}
	return nil
}

var createFlagNames = []string{create.FlagEnvironment, "task", "description", "payload", "auto-merge", "required-contexts", "skip-checks", "transient", "production"}

// fromEvent takes the deployment of a workflow run on: deployment. Any
// other event (push, ...) means there is none: run creates one.
func (opts *RunOptions) fromEvent(repoGiven bool) error {
	path := opts.Getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return nil
	}
	ev, err := status.ReadEvent(path)
	if errors.Is(err, status.ErrNoDeploymentEvent) {
		return nil
	}
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	d, err := deploy.FromEvent(ev.Deployment)
	if err != nil {
		return &cmdutil.UsageError{Err: fmt.Errorf("%s: %w", path, err)}
	}
	opts.Event = d
	if !repoGiven && ev.Repo != "" {
		opts.RepoFlag = ev.Repo
	}
	return nil
}

// logURL is --log-url, else inside GitHub Actions the workflow run's page.
func (opts *RunOptions) logURL() string {
	if opts.LogURL != "" {
		return opts.LogURL
	}
	return status.ActionsRunURL(opts.Getenv)
}

func runRun(opts *RunOptions) error {
	var req deploy.CreateRequest
	if opts.ID == 0 && opts.Event == nil {
		var err error
		if req, err = opts.Request(opts.Getenv, opts.IO.In); err != nil {
			return err
		}
	}
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	sigs := opts.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(ch)
		sigs = ch
	}
	ios := opts.IO
	res := deployrun.Run(opts.Context, deployrun.Options{
		Client: client, Repo: repo,
		Take: func(ctx context.Context) (*deploy.Deployment, error) {
			d := opts.Event
			if opts.ID != 0 {
				if d, err = deploy.Fetch(ctx, client, repo, opts.ID); err != nil {
					return nil, err
				}
			}
			// Admission: the deployment to d's environment (or req's) is
			// admitted here, before anything is created or marked.
			env := req.Environment
			if d != nil {
				env = d.Environment
			}
			if err := create.Admit(ctx, &opts.APIOptions, client, repo, env, opts.IgnoreLock); err != nil {
				return nil, err
			}
			if d != nil {
				return d, nil
			}
			d, err := create.Submit(ctx, &opts.APIOptions, client, repo, req)
			if d != nil && err != nil {
				// Created, but $GITHUB_OUTPUT could not be written: the
				// deploy goes on; the deployment must not stay pending.
				fmt.Fprintf(ios.ErrOut, "deployctl: %v\n", err)
				err = nil
			}
			return d, err
		},
		Argv: opts.Argv, LogURL: opts.logURL(), EnvironmentURL: opts.EnvironmentURL,
		Timeout: opts.Timeout, KillGrace: opts.KillGrace, Signals: sigs,
		Stdin: ios.In, Stdout: ios.Out, Stderr: ios.ErrOut, Notes: ios.ErrOut,
	})
	if res.Err != nil {
		return res.Err
	}
	if res.ExitStatus != 0 {
		return &cmdutil.SilentError{Code: res.ExitStatus}
	}
	return nil
}
