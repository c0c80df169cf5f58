// Package listen is `deployctl listen`: the webhook handler's command line.
package listen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	listener "github.com/deployctl/gh-deployctl/internal/listen"
	"github.com/deployctl/gh-deployctl/internal/listen/river"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/runner"
)

// ListenOptions are the inputs of `deployctl listen`.
type ListenOptions struct {
	Context context.Context
	IO      *iostreams.IOStreams
	Getenv  func(string) string
	Client  func(host string) (*ghapi.Client, error)

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
	Notify             []string
	MetricsAddr        string
	Database           string
	Poll               time.Duration
	// PollGiven: --poll was set (flag, DEPLOYCTL_POLL or config), even to 0.
	PollGiven bool
	Repos     []string
}

// NewCmdListen builds `deployctl listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(*ListenOptions) error) *cobra.Command {
	opts := &ListenOptions{Context: context.Background(), IO: f.IOStreams, Getenv: f.Getenv, Client: f.Client}
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
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Context = cmdutil.ContextOf(c)
			opts.PollGiven = c.Flags().Changed("poll")
			if runF != nil {
				return runF(opts)
			}
			return listenRun(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Addr, "addr", listener.DefaultAddr, "Listen on `HOST:PORT`")
	fl.StringVar(&opts.Path, "path", listener.DefaultPath, "Receive webhooks on this URL `path`")
	fl.StringVar(&opts.Secret, "secret", "", "Webhook `secret` (visible to local users on a command line: prefer --secret-file or DEPLOYCTL_WEBHOOK_SECRET)")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "Read the webhook secret from `FILE`")
	fl.BoolVar(&opts.InsecureSkipVerify, "insecure-skip-verify", false, "Accept deliveries without checking their signature")
	fl.StringVar(&opts.StateDir, "state-dir", "", "Keep the journal and deploy logs in `DIR` (default $XDG_STATE_HOME/deployctl/listen)")
	fl.StringVar(&opts.Exec, "exec", "", "Run `CMD` for each deployment (without it, deployments are only logged)")
	fl.StringVarP(&opts.Environment, "environment", "e", listener.DefaultEnvironment, "Deploy merged pull requests to `environment`")
	fl.StringVar(&opts.Base, "base", "", "Deploy pull requests merged into branches matching `GLOB` (default: the default branch)")
	fl.BoolVar(&opts.NoCreateOnMerge, "no-create-on-merge", false, "Do not create deployments for merged pull requests")
	fl.StringVar(&opts.EnvironmentFilter, "environment-filter", "*", "Run only deployments to environments matching `GLOB`")
	fl.IntVar(&opts.Concurrency, "concurrency", 1, "Run up to `N` deployments at once (one per repository and environment)")
	fl.DurationVar(&opts.Timeout, "timeout", listener.DefaultTimeout, "Kill a deploy command after `DURATION`")
	fl.DurationVar(&opts.ShutdownGrace, "shutdown-grace", listener.DefaultShutdownGrace, "On SIGINT/SIGTERM, let running deployments finish for `DURATION`")
	fl.StringVar(&opts.LogURLBase, "log-url-base", "", "Serve deploy logs under `URL`/logs/<token> and link them from the statuses")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "Log `format`: text or json")
	fl.StringArrayVar(&opts.Notify, "notify", nil, "Post deployments' start and end to the incoming-webhook `URL` (Slack-compatible; repeatable)")
	fl.StringVar(&opts.MetricsAddr, "metrics-addr", "", "Serve Prometheus metrics at /metrics on `HOST:PORT`")
	fl.DurationVar(&opts.Poll, "poll", 0, "Ask GitHub every `DURATION` instead of taking webhooks (with -R)")
	fl.StringArrayVarP(&opts.Repos, "repo", "R", nil, "Poll the repository `OWNER/REPO` (repeatable; with --poll)")
	fl.StringVar(&opts.Database, "database", "", "Share deliveries and jobs with other listeners in PostgreSQL at `URL` (postgres://...)")
	return c
}

