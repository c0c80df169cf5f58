package cmdutil

import (
	"strconv"

	"github.com/spf13/cobra"
)

// NoArgs refuses positional arguments with a usage error.
func NoArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("unexpected argument %q", args[0])
	}
	return nil
}

// ExactArgs wants n positional arguments named in the command's Use.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return Usagef("%s takes %d argument(s), got %d", c.CommandPath(), n, len(args))
		}
		return nil
	}
}

// DeploymentIDArg wants one argument, a deployment ID, and parses it into
// dst (a usage error when it is not a positive number).
func DeploymentIDArg(dst *int64) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := ExactArgs(1)(c, args); err != nil {
			return err
		}
		id, err := ParseID(args[0])
		*dst = id
		return err
	}
}

// ParseID parses a deployment ID: a usage error unless a positive number.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, Usagef("invalid deployment ID %q: expected a positive number", s)
	}
	return id, nil
}
