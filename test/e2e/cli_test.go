package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEveryCommand(t *testing.T) {
	u := newUser(t)
	sha := u.gh.Repo("octo/demo").Branch("main")

	id := strings.TrimSpace(u.must("create", "--ref", "main", "-e", "staging", "--payload", `{"build": 7}`, "-d", "from e2e"))
	if id != "1" {
		t.Fatalf("create printed %q", id)
	}
	if got := u.must("status", "set", id, "in_progress"); got != "100001\n" {
		t.Errorf("status set printed %q", got)
	}
	u.must("status", "set", id, "success", "--environment-url", "https://staging.example.com")
	if got := u.must("list", "--json", "id,state,sha,environment", "--jq", `.[] | "\(.id) \(.state) \(.sha) \(.environment)"`); got != "1 success "+sha+" staging\n" {
		t.Errorf("list printed %q", got)
	}
	if got := u.must("ls"); !strings.HasPrefix(got, "1\tstaging\tmain\t"+sha[:7]+"\tsuccess\toctocat\t") {
		t.Errorf("ls printed %q", got)
	}
	if got := u.must("get", id, "--json", "statuses", "--jq", ".statuses[].state"); got != "success\nin_progress\n" {
		t.Errorf("get printed %q", got)
	}
	if got := u.must("status", "list", id, "--template", `{{range .}}{{.id}}:{{.state}} {{end}}`, "--json", "id,state"); got != "100002:success 100001:in_progress " {
		t.Errorf("status list printed %q", got)
	}
	if got := u.must("--version"); !strings.HasPrefix(got, "deployctl version ") {
		t.Errorf("--version printed %q", got)
	}
	if got := u.must("list", "--json"); !strings.Contains(got, "environmentUrl") {
		t.Errorf("--json alone printed %q", got)
	}
	d := u.gh.Deployments("octo/demo")
	if len(d) != 1 || string(d[0].Payload) != `{"build":7}` || d[0].AutoMerge || len(d[0].Statuses) != 2 {
		t.Errorf("fake state: %+v", d)
	}
}

func TestPayloadFromStdin(t *testing.T) {
	u := newUser(t)
	r := u.run(`{"from": "stdin"}`, "create", "--ref", "main", "--payload", "-")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if d := u.gh.Deployments("octo/demo"); string(d[0].Payload) != `{"from":"stdin"}` {
		t.Errorf("payload %s", d[0].Payload)
	}
}

func TestExitCodes(t *testing.T) {
	u := newUser(t)
	u.gh.Repo("octo/demo").SetCommitStatus("main", "ci", "failure")
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"ok", nil, []string{"list"}, 0, ""},
		{"API failure", nil, []string{"get", "42"}, 1, "HTTP 404"},
		{"failed checks", nil, []string{"create", "--ref", "main"}, 1, "--skip-checks"},
		{"invalid payload", nil, []string{"create", "--ref", "main", "--payload", "{nope"}, 2, "not valid JSON"},
		{"unknown state", nil, []string{"status", "set", "1", "finished"}, 2, "must be one of"},
		{"long description", nil, []string{"status", "set", "1", "success", "-d", strings.Repeat("d", 141)}, 2, "at most 140"},
		{"malformed repo", nil, []string{"list", "--repo", "not-a-repo"}, 2, "[HOST/]OWNER/REPO"},
		{"negative limit", nil, []string{"list", "--limit", "-1"}, 2, "--limit"},
		{"unknown json field", nil, []string{"list", "--json", "id,colour"}, 2, `unknown JSON field: "colour"`},
		{"unknown command", nil, []string{"deploy"}, 2, "unknown command"},
		{"unknown subcommand", nil, []string{"status", "bogus"}, 2, `unknown command "bogus"`},
		{"no token", map[string]string{"GH_TOKEN": ""}, []string{"list"}, 4, "gh auth login"},
		{"rejected token", map[string]string{"GH_TOKEN": "ghp_wrong"}, []string{"list"}, 4, "Bad credentials"},
		{"no token on GHES", map[string]string{"GH_TOKEN": "", "GITHUB_API_URL": ""}, []string{"list", "-R", "ghe.example.com/o/r"}, 4, "GH_ENTERPRISE_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := map[string]string{}
			for k, v := range tt.env {
				saved[k] = u.env[k]
				u.env[k] = v
			}
			defer func() {
				for k, v := range saved {
					u.env[k] = v
				}
			}()
			before := len(u.gh.Requests())
			r := u.run("", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d with %q", r.code, r.stderr, tt.code, tt.stderr)
			}
			if (tt.code == 2 || tt.name == "no token" || tt.name == "no token on GHES") && len(u.gh.Requests()) != before {
				t.Errorf("a request was sent")
			}
		})
	}
}

func TestConfigFileAndEnvironment(t *testing.T) {
	u := newUser(t)
	cfg := filepath.Join(u.env["XDG_CONFIG_HOME"], "deployctl", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("environment: staging\ncreate:\n  task: deploy:config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u.must("create", "--ref", "main")
	u.env["DEPLOYCTL_ENVIRONMENT"] = "qa"
	u.must("create", "--ref", "main")
	u.must("create", "--ref", "main", "-e", "flag")
	var got []string
	for _, d := range u.gh.Deployments("octo/demo") {
		got = append(got, d.Environment+"/"+d.Task)
	}
	if strings.Join(got, " ") != "staging/deploy:config qa/deploy:config flag/deploy:config" {
		t.Errorf("deployments: %v", got)
	}
}

func TestGitHubActions(t *testing.T) {
	u := newUser(t)
	sha := u.gh.Repo("octo/demo").Branch("main")
	out := filepath.Join(t.TempDir(), "github_output")
	delete(u.env, "GH_REPO")
	delete(u.env, "GH_TOKEN")
	u.env["GITHUB_ACTIONS"] = "true"
	u.env["GITHUB_REPOSITORY"] = "octo/demo"
	u.env["GITHUB_SHA"] = sha
	u.env["GITHUB_TOKEN"] = "ghp_faketoken0000000000000000000000000"
	u.env["GITHUB_OUTPUT"] = out
	id := strings.TrimSpace(u.must("create", "--skip-checks"))
	b, _ := os.ReadFile(out)
	if string(b) != "deployment-id="+id+"\n" {
		t.Errorf("GITHUB_OUTPUT = %q", b)
	}
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"deployment":{"id":`+id+`},"repository":{"full_name":"octo/demo"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	u.env["GITHUB_EVENT_PATH"] = event
	u.must("status", "set", "success")
	if d := u.gh.Deployments("octo/demo"); len(d[0].Statuses) != 1 || d[0].Statuses[0].State != "success" || d[0].SHA != sha {
		t.Errorf("fake state %+v", d)
	}
}
