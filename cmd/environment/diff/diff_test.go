package diff_test

import (
	"fmt"
	"testing"

	"github.com/MakeNowJust/heredoc"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/environment/diff"
)

func TestDiffFlags(t *testing.T) {
	for _, tt := range []struct {
		line, env, target, wantErr string
	}{
		{line: "diff production", env: "production"},
		{line: "diff production v1.2.0", env: "production", target: "v1.2.0"},
		{line: "diff production @staging", env: "production", target: "@staging"},
		{line: "diff", wantErr: "takes an environment"},
		{line: "diff a b c", wantErr: "takes an environment"},
		{line: "diff ''", wantErr: "must not be empty"},
		{line: "diff production ''", wantErr: "leave it out for the default branch"},
		{line: "diff production @", wantErr: "@ needs an environment name"},
		{line: "diff production @production", wantErr: "cannot compare production with itself"},
		{line: "diff production --json nope", wantErr: "unknown JSON field"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			var got *diff.DiffOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", diff.NewCmdDiff(f, func(o *diff.DiffOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Environment != tt.env || got.Target != tt.target {
				t.Errorf("got %+v", got)
			}
		})
	}
}

// production runs the first commit of main, staging the second; main has two more.
func setUp(t *testing.T) (s *cmdtest.Session, base, c1, c2, c3 string) {
	s = cmdtest.NewSession(t)
	repo := s.GH.Repo("octo/demo")
	base = repo.Branch("main")
	c1 = repo.Commit("main", "Add the login page\n\nWith a long explanation.", "alice")
	c2 = repo.Commit("main", "Fix\tthe login page", "bob")
	c3 = repo.Commit("main", "Speed up the build", "alice")
	for _, line := range []string{
		"create --ref " + base + " -e production --skip-checks", "status set 1 success",
		"create --ref " + c1 + " -e staging --skip-checks", "status set 2 success",
	} {
		s.Run(line).WantExit(0)
	}
	s.GH.ResetRequests()
	return s, base, c1, c2, c3
}

func TestDiffOutput(t *testing.T) {
	s, base, c1, c2, c3 := setUp(t)
	url := "https://github.com/octo/demo/compare/" + base + "..."
	s.Run("diff production").WantExit(0).WantOut(heredoc.Docf(`
		production runs %[1]s (deployment 1); main is 3 commits ahead, 0 behind: %[2]smain
		%[3]s	alice	Add the login page
		%[4]s	bob	Fix\tthe login page
		%[5]s	alice	Speed up the build
	`, base[:7], url, c1[:7], c2[:7], c3[:7]))
	// Active (1 request: the latest completed deployment succeeded), the repository, the comparison.
	if n := len(s.GH.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	s.TTY = true
	s.Run("diff production @staging").WantExit(0).WantOut(heredoc.Docf(`
		production runs %[1]s (deployment 1); @staging (%[2]s) is 1 commit ahead, 0 behind: %[3]s%[4]s
		%[2]s  alice  Add the login page
	`, base[:7], c1[:7], url, c1))

	s.TTY = false
	s.Run("diff staging " + base[:7]).WantExit(0).WantOut(fmt.Sprintf(
		"staging runs %s (deployment 2); %s is 0 commits ahead, 1 behind: https://github.com/octo/demo/compare/%s...%s\n", c1[:7], base[:7], c1, base[:7]))

	s.Run("diff production --json base,head,status,aheadBy,behindBy,url,commits --jq '[.base, .head, .status, .aheadBy, .behindBy, .url, (.commits | length), .commits[0].sha, .commits[0].author, .commits[0].message, .commits[0].url] | @tsv'").
		WantExit(0).WantOut(fmt.Sprintf("%s\tmain\tahead\t3\t0\t%smain\t3\t%s\talice\tAdd the login page\\n\\nWith a long explanation.\thttps://github.com/octo/demo/commit/%s\n", base, url, c1, c1))
}

func TestDiffWithoutDeployments(t *testing.T) {
	s, _, _, _, _ := setUp(t)
	s.Run("diff qa").WantExit(1).WantErrContains("qa has no deployments: nothing to compare with")
	s.Run("diff production @qa").WantExit(1).WantErrContains("qa has no deployments")
	s.Run("create --ref main -e qa --skip-checks").WantExit(0)
	s.Run("status set 3 failure").WantExit(0)
	s.GH.ResetRequests()
	s.Run("diff qa").WantExit(1).WantErrContains("qa has no active deployment (none whose latest status is success)")
	for _, r := range s.GH.Requests() {
		if r.Method != "GET" && r.Path != "/graphql" {
			t.Errorf("diff sent %s %s", r.Method, r.Path)
		}
	}
	if s.Out != "" {
		t.Errorf("stdout %q", s.Out)
	}
}
