// Package prune is `deployctl prune`: deactivate (or delete) every deployment beyond the newest of each
// environment, never an environment's active one.
package prune

import (
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/cleanup"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/prune"
)

// PruneOptions are the inputs of `deployctl prune`.
type PruneOptions struct {
	cleanup.Options
	Environment string
	Ref         string
	Keep        int
	OlderThan   time.Duration
	Delete      bool
	DryRun      bool
}

// NewCmdPrune builds `deployctl prune`.
func NewCmdPrune(f *cmdutil.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{Options: cleanup.Options{APIOptions: cmdutil.NewAPIOptions(f)}}
	c := &cobra.Command{
		Use:   "prune",
		Short: "Deactivate or delete old deployments",
		Long: heredoc.Doc(`
			Mark inactive every deployment beyond the newest --keep of each environment,
			and with --delete delete them. An environment's active deployment (its
			newest whose latest status is success) is always kept.

			It reads every deployment, 100 a request, with its latest status, and
			sends only the writes needed: an inactive deployment is deleted without a
			status first, and one already inactive is not deactivated again. Writes go
			one at a time, a second apart (--rate N: N a minute; 0: no pacing); when
			GitHub's secondary rate limit answers, it waits as GitHub asks and goes on.
			An interrupted run is finished by running the same command again.

			On a terminal it shows what it would do and asks (--yes skips the
			question); off a terminal it needs --yes. --dry-run only shows it.
		`),
		Example: heredoc.Doc(`
			$ deployctl prune --dry-run
			$ deployctl prune --delete --keep 5 --older-than 720h
			$ deployctl prune -e pr-1234 --keep 0 --delete --yes
		`),
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Keep < 0 {
				return cmdutil.Usagef("--keep must be 0 or more, got %d", opts.Keep)
			}
			if c.Flags().Changed("older-than") && opts.OlderThan <= 0 {
				return cmdutil.Usagef("--older-than must be a positive duration such as 720h")
			}
			if err := opts.Check(c, opts.DryRun); err != nil {
				return err
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(opts)
		},
	}
	opts.Bind(f, c)
	fl := c.Flags()
	fl.StringVarP(&opts.Environment, "environment", "e", "", "Only this `environment`")
	fl.StringVar(&opts.Ref, "ref", "", "Only deployments of this `ref`")
	fl.IntVar(&opts.Keep, "keep", 1, "Keep the newest `N` deployments of each environment")
	fl.DurationVar(&opts.OlderThan, "older-than", 0, "Only deployments created longer ago than this `duration` (e.g. 720h)")
	fl.BoolVar(&opts.Delete, "delete", false, "Delete the deployments, not only deactivate them")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Show what would be done; send nothing")
	opts.AddFlags(c)
	cmdutil.MarkWrite(c, "--yes")
	return c
}

func pruneRun(opts *PruneOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	deps, err := prune.Read(opts.Context, client, repo, opts.Environment)
	if err != nil {
		return err
	}
	plan := prune.NewPlan(deps, prune.Options{
		Environment: opts.Environment, Ref: opts.Ref, Keep: opts.Keep, OlderThan: opts.OlderThan, Now: opts.Now(),
		Delete: opts.Delete,
	})
	if opts.DryRun {
		return opts.Report(plan.Items, true, plan.AlreadyInactive, nil)
	}
	if plan.Writes() == 0 {
		return opts.Report(plan.Items, false, plan.AlreadyInactive, nil)
	}
	question := fmt.Sprintf("%s in %s/%s?", cleanup.Summary(plan.Items, true, plan.AlreadyInactive), repo.Owner, repo.Name)
	if err := opts.Ask(question); err != nil {
		return err
	}
	items, runErr := opts.Execute(&prune.Executor{Client: client, Repo: repo}, plan)
	return opts.Report(items, false, plan.AlreadyInactive, runErr)
}
