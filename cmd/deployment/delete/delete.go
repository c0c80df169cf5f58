// Package delete is `deployctl delete ID...`: delete deployments, marking them inactive first where GitHub requires it.
package delete

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/cleanup"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// DeleteOptions are the inputs of `deployctl delete`.
type DeleteOptions struct {
	cleanup.Options
	IDs []int64
}

// NewCmdDelete builds `deployctl delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Options: cleanup.Options{APIOptions: cmdutil.NewAPIOptions(f)}}
	c := &cobra.Command{
		Use:   "delete <deployment-id>...",
		Short: "Delete deployments",
		Long: heredoc.Doc(`
			Delete each deployment. GitHub deletes only inactive deployments (unless it
			is the repository's only one), so a deployment with no status or whose
			latest status is success gets an inactive status first; any other is
			deleted with one request. Writes go one at a time, a second apart (--rate
			changes the pace). On a terminal it asks first (--yes skips the question);
			off a terminal it needs --yes.
		`),
		Example: heredoc.Doc(`
			$ deployctl delete 1234 1235
			$ deployctl delete 1234 --yes --json id,action
		`),
		Args: func(c *cobra.Command, args []string) (err error) {
			opts.IDs, err = cleanup.ParseIDs(args)
			return err
		},
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Check(c, false); err != nil {
				return err
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return opts.RunIDs(opts.IDs, true)
		},
	}
	opts.Bind(f, c)
	opts.AddFlags(c)
	cmdutil.MarkWrite(c, "1 --yes")
	return c
}
