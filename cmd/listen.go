package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/listen"
	"github.com/deployctl/gh-deployctl/internal/runner"
)

// ListenOptions are the inputs of `deployctl listen`.
type ListenOptions struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Client func(host string) (*ghapi.Client, error)

	Addr               string
	Path               string
	Secret             string
	SecretFile         string
	InsecureSkipVerify bool
	StateDir           string
	Exec               string
	Environment        string
	Base               string
	NoCreateOnMerge    bool
	EnvironmentFilter  string
	Concurrency        int
	Timeout            time.Duration
	ShutdownGrace      time.Duration
	LogURLBase         string
	LogFormat          string
}

// NewCmdListen builds `deployctl listen`.
func NewCmdListen(f *Factory, runF func(context.Context, *ListenOptions) error) *cobra.Command {
	opts := &ListenOptions{IO: f.IOStreams, Getenv: f.Getenv, Client: f.Client}
	c := &cobra.Command{
		Use:   "listen",
		Short: "Run deployments from GitHub's webhooks",
		Long: heredoc.Doc(`
			Serve GitHub webhooks: a merged pull request into the default branch (or
			--base) creates a deployment of its head commit; a deployment runs --exec
			and reports queued, in_progress and success, failure or error; deployment
			statuses are logged.

			Every delivery is verified (X-Hub-Signature-256), written to a journal under
			--state-dir and acknowledged at once; the work happens afterwards, one
			deployment at a time per repository and environment. The command gets the
			deployment only as environment variables: DEPLOY_ID, DEPLOY_REPO,
			DEPLOY_ENVIRONMENT, DEPLOY_REF, DEPLOY_SHA, DEPLOY_TASK, DEPLOY_PAYLOAD,
			DEPLOY_DESCRIPTION, DEPLOY_CREATOR and DEPLOY_ENVIRONMENT_URL_FILE (write
			the deployed URL there). --exec is split into words once, like a shell
			would, but no shell runs it.

			Select the events "Pull requests", "Deployments" and "Deployment statuses"
			on the webhook. SIGINT or SIGTERM stops accepting deliveries, lets running
			deployments finish within --shutdown-grace and marks the rest error.
		`),
		Example: heredoc.Doc(`
			$ export DEPLOYCTL_WEBHOOK_SECRET=...   # the webhook's secret
			$ deployctl listen --exec './deploy.sh' --environment-filter 'prod*'
			$ gh webhook forward --repo octo/demo --events pull_request,deployment,deployment_status \
			    --url http://127.0.0.1:4567/event_handler --secret "$DEPLOYCTL_WEBHOOK_SECRET"
		`),
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(contextOf(c), opts)
			}
			return listenRun(contextOf(c), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Addr, "addr", listen.DefaultAddr, "Listen on `HOST:PORT`")
	fl.StringVar(&opts.Path, "path", listen.DefaultPath, "Receive webhooks on this URL `path`")
	fl.StringVar(&opts.Secret, "secret", "", "Webhook `secret` (also DEPLOYCTL_WEBHOOK_SECRET)")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "Read the webhook secret from `FILE`")
	fl.BoolVar(&opts.InsecureSkipVerify, "insecure-skip-verify", false, "Accept deliveries without checking their signature")
	fl.StringVar(&opts.StateDir, "state-dir", "", "Keep the journal and deploy logs in `DIR` (default $XDG_STATE_HOME/deployctl/listen)")
	fl.StringVar(&opts.Exec, "exec", "", "Run `CMD` for each deployment (without it, deployments are only logged)")
	fl.StringVarP(&opts.Environment, "environment", "e", listen.DefaultEnvironment, "Deploy merged pull requests to `environment`")
	fl.StringVar(&opts.Base, "base", "", "Deploy pull requests merged into branches matching `GLOB` (default: the default branch)")
	fl.BoolVar(&opts.NoCreateOnMerge, "no-create-on-merge", false, "Do not create deployments for merged pull requests")
	fl.StringVar(&opts.EnvironmentFilter, "environment-filter", "*", "Run only deployments to environments matching `GLOB`")
	fl.IntVar(&opts.Concurrency, "concurrency", 1, "Run up to `N` deployments at once (one per repository and environment)")
	fl.DurationVar(&opts.Timeout, "timeout", listen.DefaultTimeout, "Kill a deploy command after `DURATION`")
	fl.DurationVar(&opts.ShutdownGrace, "shutdown-grace", listen.DefaultShutdownGrace, "On SIGINT/SIGTERM, let running deployments finish for `DURATION`")
	fl.StringVar(&opts.LogURLBase, "log-url-base", "", "Serve deploy logs under `URL`/logs/<token> and link them from the statuses")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "Log `format`: text or json")
	return c
}

