package list_test

import (
	"strings"
	"testing"

	"github.com/MakeNowJust/heredoc"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/list"
)

func TestListFlags(t *testing.T) {
	tests := []struct {
		line    string
		want    list.ListOptions
		wantErr string
	}{
		{line: "list", want: list.ListOptions{Limit: 30}},
		{line: "ls -e prod --ref main --sha abc1234 --task t -L 5", want: list.ListOptions{Environment: "prod", Ref: "main", SHA: "abc1234", Task: "t", Limit: 5}},
		{line: "list --sha ABC1234DEF", want: list.ListOptions{SHA: "abc1234def", Limit: 30}},
		{line: "list --sha abc", wantErr: "invalid SHA"},
		{line: "list --sha nothex1", wantErr: "invalid SHA"},
		{line: "list -L -1", wantErr: "--limit"},
		{line: "list -L 0", wantErr: "--limit"},
		{line: "list -L many", wantErr: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var got *list.ListOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", list.NewCmdList(f, func(o *list.ListOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Environment != tt.want.Environment || got.Ref != tt.want.Ref || got.SHA != tt.want.SHA ||
				got.Task != tt.want.Task || got.Limit != tt.want.Limit {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestListOutput(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedDeployments("octo/demo", 3, "production", "staging")
	s.Run("create --ref main -e qa").WantExit(0)
	s.GH.ResetRequests()

	sha := s.SHA[:7]
	s.Run("list").WantExit(0).WantOut(heredoc.Docf(`
		4	qa	main	%[1]s	none	octocat	2026-01-01T00:00:09Z
		3	production	main	%[1]s	success	octocat	2026-01-01T00:00:07Z
		2	staging	main	%[1]s	success	octocat	2026-01-01T00:00:04Z
		1	production	main	%[1]s	success	octocat	2026-01-01T00:00:01Z
	`, sha))
	if n := len(s.GH.Requests()); n != 1 {
		t.Errorf("list made %d requests, want 1", n)
	}
}

func TestListTTY(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedDeployments("octo/demo", 2, "production", "staging")
	s.TTY = true
	s.Run("list").WantExit(0).WantOut(heredoc.Docf(`
		ID  ENVIRONMENT  REF   SHA      STATE    CREATOR  CREATED
		2   staging      main  %[1]s  success  octocat  about 10 months ago
		1   production   main  %[1]s  success  octocat  about 10 months ago
	`, s.SHA[:7]))
	s.Run("list -e nowhere").WantExit(0).WantOut("")
	if s.Err != "No deployments found in octo/demo\n" {
		t.Errorf("stderr = %q", s.Err)
	}
}

func TestListPagesAndFilters(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedDeployments("octo/demo", 250, "production", "staging")
	s.GH.ResetRequests()
	s.Run("list -L 230 --json id --jq length").WantExit(0).WantOut("230\n")
	if n := len(s.GH.Requests()); n != 3 {
		t.Errorf("230 deployments took %d requests, want 3 pages", n)
	}
	s.Run("list -e staging -L 2 --json id,environment --jq '.[] | [.id, .environment] | @tsv'").WantExit(0).
		WantOut("250\tstaging\n248\tstaging\n")

	s.GH.ResetRequests()
	s.Run("list -L 150 --ref main --json id,state,transient,production --jq '[length, .[0].id, .[0].state, .[0].production] | @tsv'").
		WantExit(0).WantOut("150\t250\tsuccess\tfalse\n")
	if n := len(s.GH.Requests()); n != 4 {
		t.Errorf("REST filter took %d requests, want 2 per page of 100", n)
	}
}

// TestListByShortSHA: the 7 characters the table shows find the
// deployments of that commit; a whole SHA is sent to GitHub as it is.
func TestListByShortSHA(t *testing.T) {
	s := cmdtest.NewSession(t)
	other := strings.Repeat("c", 40)
	s.GH.Repo("octo/demo").AddBranch("topic", other)
	s.Run("create --ref main -e qa").WantExit(0)
	s.Run("create --ref topic -e qa").WantExit(0)
	s.Run("create --ref main -e prod").WantExit(0)
	s.Run("list --sha " + s.SHA[:7] + " --json id --jq '[.[].id]'").WantExit(0).WantOut("[3,1]\n")
	s.Run("list --sha " + strings.ToUpper(s.SHA[:9]) + " -e qa --json id --jq '[.[].id]'").WantExit(0).WantOut("[1]\n")
	s.Run("list --sha " + s.SHA + " --json id --jq '[.[].id]'").WantExit(0).WantOut("[3,1]\n")
	s.Run("list --sha cccccccc -L 1 --json id --jq '[.[].id]'").WantExit(0).WantOut("[2]\n")
	s.Run("list --sha 0000000 --json id --jq '[.[].id]'").WantExit(0).WantOut("[]\n")
	s.Run("list --sha nothex").WantExit(2).WantErrContains("invalid SHA")
}

// TestListNarrowTerminalKeepsCreated: on a narrow terminal the REF column
// gives way and CREATED stays whole, as in gh.
func TestListNarrowTerminalKeepsCreated(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.Repo("octo/demo").AddBranch("feature/a-rather-long-branch-name", s.SHA)
	s.Run("create --ref feature/a-rather-long-branch-name -e staging").WantExit(0)
	s.TTY, s.Width = true, 70
	s.Run("list").WantExit(0)
	lines := strings.Split(strings.TrimSpace(s.Out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[1], "about 10 months ago") || !strings.Contains(lines[1], "...") {
		t.Errorf("narrow table:\n%s", s.Out)
	}
	for _, l := range lines {
		if w := len([]rune(l)); w > 70 {
			t.Errorf("line of %d columns: %q", w, l)
		}
	}
}

// TestListPagesOnATerminal: on a terminal the list goes through GH_PAGER,
// else PAGER, as gh; GH_PAGER="" or cat turns it off; a pipe never pages.
func TestListPagesOnATerminal(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedDeployments("octo/demo", 2, "production")
	s.TTY = true
	s.Env["GH_PAGER"] = "sed s/^/paged:/"
	s.Env["PAGER"] = "sed s/^/wrong:/"
	s.Run("list").WantExit(0)
	if lines := strings.Split(strings.TrimSpace(s.Out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "paged:ID") || !strings.HasPrefix(lines[2], "paged:1 ") {
		t.Errorf("GH_PAGER: %q", s.Out)
	}
	delete(s.Env, "GH_PAGER")
	s.Run("list --json id --jq '.[].id'").WantExit(0).WantOut("wrong:2\nwrong:1\n")
	s.Env["GH_PAGER"] = ""
	s.Run("list --json id --jq '.[].id'").WantExit(0).WantOut("2\n1\n")
	s.Env["GH_PAGER"] = "cat"
	s.Run("list --json id --jq '.[].id'").WantExit(0).WantOut("2\n1\n")
	delete(s.Env, "GH_PAGER")
	s.TTY = false
	s.Run("list --json id --jq '.[].id'").WantExit(0).WantOut("2\n1\n")
}
