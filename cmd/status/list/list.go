// Package list is `deployctl status list`: a deployment's statuses.
package list

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/status/shared"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// ListOptions are the inputs of `deployctl status list`.
type ListOptions struct {
	cmdutil.APIOptions
	DeploymentID int64
	Limit        int
	Exporter     *output.Exporter
}

// NewCmdList builds `deployctl status list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:     "list <deployment-id>",
		Aliases: []string{"ls"},
		Short:   "List a deployment's statuses, newest first",
		Example: heredoc.Doc(`
			$ deployctl status list 1234
			$ deployctl status list 1234 --json state,createdAt --jq '.[0].state'
		`),
		Args: cmdutil.DeploymentIDArg(&opts.DeploymentID),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Limit < 1 {
				return cmdutil.Usagef("invalid value for --limit: %d (must be at least 1)", opts.Limit)
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	opts.Bind(f, c)
	c.Flags().IntVarP(&opts.Limit, "limit", "L", 30, "Maximum number of statuses to list")
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(status.Status{}))
	return c
}

func listRun(opts *ListOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	statuses, err := status.ListN(opts.Context, client, repo, opts.DeploymentID, opts.Limit)
	if err != nil {
		return err
	}
	defer opts.StartPager()()
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, statuses)
	}
	if len(statuses) == 0 && opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "Deployment %d has no statuses\n", opts.DeploymentID)
		return nil
	}
	return shared.StatusTable(opts.IO, opts.Now(), statuses, "")
}