func listenRun(ctx context.Context, opts *ListenOptions) error {
	if opts.LogFormat != "text" && opts.LogFormat != "json" {
		return usageErrorf("--log-format must be text or json, not %q", opts.LogFormat)
	}
	if opts.Concurrency < 1 {
		return usageErrorf("--concurrency must be at least 1")
	}
	if opts.Timeout <= 0 || opts.ShutdownGrace <= 0 {
		return usageErrorf("--timeout and --shutdown-grace must be positive durations")
	}
	secret, err := listenSecret(opts)
	if err != nil {
		return err
	}
	var argv []string
	if opts.Exec != "" {
		if argv, err = runner.Parse(opts.Exec); err != nil {
			return &UsageError{Err: err}
		}
	}
	stateDir := opts.StateDir
	if stateDir == "" {
		if stateDir, err = defaultStateDir(opts.Getenv); err != nil {
			return err
		}
	}
	filter := opts.EnvironmentFilter
	if filter == "*" {
		filter = ""
	}
	listen.TuneGC(opts.Getenv)
	// The log goes out from a goroutine of its own (many lines a write in a
	// burst); what is left is written before the command returns.
	logw := listen.NewLogWriter(opts.IO.ErrOut)
	defer logw.Close()
	lo := listen.Options{
		Addr: opts.Addr, Path: opts.Path, Secret: secret, Insecure: opts.InsecureSkipVerify, StateDir: stateDir,
		Exec: argv, Environment: opts.Environment, Base: opts.Base, NoCreateOnMerge: opts.NoCreateOnMerge,
		EnvironmentFilter: filter, Concurrency: opts.Concurrency, Timeout: opts.Timeout,
		ShutdownGrace: opts.ShutdownGrace, LogURLBase: opts.LogURLBase,
		Client: func() (*ghapi.Client, error) { return opts.Client("") },
		Log:    listen.NewLogger(logw, opts.LogFormat, slog.LevelInfo),
	}
	err = listen.Run(ctx, lo)
	if errors.Is(err, listen.ErrNoSecret) {
		return &UsageError{Err: err}
	}
	return err
}

// listenSecret takes the secret from --secret, --secret-file or
// DEPLOYCTL_WEBHOOK_SECRET, in that order.
func listenSecret(opts *ListenOptions) ([]byte, error) {
	if opts.Secret != "" && opts.SecretFile != "" {
		return nil, usageErrorf("specify only one of `--secret` or `--secret-file`")
	}
	switch {
	case opts.Secret != "":
		return []byte(opts.Secret), nil
	case opts.SecretFile != "":
		b, err := os.ReadFile(opts.SecretFile)
		if err != nil {
			return nil, usageErrorf("--secret-file: %v", err)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return nil, usageErrorf("--secret-file %s is empty", opts.SecretFile)
		}
		return []byte(s), nil
	}
	if s := opts.Getenv("DEPLOYCTL_WEBHOOK_SECRET"); s != "" {
		return []byte(s), nil
	}
	if opts.InsecureSkipVerify {
		return nil, nil
	}
	return nil, &UsageError{Err: listen.ErrNoSecret}
}

func defaultStateDir(getenv func(string) string) (string, error) {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no --state-dir and no home directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "deployctl", "listen"), nil
}
