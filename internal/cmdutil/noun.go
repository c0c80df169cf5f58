package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
)

// Noun makes c a command that only groups verbs (`status`): run alone it
// shows its help; an unknown verb is a usage error (cobra would show help
// and exit 0); and its help has one Usage line, "status <command> [flags]",
// not cobra's second "status [command]".
func Noun(c *cobra.Command) *cobra.Command {
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return Usagef("unknown command %q for %q", args[0], c.CommandPath())
		}
		return nil
	}
	c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	c.SetUsageTemplate(strings.Replace(c.UsageTemplate(), "{{if .HasAvailableSubCommands}}\n  {{.CommandPath}} [command]{{end}}", "", 1))
	return c
}
