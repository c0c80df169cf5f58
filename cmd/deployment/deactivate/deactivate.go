// Package deactivate is `deployctl deactivate ID...`: mark deployments inactive.
package deactivate

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/cleanup"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// DeactivateOptions are the inputs of `deployctl deactivate`.
type DeactivateOptions struct {
	cleanup.Options
	IDs []int64
}

// NewCmdDeactivate builds `deployctl deactivate`.
func NewCmdDeactivate(f *cmdutil.Factory, runF func(*DeactivateOptions) error) *cobra.Command {
	opts := &DeactivateOptions{Options: cleanup.Options{APIOptions: cmdutil.NewAPIOptions(f)}}
	c := &cobra.Command{
		Use:   "deactivate <deployment-id>...",
		Short: "Mark deployments inactive",
		Long: heredoc.Doc(`
			Post an inactive status to each deployment that is not inactive already
			(one that is gets no request). Writes go one at a time, a second apart
			(--rate changes the pace). On a terminal it asks first (--yes skips the
			question); off a terminal it needs --yes.
		`),
		Example: heredoc.Doc(`
			$ deployctl deactivate 1234 1235
			$ deployctl deactivate 1234 --yes --json id,action
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
			return opts.RunIDs(opts.IDs, false)
		},
	}
	opts.Bind(f, c)
	opts.AddFlags(c)
	cmdutil.MarkWrite(c, "1 --yes")
	return c
}
