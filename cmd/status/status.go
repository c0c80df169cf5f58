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
	c := cmdutil.Noun(&cobra.Command{
		Use:   "status <command>",
		Short: "Set and list the statuses of a deployment",
	})
	c.AddCommand(set.NewCmdSet(f, nil), list.NewCmdList(f, nil))
	return c
}
