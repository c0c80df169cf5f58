// Package unlock is `deployctl unlock ENV|--global`: release a deployment lock, whoever holds it.
package unlock

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
)

// UnlockOptions are the inputs of `deployctl unlock`.
type UnlockOptions struct {
	cmdutil.APIOptions
	Environment string // "" = global
	Yes         bool
}

// NewCmdUnlock builds `deployctl unlock`.
func NewCmdUnlock(f *cmdutil.Factory, runF func(*UnlockOptions) error) *cobra.Command {
	opts := &UnlockOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	var global bool
	c := &cobra.Command{
		Use:   "unlock {<environment> | --global}",
		Short: "Release an environment's lock",
		Long: heredoc.Doc(`
			Release the lock on an environment (or the global lock), whoever holds it,
			by deleting its branch, and say whose lock it was. Locks taken with
			github/branch-deploy's .lock are released the same way.

			It deletes something, so on a terminal it asks first (--yes skips the
			question); off a terminal it needs --yes.
		`),
		Example: heredoc.Doc(`
			$ deployctl unlock production
			$ deployctl unlock --global --yes
		`),
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			env, err := shared.Target(c, args, global)
			if err != nil {
				return err
			}
			opts.Environment = env
			if !opts.Yes && !cmdutil.CanPrompt(opts.IO) {
				return cmdutil.Usagef("unlock deletes the lock's branch: pass --yes to do it off a terminal")
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return unlockRun(opts)
		},
	}
	opts.Bind(f, c)
	c.Flags().BoolVar(&global, "global", false, "Release the global lock")
	c.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation on a terminal")
	cmdutil.MarkWrite(c, "production --yes")
	return c
}

func unlockRun(opts *UnlockOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	now := opts.Now()
	scope := opts.Environment
	if scope == "" {
		scope = "every environment (global lock)"
	}
	if !opts.Yes {
		st, err := lock.Read(opts.Context, client, repo, opts.Environment)
		if err != nil {
			return err
		}
		l := st.Env
		if opts.Environment == "" {
			l = st.Global
		}
		if l == nil {
			return fmt.Errorf("%s is not locked in %s/%s", scope, repo.Owner, repo.Name)
		}
		if !cmdutil.Confirm(opts.IO, fmt.Sprintf("Remove %s's lock on %s (%s)?", l.CreatedBy, scope, describe(l, now))) {
			return cmdutil.Usagef("not unlocked")
		}
	}
	l, err := lock.Release(opts.Context, client, repo, opts.Environment)
	if errors.Is(err, lock.ErrNotLocked) {
		return fmt.Errorf("%s is not locked in %s/%s", scope, repo.Owner, repo.Name)
	}
	if err != nil {
		return err
	}
	ios := opts.IO
	prefix := ""
	if ios.IsStdoutTTY() {
		prefix = ios.ColorScheme().SuccessIcon() + " "
	}
	if l == nil {
		_, err = fmt.Fprintf(ios.Out, "%sRemoved the lock branch %s, which held no lock.json\n", prefix, lock.BranchName(opts.Environment))
		return err
	}
	_, err = fmt.Fprintf(ios.Out, "%sRemoved %s's lock on %s (%s)\n", prefix, l.CreatedBy, scope, describe(l, now))
	return err
}

// describe is "held 2h: migrating the database".
func describe(l *lock.Lock, now time.Time) string {
	d := "held " + lock.Age(now, l.CreatedAt)
	if l.Reason != "" {
		d += ": " + output.Cell(l.Reason)
	}
	return d
}
