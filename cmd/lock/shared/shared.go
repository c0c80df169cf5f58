// Package shared holds what lock, unlock and locks have in common: the ENV|--global argument.
package shared

import (
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// Target reads the environment argument or --global into env ("" = the global lock).
func Target(c *cobra.Command, args []string, global bool) (string, error) {
	switch {
	case global && len(args) > 0:
		return "", cmdutil.Usagef("give an environment or --global, not both")
	case global:
		return "", nil
	case len(args) == 0:
		return "", cmdutil.Usagef("name the environment to %s, or pass --global for every environment", c.Name())
	case len(args) > 1:
		return "", cmdutil.Usagef("%s takes one environment, got %d arguments", c.Name(), len(args))
	case args[0] == "":
		return "", cmdutil.Usagef("the environment must not be empty")
	case args[0] == "global":
		// branch-deploy's global lock is the branch global-branch-deploy-lock: an environment named
		// "global" would share it.
		return "", cmdutil.Usagef(`"global" names the global lock: pass --global`)
	}
	return args[0], nil
}
