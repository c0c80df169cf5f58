package deactivate_test

import (
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/deactivate"
)

// deactivate's run against the fake is tested with delete's (delete_test.go): they share cleanup.RunIDs.
func TestDeactivateFlags(t *testing.T) {
	tests := []struct {
		line, wantErr string
		tty           bool
		ids           []int64
	}{
		{line: "deactivate 3 1 3 --yes --rate 0", ids: []int64{3, 1}},
		{line: "deactivate 5", tty: true, ids: []int64{5}},
		{line: "deactivate 5", wantErr: "pass --yes to do it off a terminal"},
		{line: "deactivate --yes", wantErr: "name at least one deployment ID"},
		{line: "deactivate 0 --yes", wantErr: `invalid deployment ID "0"`},
		{line: "deactivate 1 --yes --rate -1", wantErr: "--rate must be 0 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			f := cmdtest.Factory(t, nil)
			f.IOStreams.SetStdoutTTY(tt.tty)
			f.IOStreams.SetStdinTTY(tt.tty)
			var got *deactivate.DeactivateOptions
			err := cmdtest.RunCmd(t, f, "", deactivate.NewCmdDeactivate(f, func(o *deactivate.DeactivateOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil || len(got.IDs) != len(tt.ids) || got.IDs[0] != tt.ids[0] {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}
