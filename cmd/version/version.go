// Package version is `deployctl version`: what --version prints.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// NewCmdVersion prints what --version prints.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show deployctl's version, commit, build date and Go version",
		Args:  cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(f.IOStreams.Out, "%s version %s\n", f.Executable, f.Version)
			return err
		},
	}
}
