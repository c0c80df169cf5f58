// Package lock is `deployctl lock ENV|--global`: take a deployment lock that github/branch-deploy respects
// too.
package lock

import (
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/lock/shared"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/lock"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// LockOptions are the inputs of `deployctl lock`.
type LockOptions struct {
	cmdutil.APIOptions
	Environment string // "" = global
	Reason      string
	TTL         time.Duration
	Exporter    *output.Exporter
}

// NewCmdLock builds `deployctl lock`.
func NewCmdLock(f *cmdutil.Factory, runF func(*LockOptions) error) *cobra.Command {
	opts := &LockOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	var global bool
	c := &cobra.Command{
		Use:   "lock {<environment> | --global}",
		Short: "Lock an environment against deployments by anyone else",
		Long: heredoc.Doc(`
			Lock an environment (or, with --global, every environment) so that nobody
			else deploys to it: create, run, promote, rollback and the listener refuse
			it, and so does github/branch-deploy, which keeps locks the same way (the
			branch <environment>-branch-deploy-lock holding lock.json).

			You may still deploy while you hold the lock. A lock you already hold is
			left as it is. --ttl makes the lock expire; an expired lock is ignored, and
			the next lock takes it over. Release it with "deployctl unlock".
		`),
		Example: heredoc.Doc(`
			$ deployctl lock production --reason "migrating the database"
			$ deployctl lock staging --ttl 2h
			$ deployctl lock --global --reason "release freeze"
		`),
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			env, err := shared.Target(c, args, global)
			if err != nil {
				return err
			}
			opts.Environment = env
			if c.Flags().Changed("ttl") && opts.TTL <= 0 {
				return cmdutil.Usagef("--ttl must be a positive duration such as 30m or 2h, got %s", opts.TTL)
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return lockRun(opts)
		},
	}
	opts.Bind(f, c)
	c.Flags().BoolVar(&global, "global", false, "Lock every environment")
	c.Flags().StringVar(&opts.Reason, "reason", "", "Why the environment is locked (shown to whoever it stops)")
	c.Flags().DurationVar(&opts.TTL, "ttl", 0, "Let the lock expire after this `duration` (e.g. 2h)")
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(lock.Lock{}))
	cmdutil.MarkWrite(c, "production")
	return c
}

func lockRun(opts *LockOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	now := opts.Now()
	res, err := lock.Claim(opts.Context, client, repo, lock.ClaimRequest{
		Environment: opts.Environment, Reason: opts.Reason, TTL: opts.TTL, Getenv: opts.Getenv,
		Link: status.ActionsRunURL(opts.Getenv), Now: now,
	})
	var locked *lock.LockedError
	if errors.As(err, &locked) {
		return fmt.Errorf("cannot lock: %w\nWait for it, or %s", err, locked.UnlockHint())
	}
	if err != nil {
		return err
	}
	ios := opts.IO
	l := res.Lock
	if res.Replaced != nil {
		fmt.Fprintf(ios.ErrOut, "Took over %s's lock on %s, which expired %s ago.\n", res.Replaced.CreatedBy, res.Replaced.Scope(),
			lock.Duration(now.Sub(*res.Replaced.ExpiresAt)))
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, l)
	}
	if !ios.IsStdoutTTY() {
		_, err = fmt.Fprintln(ios.Out, l.LockBranch)
		return err
	}
	cs := ios.ColorScheme()
	switch {
	case res.Already:
		_, err = fmt.Fprintf(ios.Out, "%s You already hold the lock on %s (locked %s ago)\n", cs.SuccessIcon(), l.Scope(), lock.Age(now, l.CreatedAt))
	default:
		msg := fmt.Sprintf("%s Locked %s in %s/%s", cs.SuccessIcon(), cs.Bold(l.Scope()), repo.Owner, repo.Name)
		if l.ExpiresAt != nil {
			msg += fmt.Sprintf(" for %s", lock.Duration(l.ExpiresAt.Sub(now)))
		}
		if l.Reason != "" {
			msg += ": " + output.Cell(l.Reason)
		}
		_, err = fmt.Fprintln(ios.Out, msg)
	}
	return err
}
