package cmdutil

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestArgCountErrorsReadAlike: one wording for every argument-count error,
// naming the arguments as Use does.
func TestArgCountErrorsReadAlike(t *testing.T) {
	root := &cobra.Command{Use: "deployctl"}
	get := &cobra.Command{Use: "get <deployment-id>"}
	set := &cobra.Command{Use: "set [<deployment-id>] <state>"}
	create := &cobra.Command{Use: "create"}
	root.AddCommand(get, set, create)
	for _, tt := range []struct {
		err  error
		want string
	}{
		{NoArgs(create, []string{"main"}), `unexpected argument "main": deployctl create takes no arguments`},
		{ExactArgs(1)(get, nil), "deployctl get takes 1 argument(s) (<deployment-id>), got 0"},
		{RangeArgs(1, 2)(set, []string{"a", "b", "c"}), "deployctl set takes 1 to 2 argument(s) ([<deployment-id>] <state>), got 3"},
	} {
		if tt.err == nil || tt.err.Error() != tt.want || ExitCode(tt.err) != ExitUsage {
			t.Errorf("got %v, want usage error %q", tt.err, tt.want)
		}
	}
	if NoArgs(create, nil) != nil || ExactArgs(1)(get, []string{"1"}) != nil || RangeArgs(1, 2)(set, []string{"x"}) != nil {
		t.Error("a right count refused")
	}
}
