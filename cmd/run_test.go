package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/google/shlex"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// session runs command lines against one fake GitHub, the way a user would
// type them, and keeps what they printed.
type session struct {
	t    *testing.T
	gh   *githubtest.Server
	env  map[string]string
	tty  bool
	sha  string // of octo/demo's main
	exit int
	out  string
	err  string
}

func newSession(t *testing.T) *session {
	t.Helper()
	gh := githubtest.NewT(t)
	return &session{
		t:   t,
		gh:  gh,
		sha: gh.Repo("octo/demo").Branch("main"),
		env: map[string]string{
			"GITHUB_API_URL":  gh.URL(),
			"GH_TOKEN":        githubtest.DefaultToken,
			"GH_REPO":         "octo/demo",
			"XDG_CONFIG_HOME": t.TempDir(),
		},
	}
}

func (s *session) run(line string) *session {
	s.t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(s.tty)
	f := testFactory(s.t, s.env)
	f.IOStreams = ios
	f.Retry = ghapi.RetryPolicy{Attempts: 3, Backoff: time.Millisecond, MaxWait: time.Minute,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	args, err := shlex.Split(line)
	if err != nil {
		s.t.Fatal(err)
	}
	err = Execute(context.Background(), f, args)
	s.exit, s.out, s.err = ExitCode(err), out.String(), errOut.String()
	return s
}

func (s *session) wantExit(code int) *session {
	s.t.Helper()
	if s.exit != code {
		s.t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", s.exit, code, s.out, s.err)
	}
	return s
}

func (s *session) wantOut(want string) *session {
	s.t.Helper()
	if s.out != want {
		s.t.Errorf("stdout:\n%s\nwant:\n%s", s.out, want)
	}
	return s
}

func (s *session) wantErrContains(parts ...string) *session {
	s.t.Helper()
	for _, p := range parts {
		if !strings.Contains(s.err, p) {
			s.t.Errorf("stderr %q lacks %q", s.err, p)
		}
	}
	if strings.Contains(s.err, githubtest.DefaultToken) || strings.Contains(s.out, githubtest.DefaultToken) {
		s.t.Errorf("the token was printed")
	}
	return s
}

// bodies returns the JSON bodies of the requests to path with method.
func (s *session) bodies(method, path string) []map[string]any {
	var out []map[string]any
	for _, r := range s.gh.Requests() {
		if r.Method == method && r.Path == path {
			var m map[string]any
			_ = json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

func TestCreate(t *testing.T) {
	s := newSession(t)
	s.run("create --ref main").wantExit(0).wantOut("1\n")
	got := s.bodies("POST", "/repos/octo/demo/deployments")
	if len(got) != 1 || got[0]["auto_merge"] != false || got[0]["ref"] != "main" || got[0]["environment"] != "production" || got[0]["task"] != "deploy" {
		t.Errorf("request body = %v", got)
	}
	for _, k := range []string{"required_contexts", "transient_environment", "production_environment", "payload"} {
		if _, ok := got[0][k]; ok {
			t.Errorf("%s sent although not given", k)
		}
	}

	s.tty = true
	s.run(`create --ref main -e staging -d "first try"`).wantExit(0).
		wantOut("✓ Created deployment 2 of main (" + s.sha[:7] + ") to staging in octo/demo\n")

	s.tty = false
	s.run(`create --ref main --payload '{"k": 1}' --skip-checks --transient --production --json id,environment,payload,transient,production`).wantExit(0).
		wantOut(`{"environment":"production","id":3,"payload":{"k":1},"production":true,"transient":true}` + "\n")
	body := s.bodies("POST", "/repos/octo/demo/deployments")[2]
	if ctx, ok := body["required_contexts"].([]any); !ok || len(ctx) != 0 || body["transient_environment"] != true {
		t.Errorf("request body = %v", body)
	}
}

func TestCreateWritesGitHubOutput(t *testing.T) {
	s := newSession(t)
	out := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(out, []byte("earlier=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.env["GITHUB_ACTIONS"] = "true"
	s.env["GITHUB_SHA"] = s.sha
	s.env["GITHUB_OUTPUT"] = out
	s.run("create").wantExit(0).wantOut("1\n")
	b, _ := os.ReadFile(out)
	if string(b) != "earlier=1\ndeployment-id=1\n" {
		t.Errorf("GITHUB_OUTPUT = %q", b)
	}
	if d := s.gh.Deployments("octo/demo"); len(d) != 1 || d[0].SHA != s.sha {
		t.Errorf("deployments = %+v", d)
	}
}

func TestCreateConflictAndAutoMerge(t *testing.T) {
	s := newSession(t)
	repo := s.gh.Repo("octo/demo")
	repo.SetCommitStatus("main", "ci/build", "failure")
	s.run("create --ref main").wantExit(1).wantErrContains("HTTP 409", "Conflict", "--skip-checks", "--required-contexts")
	if n := len(s.gh.Deployments("octo/demo")); n != 0 {
		t.Fatalf("%d deployments after a 409", n)
	}
	s.run("create --ref main --required-contexts ci/lint").wantExit(1).wantErrContains("HTTP 409")
	repo.SetCommitStatus("main", "ci/lint", "success")
	s.run("create --ref main --required-contexts ci/lint").wantExit(0).wantOut("1\n")

	repo.AddBranch("topic", strings.Repeat("b", 40))
	repo.SetBehind("topic")
	s.run("create --ref topic --auto-merge --skip-checks").wantExit(0).wantOut("2\n").wantErrContains("202", "once more")
	if n := len(s.bodies("POST", "/repos/octo/demo/deployments")); n != 5 {
		t.Errorf("%d create requests, want 5", n)
	}
}

func TestListOutput(t *testing.T) {
	s := newSession(t)
	s.gh.SeedDeployments("octo/demo", 3, "production", "staging")
	s.run("create --ref main -e qa").wantExit(0)
	s.gh.ResetRequests()

	sha := s.sha[:7]
	s.run("list").wantExit(0).wantOut(heredoc.Docf(`
		4	qa	main	%[1]s	none	octocat	2026-01-01T00:00:09Z
		3	production	main	%[1]s	success	octocat	2026-01-01T00:00:07Z
		2	staging	main	%[1]s	success	octocat	2026-01-01T00:00:04Z
		1	production	main	%[1]s	success	octocat	2026-01-01T00:00:01Z
	`, sha))
	if n := len(s.gh.Requests()); n != 1 {
		t.Errorf("list made %d requests, want 1", n)
	}
}

func TestListTTY(t *testing.T) {
	s := newSession(t)
	s.gh.SeedDeployments("octo/demo", 2, "production", "staging")
	s.tty = true
	s.run("list").wantExit(0).wantOut(heredoc.Docf(`
		ID  ENVIRONMENT  REF   SHA      STATE    CREATOR  CREATED
		2   staging      main  %[1]s  success  octocat  about 10 months ago
		1   production   main  %[1]s  success  octocat  about 10 months ago
	`, s.sha[:7]))
	s.run("list -e nowhere").wantExit(0).wantOut("")
	if s.err != "No deployments found in octo/demo\n" {
		t.Errorf("stderr = %q", s.err)
	}
}

func TestListPagesAndFilters(t *testing.T) {
	s := newSession(t)
	s.gh.SeedDeployments("octo/demo", 250, "production", "staging")
	s.gh.ResetRequests()
	s.run("list -L 230 --json id --jq length").wantExit(0).wantOut("230\n")
	if n := len(s.gh.Requests()); n != 3 {
		t.Errorf("230 deployments took %d requests, want 3 pages", n)
	}
	s.run("list -e staging -L 2 --json id,environment --jq '.[] | [.id, .environment] | @tsv'").wantExit(0).
		wantOut("250\tstaging\n248\tstaging\n")

	s.gh.ResetRequests()
	s.run("list -L 150 --ref main --json id,state,transient,production --jq '[length, .[0].id, .[0].state, .[0].production] | @tsv'").
		wantExit(0).wantOut("150\t250\tsuccess\tfalse\n")
	if n := len(s.gh.Requests()); n != 4 {
		t.Errorf("REST filter took %d requests, want 2 per page of 100", n)
	}
}

func TestBotCreatorIsNamedAlikeOnEveryPath(t *testing.T) {
	s := newSession(t)
	s.gh.AddTokenFor("ghs_actions000000000000000000000000000", "github-actions[bot]", true)
	s.env["GH_TOKEN"] = "ghs_actions000000000000000000000000000"
	s.run("create --ref main").wantExit(0)
	for _, line := range []string{
		"list --json creator --jq '.[].creator'",            // GraphQL
		"list --ref main --json creator --jq '.[].creator'", // REST + nodes()
		"get 1 --json creator --jq .creator",                // REST
	} {
		t.Run(line, func(t *testing.T) {
			s.run(line).wantExit(0).wantOut("github-actions[bot]\n")
		})
	}
}

func TestGetAndStatuses(t *testing.T) {
	s := newSession(t)
	s.run(`create --ref main -e staging -d "ship it" --payload '{"a":1}'`).wantExit(0).wantOut("1\n")
	s.run("status set 1 in_progress --log-url https://ci.example.com/1").wantExit(0).wantOut("100001\n")
	s.tty = true
	s.run("status set 1 success -d done --environment-url https://staging.example.com").wantExit(0).
		wantOut("✓ Set deployment 1 to success (status 100002)\n")
	s.tty = false
	s.run("status list 1").wantExit(0).wantOut(heredoc.Doc(`
		100002	success	staging	done	octocat	2026-01-01T00:00:04Z
		100001	in_progress	staging		octocat	2026-01-01T00:00:03Z
	`))
	s.run("status list 1 --json id,state,logUrl,environmentUrl --jq '.[] | [.id, .state, .logUrl, .environmentUrl] | @tsv'").wantExit(0).
		wantOut("100002\tsuccess\t\thttps://staging.example.com\n100001\tin_progress\thttps://ci.example.com/1\t\n")
	s.run("get 1 --json id,state,environmentUrl,payload,description,statuses --jq '[.id, .state, .environmentUrl, .payload.a, .description, (.statuses|length)] | @tsv'").
		wantExit(0).wantOut("1\tsuccess\thttps://staging.example.com\t1\tship it\t2\n")
	s.run("get 1").wantExit(0).wantOut(heredoc.Docf(`
		id	1
		environment	staging
		ref	main
		sha	%s
		task	deploy
		state	success
		creator	octocat
		created	2026-01-01T00:00:01Z
		description	ship it
		environment_url	https://staging.example.com
		log_url	
		status	100002	success	staging	done	octocat	2026-01-01T00:00:04Z
		status	100001	in_progress	staging		octocat	2026-01-01T00:00:03Z
	`, s.sha))
	s.tty = true
	s.run("get 1").wantExit(0).wantOut(heredoc.Docf(`
		Deployment 1 success
		main to staging by octocat, about 10 months ago
		sha: %s  task: deploy
		description: ship it
		environment url: https://staging.example.com

		ID      STATE        ENVIRONMENT  DESCRIPTION  CREATOR  CREATED
		100002  success      staging      done         octocat  about 10 months ago
		100001  in_progress  staging                   octocat  about 10 months ago
	`, s.sha))
}

func TestStatusSetFromWorkflowEvent(t *testing.T) {
	s := newSession(t)
	s.gh.AddRepo("octo/other", "main")
	s.run("create --ref main -R octo/other").wantExit(0).wantOut("1\n")
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"action":"created","deployment":{"id":1,"environment":"production"},"repository":{"full_name":"octo/other"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s.env["GITHUB_EVENT_PATH"] = event
	s.run("status set in_progress --auto-inactive=false").wantExit(0).wantOut("100001\n")
	b := s.bodies("POST", "/repos/octo/other/deployments/1/statuses")
	if len(b) != 1 || b[0]["state"] != "in_progress" || b[0]["auto_inactive"] != false {
		t.Errorf("status request = %v", b)
	}
}

func TestErrorsExplainAndExit(t *testing.T) {
	s := newSession(t)
	s.gh.AddToken("ghp_readonly00000000000000000000000000", false)
	s.run("list -R octo/missing").wantExit(1).wantErrContains("octo/missing", "does not exist")
	s.run("get 999").wantExit(1).wantErrContains("HTTP 404", "deployment 999 in octo/demo")
	s.run("status set 999 success").wantExit(1).wantErrContains("HTTP 404")

	s.env["GH_TOKEN"] = "ghp_revoked"
	s.run("list").wantExit(4).wantErrContains("Bad credentials", "gh auth login")
	s.run("create --ref main").wantExit(4).wantErrContains("HTTP 401")

	s.env["GH_TOKEN"] = "ghp_readonly00000000000000000000000000"
	s.run("create --ref main").wantExit(1).wantErrContains("HTTP 403", "Resource not accessible by integration", "Deployments: read and write", "repo_deployment")
	s.run("list").wantExit(0)

	s.env["GH_TOKEN"] = githubtest.DefaultToken
	s.run("create --ref no-such-branch").wantExit(1).wantErrContains("HTTP 422", "No ref found for: no-such-branch")
	s.run("create --ref main").wantExit(0)
	s.run("status set 1 success -d " + strings.Repeat("x", 140)).wantExit(0)
}

func TestBadInputSendsNothing(t *testing.T) {
	s := newSession(t)
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
			s.run(line).wantExit(2)
			if s.err == "" {
				t.Error("no error message")
			}
		})
	}
	if n := len(s.gh.Requests()); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
	delete(s.env, "GH_TOKEN")
	s.env["GH_CONFIG_DIR"] = t.TempDir()
	s.run("list").wantExit(4).wantErrContains("authentication required", "GH_TOKEN")
	if n := len(s.gh.Requests()); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
}

func TestReadsRetryThroughOutages(t *testing.T) {
	s := newSession(t)
	s.gh.SeedDeployments("octo/demo", 1)
	s.gh.FailNext("POST", "/graphql", 2, 502, nil)
	s.run("list --json id --jq '.[].id'").wantExit(0).wantOut("1\n")
	s.gh.FailNext("GET", "/repos/octo/demo/deployments/1", 1, 503, nil)
	s.run("get 1 --json state --jq .state").wantExit(0).wantOut("success\n")
	// A create is never repeated blindly: GitHub may have acted on it.
	s.gh.FailNext("POST", "/repos/octo/demo/deployments", 1, 502, nil)
	s.run("create --ref main").wantExit(1).wantErrContains("HTTP 502")
	if n := len(s.bodies("POST", "/repos/octo/demo/deployments")); n != 1 {
		t.Errorf("create sent %d times", n)
	}
}
