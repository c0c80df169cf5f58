package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// hostsToken is the token of gh's own login in the hosts.yml case.
const hostsToken = "gho_hoststoken00000000000000000000000000"

// TestGhExtension installs the built binary into Debian's gh with
// `gh extension install .` from a directory named gh-deployctl, then runs
// `gh deployctl list` and `gh deployctl create` against the fake GitHub:
// once with GH_TOKEN, once with the token only in gh's hosts.yml.
func TestGhExtension(t *testing.T) {
	gh := requireTool(t, "gh", "apt-get install gh")

	for _, tc := range []struct {
		name      string
		hostsYML  bool   // write gh's login into GH_CONFIG_DIR/hosts.yml
		envToken  string // GH_TOKEN
		wantToken string
		wantLogin string
	}{
		{name: "GH_TOKEN", envToken: githubtest.DefaultToken, wantToken: githubtest.DefaultToken, wantLogin: "octocat"},
		{name: "gh login in hosts.yml", hostsYML: true, wantToken: hostsToken, wantLogin: "hubot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := githubtest.New(githubtest.Options{})
			defer fake.Close()
			fake.AddTokenFor(hostsToken, "hubot", true)

			// gh extension install . wants the directory named after the
			// extension, holding an executable of the same name.
			extDir := filepath.Join(t.TempDir(), "gh-deployctl")
			if err := os.Mkdir(extDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := testbin.Build(filepath.Join(extDir, exe("gh-deployctl"))); err != nil {
				t.Fatal(err)
			}

			env := cleanEnv(t, nil, "GITHUB_API_URL="+fake.URL())
			if tc.envToken != "" {
				env = append(env, "GH_TOKEN="+tc.envToken)
			}
			configDir := envValue(env, "GH_CONFIG_DIR")
			if err := os.MkdirAll(configDir, 0o700); err != nil {
				t.Fatal(err)
			}
			if tc.hostsYML {
				hosts := "github.com:\n    oauth_token: " + hostsToken + "\n    user: hubot\n    git_protocol: https\n"
				if err := os.WriteFile(filepath.Join(configDir, "hosts.yml"), []byte(hosts), 0o600); err != nil {
					t.Fatal(err)
				}
			}

			out, errOut := run(t, extDir, env, gh, "extension", "install", ".")
			t.Logf("gh extension install .: %s%s", out, errOut)
			out, _ = run(t, extDir, env, gh, "extension", "list")
			if !strings.Contains(out, "deployctl") {
				t.Fatalf("gh extension list does not show deployctl:\n%s", out)
			}

			work := t.TempDir() // not a git checkout: the repository comes from -R
			out, _ = run(t, work, env, gh, "deployctl", "--help")
			if !strings.Contains(out, "gh deployctl [command]") || strings.Contains(out, "\n  deployctl ") {
				t.Errorf("gh deployctl --help does not speak of gh deployctl:\n%s", out)
			}
			out, _ = run(t, work, env, gh, "deployctl", "version")
			if !strings.HasPrefix(out, "gh deployctl version ") {
				t.Errorf("gh deployctl version printed %q", out)
			}
			_, errOut, err := runErr(t, work, env, gh, "deployctl", "list", "--bogus")
			if err == nil || !strings.Contains(errOut, "Run 'gh deployctl list --help' for usage.") {
				t.Errorf("gh deployctl list --bogus: %v, stderr %q", err, errOut)
			}

			fake.ResetRequests()
			id, _ := run(t, work, env, gh, "deployctl", "create", "-R", "octo/demo", "--ref", "main", "-e", "staging", "--skip-checks")
			id = strings.TrimSpace(id)
			if id == "" || strings.ContainsAny(id, " \t\n") {
				t.Fatalf("gh deployctl create printed %q, want the ID alone", id)
			}
			out, _ = run(t, work, env, gh, "deployctl", "list", "-R", "octo/demo", "--json", "id,environment,creator", "--jq", ".[0] | [.id, .environment, .creator] | @tsv")
			if want := id + "\tstaging\t" + tc.wantLogin + "\n"; out != want {
				t.Errorf("gh deployctl list printed %q, want %q", out, want)
			}

			reqs := fake.Requests()
			var got []string
			for _, r := range reqs {
				got = append(got, r.Method+" "+r.Path)
				if auth := r.Header.Get("Authorization"); auth != "token "+tc.wantToken {
					t.Errorf("%s %s: Authorization %q, want the %s token", r.Method, r.Path, auth, tc.name)
				}
			}
			if len(got) != 3 || got[0] != "POST /graphql" || got[1] != "POST /repos/octo/demo/deployments" || got[2] != "POST /graphql" {
				t.Errorf("the fake received %q, want the lock check, the create, then one GraphQL list", got)
			}
			if len(reqs) > 1 && !strings.Contains(string(reqs[1].Body), `"environment":"staging"`) {
				t.Errorf("create sent %s", reqs[1].Body)
			}
		})
	}
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
