// Package set is `deployctl status set`: add a status to a deployment.
package set

import (
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// SetOptions are the inputs of `deployctl status set`.
type SetOptions struct {
	cmdutil.APIOptions
	DeploymentID   int64
	State          status.State
	Description    string
	LogURL         string
	EnvironmentURL string
	Environment    string
	AutoInactive   *bool
	Exporter       *output.Exporter
}

// NewCmdSet builds `deployctl status set`.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	var autoInactive bool
	c := &cobra.Command{
		Use:   "set [<deployment-id>] <state>",
		Short: "Add a status to a deployment",
		Long: heredoc.Docf(`
			Add a status to a deployment. The state is one of:
			%s.

			In a workflow that runs "on: deployment", the deployment ID may be left out:
			it is read, with the repository, from the event at GITHUB_EVENT_PATH.
		`, strings.Join(status.StateNames(), ", ")),
		Example: heredoc.Doc(`
			$ deployctl status set 1234 in_progress
			$ deployctl status set 1234 success --environment-url https://staging.example.com
			$ deployctl status set failure -d "migrations failed"   # inside an on: deployment workflow
		`),
		Args: func(c *cobra.Command, args []string) error {
			if err := cmdutil.RangeArgs(1, 2)(c, args); err != nil {
				return err
			}
			if len(args) == 1 {
				if _, err := cmdutil.ParseID(args[0]); err == nil {
					// "status set 1000": the ID without a state.
					return cmdutil.Usagef("no state given for deployment %s: %s %s <state>, the state one of %s",
						args[0], c.CommandPath(), args[0], strings.Join(status.StateNames(), ", "))
				}
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 1 {
				return status.StateNames(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			state, err := status.ParseState(args[len(args)-1])
			if err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			opts.State = state
			if len(args) == 2 {
				if opts.DeploymentID, err = cmdutil.ParseID(args[0]); err != nil {
					return err
				}
			}
			if err := status.CheckDescription(opts.Description); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			if c.Flags().Changed("auto-inactive") {
				opts.AutoInactive = &autoInactive
			}
			if opts.DeploymentID == 0 {
				// The event's ID belongs to the event's repository: only
				// --repo on the command line overrides it, not a default
				// from DEPLOYCTL_REPO or the config file.
				if err := opts.fromEvent(cmdutil.FlagSource(c, "repo") == cmdutil.FromCommandLine); err != nil {
					return err
				}
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	opts.Bind(f, c)
	fl := c.Flags()
	fl.StringVarP(&opts.Description, "description", "d", "", fmt.Sprintf("Short `description` of the status (at most %d characters; empty: none)", status.MaxDescription))
	fl.StringVar(&opts.LogURL, "log-url", "", "`URL` of the deployment's log")
	fl.StringVar(&opts.EnvironmentURL, "environment-url", "", "`URL` of the deployed environment")
	fl.StringVarP(&opts.Environment, "environment", "e", "", "Move the deployment to `environment`")
	fl.BoolVar(&autoInactive, "auto-inactive", false, "Mark earlier deployments to the environment inactive on success (sent only when given; GitHub's default is true)")
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(status.Status{}))
	cmdutil.AllowEmpty(c, "description")
	cmdutil.MarkWrite(c, "1 success")
	return c
}

// fromEvent takes the deployment (and the repository, unless repoGiven on
// the command line) from a workflow's deployment event.
func (opts *SetOptions) fromEvent(repoGiven bool) error {
	path := opts.Getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return cmdutil.Usagef("no deployment ID given, and GITHUB_EVENT_PATH is not set (it is, in a workflow that runs on: deployment)")
	}
	ev, err := status.ReadEvent(path)
	if errors.Is(err, status.ErrNoDeploymentEvent) {
		return cmdutil.Usagef("no deployment ID given, and GITHUB_EVENT_PATH holds no deployment event; pass the ID")
	}
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	opts.DeploymentID = ev.DeploymentID
	if !repoGiven && ev.Repo != "" {
		opts.RepoFlag = ev.Repo
	}
	return nil
}

func setRun(opts *SetOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	s, err := status.Set(opts.Context, client, repo, opts.DeploymentID, status.SetRequest{
		State:          opts.State,
		Description:    opts.Description,
		LogURL:         opts.LogURL,
		EnvironmentURL: opts.EnvironmentURL,
		Environment:    opts.Environment,
		AutoInactive:   opts.AutoInactive,
	})
	if err != nil {
		return err
	}
	ios := opts.IO
	switch {
	case opts.Exporter != nil:
		err = opts.Exporter.Write(ios, s)
	case ios.IsStdoutTTY():
		cs := ios.ColorScheme()
		_, err = fmt.Fprintf(ios.Out, "%s Set deployment %d to %s (status %d)\n", cs.SuccessIcon(), s.DeploymentID, cs.State(s.State), s.ID)
	default:
		_, err = fmt.Fprintln(ios.Out, s.ID)
	}
	return cmdutil.AfterWrite(fmt.Sprintf("added status %d (%s) to deployment %d in %s/%s", s.ID, s.State, s.DeploymentID, repo.Owner, repo.Name), err)
}
