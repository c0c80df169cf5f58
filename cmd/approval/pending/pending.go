// Package pending is `deployctl pending`: GitHub Actions runs waiting for a review of a protected
// environment.
package pending

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/approval"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// PendingOptions are the inputs of `deployctl pending`.
type PendingOptions struct {
	cmdutil.APIOptions
	Exporter *output.Exporter
}

// NewCmdPending builds `deployctl pending`.
func NewCmdPending(f *cmdutil.Factory, runF func(*PendingOptions) error) *cobra.Command {
	opts := &PendingOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:   "pending",
		Short: "List workflow runs waiting for a review of a protected environment",
		Long: heredoc.Doc(`
			List the GitHub Actions workflow runs that wait for a required reviewer of
			an environment, one row per environment, newest run first, and whether you
			may approve it. Approve or reject them with "deployctl approve" and
			"deployctl reject".
		`),
		Example: heredoc.Doc(`
			$ deployctl pending
			$ deployctl pending --json runId,environment,canApprove
		`),
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return pendingRun(opts)
		},
	}
	opts.Bind(f, c)
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(approval.Pending{}))
	return c
}

func pendingRun(opts *PendingOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	list, err := approval.List(opts.Context, client, repo)
	if err != nil {
		return err
	}
	defer opts.StartPager()()
	ios := opts.IO
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, list)
	}
	if len(list) == 0 && ios.IsStdoutTTY() {
		fmt.Fprintf(ios.ErrOut, "Nothing waits for a review in %s/%s\n", repo.Owner, repo.Name)
		return nil
	}
	now := opts.Now()
	cs := ios.ColorScheme()
	tp := output.NewTable(ios, "RUN", "WORKFLOW", "BRANCH", "ENVIRONMENT", "WAITING", "CAN APPROVE")
	for _, p := range list {
		tp.AddField(fmt.Sprint(p.RunID))
		tp.AddField(p.Workflow)
		tp.AddField(p.Branch)
		tp.AddField(p.Environment)
		tp.AddField(output.Time(ios, now, p.WaitingSince), output.WithColor(cs.Gray))
		can := "no"
		if p.CanApprove {
			can = "yes"
		}
		tp.AddField(can)
		tp.EndRow()
	}
	return tp.Render()
}
