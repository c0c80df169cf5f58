// Package list is `deployctl list`: deployments, newest first.
package list

import (
	"fmt"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// ListOptions are the inputs of `deployctl list`.
type ListOptions struct {
	cmdutil.APIOptions
	Environment string
	Ref         string
	SHA         string
	Task        string
	State       string
	Limit       int
	Exporter    *output.Exporter
}

// NewCmdList builds `deployctl list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List deployments, newest first",
		Long: heredoc.Doc(`
			List deployments newest first, each with the state of its latest status.

			Deployments and their latest statuses come 100 at a time in one request
			(two when filtering by --ref, --sha or --task).
		`),
		Example: heredoc.Doc(`
			$ deployctl list
			$ deployctl list --environment production --limit 5
			$ deployctl list --json id,state --jq '.[] | select(.state == "failure") | .id'
			$ deployctl list --state in_progress -e production
		`),
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Limit < 1 {
				return cmdutil.Usagef("invalid value for --limit: %d (must be at least 1)", opts.Limit)
			}
			if opts.SHA != "" {
				sha, err := deploy.ParseSHA(opts.SHA)
				if err != nil {
					return &cmdutil.UsageError{Err: fmt.Errorf("--sha: %w", err)}
				}
				opts.SHA = sha
			}
			if c.Flags().Changed("state") {
				st, err := status.ParseState(opts.State)
				if err != nil {
					return &cmdutil.UsageError{Err: fmt.Errorf("--state: %w", err)}
				}
				opts.State = string(st)
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	opts.Bind(f, c)
	fl := c.Flags()
	fl.StringVarP(&opts.Environment, "environment", "e", "", "Only deployments to `environment`")
	fl.StringVar(&opts.Ref, "ref", "", "Only deployments of `ref` (branch, tag or SHA, as it was created)")
	fl.StringVar(&opts.SHA, "sha", "", "Only deployments of commit `SHA` (at least 7 characters: a prefix matches)")
	fl.StringVar(&opts.Task, "task", "", "Only deployments with `task`")
	fl.StringVar(&opts.State, "state", "", "Only deployments whose latest status is `state`: "+strings.Join(status.StateNames(), ", "))
	_ = c.RegisterFlagCompletionFunc("state", cobra.FixedCompletions(status.StateNames(), cobra.ShellCompDirectiveNoFileComp))
	fl.IntVarP(&opts.Limit, "limit", "L", 30, "Maximum number of deployments to list")
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(deploy.Deployment{}))
	return c
}

func listRun(opts *ListOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	lo := deploy.ListOptions{Environment: opts.Environment, Ref: opts.Ref, SHA: opts.SHA, Task: opts.Task, State: opts.State, Limit: opts.Limit}
	if e := opts.Exporter; e != nil {
		lo.EnvironmentFlags = slices.Contains(e.Fields, "transient") || slices.Contains(e.Fields, "production")
	}
	deps, err := deploy.List(opts.Context, client, repo, lo)
	if err != nil {
		return err
	}
	defer opts.StartPager()()
	ios := opts.IO
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, deps)
	}
	if len(deps) == 0 && ios.IsStdoutTTY() {
		fmt.Fprintf(ios.ErrOut, "No deployments found in %s/%s\n", repo.Owner, repo.Name)
		return nil
	}
	cs := ios.ColorScheme()
	now := opts.Now()
	tp := output.NewTable(ios, "ID", "ENVIRONMENT", "REF", "SHA", "STATE", "CREATOR", "CREATED")
	for _, d := range deps {
		state := d.State
		if state == "" {
			state = deploy.StateNone
		}
		tp.AddField(fmt.Sprint(d.ID))
		tp.AddField(d.Environment)
		tp.AddField(d.Ref)
		tp.AddField(deploy.ShortSHA(d.SHA))
		tp.AddField(state, output.WithColor(cs.State))
		tp.AddField(d.Creator)
		tp.AddField(output.Time(ios, now, d.CreatedAt), output.WithColor(cs.Gray), output.WithoutTruncation())
		tp.EndRow()
	}
	return tp.Render()
}
