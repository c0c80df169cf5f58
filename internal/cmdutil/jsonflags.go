package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/output"
)

// AddJSONFlags adds --json, --jq and --template to c. *exporter is set when
// --json is given; fields are the names --json accepts.
func AddJSONFlags(c *cobra.Command, exporter **output.Exporter, fields []string) {
	var e output.Exporter
	c.Flags().StringSliceVar(&e.Fields, "json", nil, "Output JSON with the specified `fields`")
	c.Flags().StringVarP(&e.JQ, "jq", "q", "", "Filter JSON output using a jq `expression`")
	c.Flags().StringVarP(&e.Template, "template", "t", "", "Format JSON output using a Go template; see \"gh help formatting\"")
	_ = c.RegisterFlagCompletionFunc("json", func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		var out []string
		for _, f := range fields {
			if strings.HasPrefix(f, last) && !strings.Contains(","+done, ","+f+",") {
				out = append(out, done+f)
			}
		}
		return out, cobra.ShellCompDirectiveNoSpace
	})

	prev := c.PreRunE
	c.PreRunE = func(c *cobra.Command, args []string) error {
		if prev != nil {
			if err := prev(c, args); err != nil {
				return err
			}
		}
		jsonSet := c.Flags().Changed("json")
		if (e.JQ != "" || e.Template != "") && !jsonSet {
			return Usagef("cannot use `--jq` or `--template` without specifying `--json`")
		}
		if e.JQ != "" && e.Template != "" {
			return Usagef("cannot use `--jq` and `--template` together")
		}
		if !jsonSet {
			return nil
		}
		if err := output.CheckFields(e.Fields, fields); err != nil {
			return &UsageError{Err: err}
		}
		if err := e.Check(); err != nil {
			return &UsageError{Err: err}
		}
		*exporter = &e
		return nil
	}
	// `--json` alone asks which fields there are.
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if strings.Contains(err.Error(), "flag needs an argument: --json") {
			if IsWrite(c) {
				// A write prints its result: a bare --json would make a
				// script believe it acted.
				return Usagef("--json needs the fields to print; %s has:\n  %s", c.CommandPath(), strings.Join(fields, "\n  "))
			}
			fmt.Fprintf(c.OutOrStdout(), "Specify one or more comma-separated fields for `--json`:\n  %s\n", strings.Join(fields, "\n  "))
			return &SilentError{Code: ExitOK}
		}
		return &UsageError{Err: err}
	})
}
