// Package diff is `deployctl diff ENV [REF|@ENV2]`: the commits that would
// ship, from GitHub's compare API.
package diff

import (
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/environment"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// DiffOptions are the inputs of `deployctl diff`.
type DiffOptions struct {
	cmdutil.APIOptions
	Environment string
	// Target is a ref, "@ENV2" or "" (the default branch).
	Target   string
	Exporter *output.Exporter
}

// NewCmdDiff builds `deployctl diff`.
func NewCmdDiff(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:   "diff <environment> [<ref> | @<environment>]",
		Short: "Show the commits a ref has that an environment does not run",
		Long: heredoc.Doc(`
			Compare what an environment runs (its active deployment: the newest whose
			latest status is success) with a ref (default: the default branch) or, with
			@ENV2, with what another environment runs: a summary line (ahead, behind,
			the comparison on GitHub), then one line per commit the ref has and the
			environment does not (short SHA, author, first line of the message).

			An environment without a successful deployment is an error (exit 1).
		`),
		Example: heredoc.Doc(`
			$ deployctl diff production
			$ deployctl diff production @staging
			$ deployctl diff staging v1.4.0 --json aheadBy,commits
		`),
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.Usagef("%s takes an environment and an optional ref or @environment, got %d arguments", c.CommandPath(), len(args))
			}
			opts.Environment = args[0]
			if len(args) == 2 {
				opts.Target = args[1]
			}
			switch {
			case strings.TrimSpace(opts.Environment) == "":
				return cmdutil.Usagef("the environment name must not be empty")
			case len(args) == 2 && strings.TrimSpace(opts.Target) == "":
				return cmdutil.Usagef("the ref must not be empty: leave it out for the default branch")
			case opts.Target == "@":
				return cmdutil.Usagef("@ needs an environment name: @staging")
			case opts.Target == "@"+opts.Environment:
				return cmdutil.Usagef("cannot compare %s with itself", opts.Environment)
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return diffRun(opts)
		},
	}
	opts.Bind(f, c)
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(environment.Diff{}))
	return c
}

func diffRun(opts *DiffOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	d, err := environment.DiffOf(opts.Context, client, repo, opts.Environment, opts.Target)
	var none *environment.NoActiveError
	if errors.As(err, &none) {
		return fmt.Errorf("%w: nothing to compare with", err)
	}
	if err != nil {
		return err
	}
	ios := opts.IO
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, d)
	}
	fmt.Fprintln(ios.Out, Summary(d))
	tp := output.NewTable(ios)
	cs := ios.ColorScheme()
	for _, c := range d.Commits {
		tp.AddField(deploy.ShortSHA(c.SHA), output.WithColor(cs.Yellow))
		tp.AddField(c.Author)
		tp.AddField(c.Subject())
		tp.EndRow()
	}
	return tp.Render()
}

// Summary is diff's first line: what the environment runs, how far the
// target is from it, where to see the comparison.
func Summary(d *environment.Diff) string {
	target := d.Target
	if d.TargetActive != nil {
		target = fmt.Sprintf("%s (%s)", d.Target, deploy.ShortSHA(d.TargetActive.SHA))
	}
	s := fmt.Sprintf("%s runs %s (deployment %d); %s is %s: %s",
		d.Environment, deploy.ShortSHA(d.Active.SHA), d.Active.ID, target, d.Counts(), d.URL)
	if d.Total > len(d.Commits) {
		s += fmt.Sprintf(" (the newest %d of %d commits listed)", len(d.Commits), d.Total)
	}
	return output.Cell(s)
}
