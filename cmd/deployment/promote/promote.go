// Package promote is `deployctl promote FROM TO`: deploy to TO the exact
// SHA that FROM runs.
package promote

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

// PromoteOptions are the inputs of `deployctl promote`.
type PromoteOptions struct {
	pinned.Options
	From, To string
}

// NewCmdPromote builds `deployctl promote`.
func NewCmdPromote(f *cmdutil.Factory, runF func(*PromoteOptions) error) *cobra.Command {
	opts := &PromoteOptions{Options: pinned.Options{APIOptions: cmdutil.NewAPIOptions(f)}}
	c := &cobra.Command{
		Use:   "promote <from-environment> <to-environment>",
		Short: "Deploy to an environment the exact SHA another one runs",
		Long: heredoc.Doc(`
			Create a deployment to <to-environment> of the exact SHA that the active
			deployment of <from-environment> runs (its newest whose latest status is
			success). The ref is that SHA, and the payload gets "promoted_from": the ID
			of the deployment promoted, merged into --payload.

			On a terminal it first shows what <to-environment> would gain (diff TO
			@FROM) and asks; --yes skips the question.
		`),
		Example: heredoc.Doc(`
			$ deployctl promote staging production
			$ deployctl promote staging production --yes --payload '{"notify": true}'
		`),
		Args: cmdutil.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.From, opts.To = args[0], args[1]
			switch {
			case opts.From == "" || opts.To == "":
				return cmdutil.Usagef("environment names must not be empty")
			case opts.From == opts.To:
				return cmdutil.Usagef("cannot promote %s to itself: name two different environments", opts.From)
			}
			if err := opts.Check(c); err != nil {
				return err
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return promoteRun(opts)
		},
	}
	opts.Bind(f, c)
	opts.AddFlags(c)
	cmdutil.MarkWrite(c, "staging production")
	cmdutil.EnvironmentArgs(c, 2)
	return c
}

func promoteRun(opts *PromoteOptions) error {
	return opts.Run(func(ctx context.Context, c *ghapi.Client, repo repository.Repository) (*promote.Plan, error) {
		return promote.Promote(ctx, c, repo, opts.From, opts.To, opts.Request)
	}, func(p *promote.Plan) (string, string) {
		src := fmt.Sprintf("%s runs %s", opts.From, pinned.Describe(p.Source))
		summary := fmt.Sprintf("%s has no active deployment; %s", opts.To, src)
		if p.Active != nil {
			summary = fmt.Sprintf("%s runs %s; %s", opts.To, pinned.Describe(p.Active), src)
		}
		return summary, fmt.Sprintf("Promote %s from %s to %s?", pinned.Describe(p.Source), opts.From, opts.To)
	})
}