func listenRun(opts *ListenOptions) error {
	if opts.LogFormat != "text" && opts.LogFormat != "json" {
		return cmdutil.Usagef("--log-format must be text or json, not %q", opts.LogFormat)
	}
	if opts.Concurrency < 1 {
		return cmdutil.Usagef("--concurrency must be at least 1")
	}
	if opts.Timeout <= 0 || opts.ShutdownGrace <= 0 {
		return cmdutil.Usagef("--timeout and --shutdown-grace must be positive durations")
	}
	if err := checkHooks(opts); err != nil {
		return err
	}
	secret, err := listenSecret(opts)
	if err != nil {
		return err
	}
	if err := listener.ConcealSecret(); err != nil {
		return fmt.Errorf("could not protect the webhook secret: %w", err)
	}
	var argv []string
	if opts.Exec != "" {
		if argv, err = runner.Parse(opts.Exec); err != nil {
			return &cmdutil.UsageError{Err: err}
		}
		// Found and executable now, not at the first deployment.
		if _, err := exec.LookPath(argv[0]); err != nil {
			return cmdutil.Usagef("--exec: %v", err)
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
	listener.TuneGC(opts.Getenv)
	// The log goes out from a goroutine of its own (many lines a write in a
	// burst); what is left is written before the command returns.
	logw := listener.NewLogWriter(opts.IO.ErrOut)
	defer logw.Close()
	log := listener.NewLogger(logw, opts.LogFormat, slog.LevelInfo)
	var shared store.Store
	hooks, stopHooks, err := startHooks(opts, log)
	if err != nil {
		return err
	}
	defer stopHooks()
	if opts.Database != "" {
		st, err := river.Open(opts.Context, river.Options{URL: opts.Database, Deployments: opts.Concurrency, Log: log})
		if err != nil {
			return err
		}
		defer st.Close()
		shared = st
	}
	lo := listener.Options{
		Addr: opts.Addr, Path: opts.Path, Secret: secret, Insecure: opts.InsecureSkipVerify, StateDir: stateDir,
		Exec: argv, Environment: opts.Environment, Base: opts.Base, NoCreateOnMerge: opts.NoCreateOnMerge,
		EnvironmentFilter: filter, Concurrency: opts.Concurrency, Timeout: opts.Timeout,
		ShutdownGrace: opts.ShutdownGrace, LogURLBase: opts.LogURLBase,
		Client: func() (*ghapi.Client, error) { return opts.Client("") },
		Log:    log,
		Hooks:  hooks,
		Store:  shared,
		Poll:   opts.Poll, PollRepos: opts.Repos,
	}
	err = listener.Run(opts.Context, lo)
	if errors.Is(err, listener.ErrNoSecret) {
		return &cmdutil.UsageError{Err: err}
	}
	return err
}

// listenSecret is the one place that reads the webhook secret, from
// whichever source gave it: --secret (also DEPLOYCTL_SECRET or `secret` in
// the config file, applied to the flag), --secret-file (also
// DEPLOYCTL_SECRET_FILE or `secret-file`), or DEPLOYCTL_WEBHOOK_SECRET, in
// that order. listenRun then removes every one of those variables from the
// environment (listen.ConcealSecret); the deploy command never sees them.
func listenSecret(opts *ListenOptions) ([]byte, error) {
	if opts.Secret != "" && opts.SecretFile != "" {
		return nil, cmdutil.Usagef("specify only one of `--secret` or `--secret-file`")
	}
	switch {
	case opts.Secret != "":
		return []byte(opts.Secret), nil
	case opts.SecretFile != "":
		b, err := os.ReadFile(opts.SecretFile)
		if err != nil {
			return nil, cmdutil.Usagef("--secret-file: %v", err)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return nil, cmdutil.Usagef("--secret-file %s is empty", opts.SecretFile)
		}
		return []byte(s), nil
	}
	if s := opts.Getenv("DEPLOYCTL_WEBHOOK_SECRET"); s != "" {
		return []byte(s), nil
	}
	if opts.InsecureSkipVerify || opts.Poll > 0 {
		return nil, nil // poll mode without a secret takes no webhooks
	}
	return nil, &cmdutil.UsageError{Err: listener.ErrNoSecret}
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
