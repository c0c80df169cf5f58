// Package get is `deployctl get`: one deployment with its statuses.
package get

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/status/shared"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// GetOptions are the inputs of `deployctl get`.
type GetOptions struct {
	cmdutil.APIOptions
	ID       int64
	Exporter *output.Exporter
}

// NewCmdGet builds `deployctl get`.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:   "get <deployment-id>",
		Short: "Show a deployment and its statuses",
		Example: heredoc.Doc(`
			$ deployctl get 1234
			$ deployctl get 1234 --json state,statuses
		`),
		Args: cmdutil.DeploymentIDArg(&opts.ID),
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return getRun(opts)
		},
	}
	opts.Bind(f, c)
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(deploy.Detail{}))
	return c
}

func getRun(opts *GetOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	d, err := deploy.Get(opts.Context, client, repo, opts.ID)
	if err != nil {
		return err
	}
	defer opts.StartPager()()
	ios := opts.IO
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, d)
	}
	cs := ios.ColorScheme()
	now := opts.Now()
	state := d.State
	if state == "" {
		state = deploy.StateNone
	}
	if ios.IsStdoutTTY() {
		fmt.Fprintf(ios.Out, "%s %s\n", cs.Bold(fmt.Sprintf("Deployment %d", d.ID)), cs.State(state))
		fmt.Fprintf(ios.Out, "%s to %s by %s, %s\n", d.Ref, d.Environment, d.Creator, output.Time(ios, now, d.CreatedAt))
		fmt.Fprintf(ios.Out, "sha: %s  task: %s\n", d.SHA, d.Task)
		if d.Description != "" {
			fmt.Fprintf(ios.Out, "description: %s\n", d.Description)
		}
		if d.EnvironmentURL != "" {
			fmt.Fprintf(ios.Out, "environment url: %s\n", d.EnvironmentURL)
		}
		if d.LogURL != "" {
			fmt.Fprintf(ios.Out, "log url: %s\n", d.LogURL)
		}
		if p := string(d.Payload); p != "" && p != "{}" {
			fmt.Fprintf(ios.Out, "payload: %s\n", p)
		}
		fmt.Fprintln(ios.Out)
		if len(d.Statuses) == 0 {
			fmt.Fprintln(ios.Out, "No statuses yet")
			return nil
		}
		return shared.StatusTable(ios, now, d.Statuses, "")
	}
	// Off a TTY: one key<TAB>value line per field, keys named as the
	// --json fields, then the statuses as TSV.
	tp := output.NewTable(ios)
	for _, kv := range [][2]string{
		{"id", fmt.Sprint(d.ID)}, {"environment", d.Environment}, {"ref", d.Ref}, {"sha", d.SHA}, {"task", d.Task},
		{"state", state}, {"creator", d.Creator}, {"createdAt", output.Time(ios, now, d.CreatedAt)},
		{"description", d.Description}, {"environmentUrl", d.EnvironmentURL}, {"logUrl", d.LogURL},
		{"payload", string(d.Payload)},
	} {
		tp.AddField(kv[0])
		tp.AddField(kv[1])
		tp.EndRow()
	}
	if err := tp.Render(); err != nil {
		return err
	}
	return shared.StatusTable(ios, now, d.Statuses, "status")
}
