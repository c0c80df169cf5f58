// Package status is the `deployctl status` noun: it wires set and list.
package status

import (
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/status/list"
	"github.com/deployctl/gh-deployctl/cmd/status/set"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// NewCmdStatus groups the status commands.
func NewCmdStatus(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "status <command>",
		Short: "Set and list the statuses of a deployment",
		// Without this, cobra answers an unknown subcommand with help and exit 0.
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.Usagef("unknown command %q for %q", args[0], c.CommandPath())
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(set.NewCmdSet(f, nil), list.NewCmdList(f, nil))
	return c
}
