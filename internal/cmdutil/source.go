package cmdutil

import (
	"strconv"

	"github.com/spf13/cobra"
)

// Where a flag's value came from, weakest first (FlagSource).
const (
	FromDefault = iota
	FromConfigTop
	FromConfigSection
	FromEnv
	FromCommandLine
)

// SourceAnnotation marks a flag that the config layer (cmd's applyConfig)
// set, with its source.
const SourceAnnotation = "deployctl_source"

// FlagSource says where the value of c's flag name came from, so that of
// two flags that exclude each other the one given more directly wins:
// --skip-checks on the command line over required-contexts in the config.
func FlagSource(c *cobra.Command, name string) int {
	fl := c.Flags().Lookup(name)
	if fl == nil || !fl.Changed {
		return FromDefault
	}
	if v := fl.Annotations[SourceAnnotation]; len(v) == 1 {
		if n, err := strconv.Atoi(v[0]); err == nil {
			return n
		}
	}
	return FromCommandLine
}
