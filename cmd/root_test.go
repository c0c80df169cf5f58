package cmd_test

import (
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func TestBotCreatorIsNamedAlikeOnEveryPath(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.AddTokenFor("ghs_actions000000000000000000000000000", "github-actions[bot]", true)
	s.Env["GH_TOKEN"] = "ghs_actions000000000000000000000000000"
	s.Run("create --ref main").WantExit(0)
	for _, line := range []string{
		"list --json creator --jq '.[].creator'",            // GraphQL
		"list --ref main --json creator --jq '.[].creator'", // REST + nodes()
		"get 1 --json creator --jq .creator",                // REST
	} {
		t.Run(line, func(t *testing.T) {
			s.Run(line).WantExit(0).WantOut("github-actions[bot]\n")
		})
	}
}

func TestErrorsExplainAndExit(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.AddToken("ghp_readonly00000000000000000000000000", false)
	s.Run("list -R octo/missing").WantExit(1).WantErrContains("octo/missing", "does not exist")
	s.Run("get 999").WantExit(1).WantErrContains("HTTP 404", "deployment 999 in octo/demo")
	s.Run("status set 999 success").WantExit(1).WantErrContains("HTTP 404")

	s.Env["GH_TOKEN"] = "ghp_revoked"
	s.Run("list").WantExit(4).WantErrContains("Bad credentials", "gh auth login", "GITHUB_API_URL is set, so GH_TOKEN or GITHUB_TOKEN")
	if strings.Contains(s.Err, "GH_ENTERPRISE_TOKEN") {
		t.Errorf("a 401 with GITHUB_API_URL set names GH_ENTERPRISE_TOKEN, which does not count there: %s", s.Err)
	}
	s.Run("create --ref main").WantExit(4).WantErrContains("HTTP 401")

	s.Env["GH_TOKEN"] = "ghp_readonly00000000000000000000000000"
	s.Run("create --ref main").WantExit(1).WantErrContains("HTTP 403", "Resource not accessible by integration", "Deployments: read and write", "repo_deployment")
	s.Run("list").WantExit(0)

	s.Env["GH_TOKEN"] = githubtest.DefaultToken
	s.Run("create --ref no-such-branch").WantExit(1).WantErrContains("HTTP 422", "No ref found for: no-such-branch")
	s.Run("create --ref main").WantExit(0)
	s.Run("status set 1 success -d " + strings.Repeat("x", 140)).WantExit(0)
}

func TestBadInputSendsNothing(t *testing.T) {
	s := cmdtest.NewSession(t)
	for _, line := range []string{
		`create --ref main --payload '{"a":'`,
		"create --ref main --payload @/nonexistent/file.json",
		"status set 1 shipped",
		"status set 1 success -d " + strings.Repeat("x", 141),
		"list -R octo",
		"list -R octo/demo/extra/x",
		"list -L -5",
		"list --json id,bogus",
		"get abc",
		"status list 0",
		"create --ref main --no-such-flag",
	} {
		t.Run(line, func(t *testing.T) {
			s.Run(line).WantExit(2)
			if s.Err == "" {
				t.Error("no error message")
			}
		})
	}
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
	delete(s.Env, "GH_TOKEN")
	s.Env["GH_CONFIG_DIR"] = t.TempDir()
	s.Run("list").WantExit(4).WantErrContains("authentication required", "GH_TOKEN")
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
}

func TestReadsRetryThroughOutages(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedDeployments("octo/demo", 1)
	s.GH.FailNext("POST", "/graphql", 2, 502, nil)
	s.Run("list --json id --jq '.[].id'").WantExit(0).WantOut("1\n")
	s.GH.FailNext("GET", "/repos/octo/demo/deployments/1", 1, 503, nil)
	s.Run("get 1 --json state --jq .state").WantExit(0).WantOut("success\n")
	// A create is never repeated blindly: GitHub may have acted on it.
	s.GH.FailNext("POST", "/repos/octo/demo/deployments", 1, 502, nil)
	s.Run("create --ref main").WantExit(1).WantErrContains("HTTP 502")
	if n := len(s.Bodies("POST", "/repos/octo/demo/deployments")); n != 1 {
		t.Errorf("create sent %d times", n)
	}
}
