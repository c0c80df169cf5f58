// Package rollback is `deployctl rollback ENV`: deploy again the SHA an
// environment ran before its active deployment.
package rollback

import (
	"errors"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/pinned"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/environment"
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
	c.Flags().Int64Var(&opts.To, "to", 0, "Roll back to the SHA of this deployment `ID`")
	return c
}

func rollbackRun(opts *RollbackOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	plan, err := promote.Rollback(opts.Context, client, repo, opts.Environment, opts.To, opts.Request)
	var nothing *promote.NothingError
	if errors.As(err, &nothing) {
		return fmt.Errorf("%w; nothing was created", err)
	}
	if err != nil {
		return err
	}
	summary := func() (string, error) {
		cmp, err := environment.Compare(opts.Context, client, repo, plan.Active.SHA, plan.Source.SHA)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s runs %s; rolling back to %s: %s", opts.Environment, pinned.Describe(plan.Active), pinned.Describe(plan.Source), pinned.Comparison(cmp)), nil
	}
	question := fmt.Sprintf("Roll %s back to %s?", opts.Environment, pinned.Describe(plan.Source))
	return opts.Finish(repo, client, plan, summary, question)
}
