package cmd

import (
	"context"
	"fmt"
	"strconv"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/tableprinter"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// GetOptions are the inputs of `deployctl get`.
type GetOptions struct {
	apiOptions
	ID       int64
	Exporter *output.Exporter
}

// NewCmdGet builds `deployctl get`.
func NewCmdGet(f *Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{apiOptions: newAPIOptions(f)}
	c := &cobra.Command{
		Use:   "get <deployment-id>",
		Short: "Show a deployment and its statuses",
		Example: heredoc.Doc(`
			$ deployctl get 1234
			$ deployctl get 1234 --json state,statuses
		`),
		Args: deploymentIDArg(&opts.ID),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(contextOf(c), opts)
			}
			return getRun(contextOf(c), opts)
		},
	}
	opts.bind(f, c)
	addJSONFlags(c, &opts.Exporter, output.FieldsOf(deploy.Detail{}))
	return c
}

// deploymentIDArg wants one argument, a deployment ID, and parses it into
// dst (a usage error when it is not a positive number).
func deploymentIDArg(dst *int64) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := exactArgs(1)(c, args); err != nil {
			return err
		}
		id, err := parseID(args[0])
		*dst = id
		return err
	}
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("invalid deployment ID %q: expected a positive number", s)
	}
	return id, nil
}

func getRun(ctx context.Context, opts *GetOptions) error {
	repo, client, err := opts.connect()
	if err != nil {
		return err
	}
	d, err := deploy.Get(ctx, client, repo, opts.ID)
	if err != nil {
		return err
	}
	ios := opts.IO
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, d)
	}
	cs := ios.ColorScheme()
	now := opts.Now()
	state := d.State
	if state == "" {
		state = "none"
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
		fmt.Fprintln(ios.Out)
		if len(d.Statuses) == 0 {
			fmt.Fprintln(ios.Out, "No statuses yet")
			return nil
		}
		return statusTable(opts.apiOptions, d.Statuses, "")
	}
	// Off a TTY: one key<TAB>value line per field, then the statuses as TSV.
	tp := output.NewTable(ios)
	for _, kv := range [][2]string{
		{"id", fmt.Sprint(d.ID)}, {"environment", d.Environment}, {"ref", d.Ref}, {"sha", d.SHA}, {"task", d.Task},
		{"state", state}, {"creator", d.Creator}, {"created", output.Time(ios, now, d.CreatedAt)},
		{"description", d.Description}, {"environment_url", d.EnvironmentURL}, {"log_url", d.LogURL},
	} {
		tp.AddField(kv[0])
		tp.AddField(kv[1])
		tp.EndRow()
	}
	if err := tp.Render(); err != nil {
		return err
	}
	return statusTable(opts.apiOptions, d.Statuses, "status")
}

// statusTable prints statuses; a non-empty prefix starts each row (off a
// TTY, to tell them from other lines).
func statusTable(o apiOptions, statuses []status.Status, prefix string) error {
	ios := o.IO
	cs := ios.ColorScheme()
	now := o.Now()
	tp := output.NewTable(ios, "ID", "STATE", "ENVIRONMENT", "DESCRIPTION", "CREATOR", "CREATED")
	for _, s := range statuses {
		if prefix != "" {
			tp.AddField(prefix)
		}
		tp.AddField(fmt.Sprint(s.ID))
		tp.AddField(s.State, tableprinter.WithColor(cs.State))
		tp.AddField(s.Environment)
		tp.AddField(s.Description)
		tp.AddField(s.Creator)
		tp.AddField(output.Time(ios, now, s.CreatedAt), tableprinter.WithColor(cs.Gray))
		tp.EndRow()
	}
	return tp.Render()
}
