package list_test

import (
	"testing"

	"github.com/MakeNowJust/heredoc"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/list"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

func TestListStateFlag(t *testing.T) {
	for _, tt := range []struct{ line, want, wantErr string }{
		{line: "list --state success", want: "success"},
		{line: "list --state IN_PROGRESS", want: "in_progress"},
		{line: "list --state done", wantErr: "--state: invalid state \"done\": must be one of error, failure, inactive, in_progress, queued, pending, success"},
		{line: "list --state ''", wantErr: "empty"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			var got *list.ListOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", list.NewCmdList(f, func(o *list.ListOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil || got.State != tt.want {
				t.Fatalf("state %q, err %v", got.State, err)
			}
		})
	}
}

func TestListByState(t *testing.T) {
	s := cmdtest.NewSession(t)
	for _, line := range []string{
		"create --ref main -e production --skip-checks", "status set 1 success",
		"create --ref main -e staging --skip-checks", "status set 2 in_progress",
		"create --ref main -e staging --skip-checks", "status set 3 failure",
		"create --ref main -e qa --skip-checks", "status set 4 in_progress",
	} {
		s.Run(line).WantExit(0)
	}
	sha := s.SHA[:7]
	s.Run("list --state in_progress").WantExit(0).WantOut(heredoc.Docf(`
		4	qa	main	%[1]s	in_progress	octocat	2026-01-01T00:00:09Z
		2	staging	main	%[1]s	in_progress	octocat	2026-01-01T00:00:04Z
	`, sha))
	// The REST path (--ref) filters on the latest statuses too; -L counts what matched.
	s.Run("list --state in_progress --ref main -L 1 --json id --jq '.[].id'").WantExit(0).WantOut("4\n")
	s.Run("list --state success -e staging").WantExit(0).WantOut("")

	s.GH.ResetRequests()
	s.Run("list --state nope").WantExit(cmdutil.ExitUsage)
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("a bad state sent %d requests", n)
	}
}
