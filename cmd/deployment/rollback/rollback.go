// Package rollback is `deployctl rollback ENV`: deploy again the SHA an
// environment ran before its active deployment.
package rollback

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/pinned"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/promote"
)

// RollbackOptions are the inputs of `deployctl rollback`.
type RollbackOptions struct {
	pinned.Options
	Environment string
	// To is --to: the deployment whose SHA to deploy (0: the rule).
	To int64
}

// NewCmdRollback builds `deployctl rollback`.
func NewCmdRollback(f *cmdutil.Factory, runF func(*RollbackOptions) error) *cobra.Command {
	opts := &RollbackOptions{Options: pinned.Options{APIOptions: cmdutil.NewAPIOptions(f)}}
	c := &cobra.Command{
		Use:   "rollback <environment>",
		Short: "Deploy again what an environment ran before",
		Long: heredoc.Doc(`
			Create a deployment to <environment> of the SHA of the newest deployment
			older than its active one, with a different SHA, that succeeded (or of the
			deployment --to names). The ref is that SHA, and the payload gets
			"rollback_of": the ID of the active deployment, merged into --payload.

			Nothing to roll back to: exit 1, nothing created. On a terminal it first
			shows what would change and asks; --yes skips the question.
		`),
		Example: heredoc.Doc(`
			$ deployctl rollback production
			$ deployctl rollback production --to 1234 --yes
		`),
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Environment = args[0]
			if opts.Environment == "" {
				return cmdutil.Usagef("the environment name must not be empty")
			}
			if c.Flags().Changed("to") && opts.To <= 0 {
				return cmdutil.Usagef("invalid deployment ID %d for --to: expected a positive number", opts.To)
			}
			if err := opts.Check(c); err != nil {
				return err
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return rollbackRun(opts)
		},
	}
	opts.Bind(f, c)
	opts.AddFlags(c)
	cmdutil.MarkWrite(c, "production")
	cmdutil.EnvironmentArgs(c, 1)
	c.Flags().Int64Var(&opts.To, "to", 0, "Roll back to the SHA of this deployment `ID`")
	return c
}

func rollbackRun(opts *RollbackOptions) error {
	return opts.Run(func(ctx context.Context, c *ghapi.Client, repo repository.Repository) (*promote.Plan, error) {
		return promote.Rollback(ctx, c, repo, opts.Environment, opts.To, opts.Request)
	}, func(p *promote.Plan) (string, string) {
		return fmt.Sprintf("%s runs %s; rolling back to %s", opts.Environment, pinned.Describe(p.Active), pinned.Describe(p.Source)),
			fmt.Sprintf("Roll %s back to %s?", opts.Environment, pinned.Describe(p.Source))
	})
}
