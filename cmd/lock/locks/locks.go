// Package locks is `deployctl locks`: every deployment lock of the repository, deployctl's and
// github/branch-deploy's alike.
package locks

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/lock"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// LocksOptions are the inputs of `deployctl locks`.
type LocksOptions struct {
	cmdutil.APIOptions
	Exporter *output.Exporter
}

// NewCmdLocks builds `deployctl locks`.
func NewCmdLocks(f *cmdutil.Factory, runF func(*LocksOptions) error) *cobra.Command {
	opts := &LocksOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:   "locks",
		Short: "List the deployment locks",
		Long: heredoc.Doc(`
			List the repository's deployment locks, the global one first: those taken
			with "deployctl lock" and those taken with github/branch-deploy's .lock.
			An expired lock is shown as expired; it no longer stops anyone.
		`),
		Example: heredoc.Doc(`
			$ deployctl locks
			$ deployctl locks --json environment,createdBy --jq '.[] | "\(.environment) \(.createdBy)"'
		`),
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return locksRun(opts)
		},
	}
	opts.Bind(f, c)
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(lock.Lock{}))
	return c
}

func locksRun(opts *LocksOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	locks, err := lock.List(opts.Context, client, repo)
	if err != nil {
		return err
	}
	defer opts.StartPager()()
	ios := opts.IO
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, locks)
	}
	if len(locks) == 0 && ios.IsStdoutTTY() {
		fmt.Fprintf(ios.ErrOut, "No deployment locks in %s/%s\n", repo.Owner, repo.Name)
		return nil
	}
	now := opts.Now()
	cs := ios.ColorScheme()
	tp := output.NewTable(ios, "ENVIRONMENT", "OWNER", "REASON", "SINCE", "EXPIRES")
	for _, l := range locks {
		env := l.Environment
		if l.Global {
			env = "global"
		}
		tp.AddField(env)
		tp.AddField(l.CreatedBy)
		tp.AddField(l.Reason)
		tp.AddField(output.Time(ios, now, l.CreatedAt), output.WithColor(cs.Gray))
		expires := ""
		switch {
		case l.ExpiresAt == nil:
		case l.Expired(now) && ios.IsStdoutTTY():
			expires = "expired " + lock.Duration(now.Sub(*l.ExpiresAt)) + " ago"
		case ios.IsStdoutTTY():
			expires = "in " + lock.Duration(l.ExpiresAt.Sub(now))
		default:
			expires = output.Time(ios, now, *l.ExpiresAt)
		}
		tp.AddField(expires)
		tp.EndRow()
	}
	return tp.Render()
}
