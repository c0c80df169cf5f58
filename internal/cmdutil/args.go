package cmdutil

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// Every argument-count error is worded one way, naming the arguments as
// the command's Use line does:
//
//	unexpected argument "main": deployctl create takes no arguments
//	deployctl get takes 1 argument(s) (<deployment-id>), got 0
//	deployctl status set takes 1 to 2 argument(s) ([<deployment-id>] <state>), got 3

// NoArgs refuses positional arguments with a usage error.
func NoArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("unexpected argument %q: %s takes no arguments", args[0], c.CommandPath())
	}
	return nil
}

// ExactArgs wants n positional arguments named in the command's Use.
func ExactArgs(n int) cobra.PositionalArgs {
	return RangeArgs(n, n)
}

// RangeArgs wants min to max positional arguments named in the command's Use.
func RangeArgs(min, max int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			return ArgCountError(c, min, max, len(args))
		}
		return nil
	}
}

// ArgCountError is the usage error for got arguments where min to max were
// wanted.
func ArgCountError(c *cobra.Command, min, max, got int) error {
	count := strconv.Itoa(min)
	if max != min {
		count += " to " + strconv.Itoa(max)
	}
	names := ""
	if _, rest, ok := strings.Cut(c.Use, " "); ok {
		names = " (" + strings.TrimSpace(strings.ReplaceAll(rest, "[flags]", "")) + ")"
	}
	return Usagef("%s takes %s argument(s)%s, got %d", c.CommandPath(), count, names, got)
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
func ParseID(s string) (int64, error) { return ParseIDOf("deployment", s) }

// ParseIDOf parses the ID of a noun ("deployment", "run"): a usage error,
// naming the noun and s, unless a positive number.
func ParseIDOf(noun, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, Usagef("invalid %s ID %q: expected a positive number", noun, s)
	}
	return id, nil
}
