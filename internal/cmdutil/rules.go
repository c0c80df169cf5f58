package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The contract's hardening rules hang on two annotations, so that every
// command, also one added later, is held to them (and the hardening test in
// cmd walks the tree to check each write command).
const (
	// WriteAnnotation marks a command that changes something at GitHub.
	// Its value is a command line (after the command's path) that passes
	// every local check, for the hardening test to vary.
	WriteAnnotation = "deployctl:write"
	// AllowEmptyAnnotation marks a flag whose help says what an empty
	// value means; any other flag given "" is a usage error.
	AllowEmptyAnnotation = "deployctl:allow-empty"
	// FromAnnotation names where the config layer took a flag's value
	// from ("DEPLOYCTL_ENVIRONMENT", "config.yaml: create.task").
	FromAnnotation = "deployctl:from"
)

// MarkWrite declares c a write command. validArgs is a command line after
// c's path that passes every local check ("1 success" for status set).
// A write command: --json needs fields; --jq, --template, payloads and files
// it will write are checked before the first request; after GitHub accepted
// a write, a later failure still names what was created (AfterWrite).
func MarkWrite(c *cobra.Command, validArgs string) {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[WriteAnnotation] = validArgs
}

// IsWrite reports whether c was declared a write command.
func IsWrite(c *cobra.Command) bool {
	_, ok := c.Annotations[WriteAnnotation]
	return ok
}

// AllowEmpty lets c's flags names take an empty value; their help must say
// what empty means.
func AllowEmpty(c *cobra.Command, names ...string) {
	for _, n := range names {
		if err := c.Flags().SetAnnotation(n, AllowEmptyAnnotation, []string{"true"}); err != nil {
			panic(fmt.Sprintf("AllowEmpty(%s, %s): %v", c.Name(), n, err))
		}
	}
}

// TakesText reports whether fl holds text (a string or a list of them), the
// kind of flag an empty variable empties.
func TakesText(fl *pflag.Flag) bool {
	switch fl.Value.Type() {
	case "string", "stringSlice", "stringArray":
		return true
	}
	return false
}

// CheckEmptyFlags refuses a flag of c given an empty value (on the command
// line, in DEPLOYCTL_<FLAG> or in the config file) unless it allows one: an
// empty variable in a script must never fall back to a default or widen
// what is sent.
func CheckEmptyFlags(c *cobra.Command) error {
	var err error
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if err != nil || !fl.Changed || !TakesText(fl) || len(fl.Annotations[AllowEmptyAnnotation]) > 0 {
			return
		}
		v := fl.Value.String()
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), "")
		}
		if strings.TrimSpace(v) != "" {
			return
		}
		from := "--" + fl.Name
		if f := fl.Annotations[FromAnnotation]; len(f) == 1 {
			from = f[0] + " (for --" + fl.Name + ")"
		}
		err = Usagef("%s must not be empty: give it a value or leave it out", from)
	})
	return err
}
