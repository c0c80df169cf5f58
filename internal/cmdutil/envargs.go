package cmdutil

import (
	"strconv"

	"github.com/spf13/cobra"
)

// EnvironmentArgsAnnotation marks a command whose first arguments are
// environment names, for completion.
const EnvironmentArgsAnnotation = "deployctl:environment-args"

// EnvironmentArgs declares that c's first n arguments name environments:
// completion offers the repository's.
func EnvironmentArgs(c *cobra.Command, n int) {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[EnvironmentArgsAnnotation] = strconv.Itoa(n)
}

// EnvironmentArgCount is how many of c's arguments name environments.
func EnvironmentArgCount(c *cobra.Command) int {
	n, _ := strconv.Atoi(c.Annotations[EnvironmentArgsAnnotation])
	return n
}
