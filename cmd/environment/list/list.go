// Package list is `deployctl environments`: what is deployed where.
package list

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/environment"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// ListOptions are the inputs of `deployctl environments`.
type ListOptions struct {
	cmdutil.APIOptions
	Exporter *output.Exporter
	// Locks, when set, finds the environments' locks for the LOCK column
	// (nil: no lock is shown).
	Locks func(*ghapi.Client, repository.Repository) environment.LocksFunc
}

// NewCmdList builds `deployctl environments`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	opts.Locks = func(c *ghapi.Client, repo repository.Repository) environment.LocksFunc {
		return locksOf(c, repo, opts.Now)
	}
	c := &cobra.Command{
		Use:     "environments",
		Aliases: []string{"envs"},
		Short:   "Show what is deployed where",
		Long: heredoc.Doc(`
			One row per environment of the repository: the state of its latest
			deployment, its active deployment (the newest whose latest status is
			success: short SHA, ref, when, by whom, its environment URL) and its lock.

			Two or three requests for up to 100 environments, whatever their number
			of deployments, and one for the locks (up to 100).
		`),
		Example: heredoc.Doc(`
			$ deployctl environments
			$ deployctl envs --json name,active --jq '.[] | [.name, .active.sha] | @tsv'
		`),
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	opts.Bind(f, c)
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(environment.Environment{}))
	return c
}

func listRun(opts *ListOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	var o environment.OverviewOptions
	if opts.Locks != nil {
		o.Locks = opts.Locks(client, repo)
	}
	envs, err := environment.Overview(opts.Context, client, repo, o)
	if err != nil {
		return err
	}
	defer opts.StartPager()()
	ios := opts.IO
	if opts.Exporter != nil {
		for i := range envs {
			if envs[i].State == "" {
				envs[i].State = deploy.StateNone // as the table and a deployment's JSON say it
			}
		}
		return opts.Exporter.Write(ios, envs)
	}
	if len(envs) == 0 && ios.IsStdoutTTY() {
		fmt.Fprintf(ios.ErrOut, "No environments in %s/%s\n", repo.Owner, repo.Name)
		return nil
	}
	cs := ios.ColorScheme()
	now := opts.Now()
	tp := output.NewTable(ios, "ENVIRONMENT", "STATE", "ACTIVE", "REF", "DEPLOYED", "CREATOR", "URL", "LOCK")
	for _, e := range envs {
		state := e.State
		if state == "" {
			state = "none"
		}
		tp.AddField(e.Name)
		tp.AddField(state, output.WithColor(cs.State))
		if a := e.Active; a != nil {
			tp.AddField(deploy.ShortSHA(a.SHA))
			tp.AddField(a.Ref)
			tp.AddField(output.Time(ios, now, a.CreatedAt), output.WithColor(cs.Gray), output.WithoutTruncation())
			tp.AddField(a.Creator)
		} else {
			for range 4 {
				tp.AddField("")
			}
		}
		tp.AddField(e.URL)
		lock := ""
		if e.Lock != nil {
			lock = e.Lock.LockOwner()
		}
		tp.AddField(lock, output.WithColor(cs.Yellow))
		tp.EndRow()
	}
	return tp.Render()
}
