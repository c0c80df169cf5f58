package cmd

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// completionFactory is a Factory whose environment is env and nothing of
// the user's: gh's config directory is an empty temporary one.
func completionFactory(t *testing.T, exe string, env map[string]string) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	if env == nil {
		env = map[string]string{}
	}
	env["XDG_CONFIG_HOME"] = t.TempDir()
	env["GH_CONFIG_DIR"] = t.TempDir()
	return &cmdutil.Factory{
		IOStreams:  ios,
		Getenv:     func(k string) string { return env[k] },
		Now:        time.Now,
		Version:    cmdutil.BuildInfo{Version: "1.0.0"},
		Executable: exe,
		CurrentRepo: func() (repository.Repository, error) {
			return repository.Repository{}, errors.New("not a git repository")
		},
	}, out, errOut
}

// complete runs the hidden __complete command as a shell would and returns
// the candidates and the directive line.
func complete(t *testing.T, f *cmdutil.Factory, args ...string) ([]string, string) {
	t.Helper()
	out := f.IOStreams.Out.(*bytes.Buffer)
	out.Reset()
	if err := Execute(context.Background(), f, append([]string{cobra.ShellCompRequestCmd}, args...)); err != nil {
		t.Fatalf("__complete %q: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var cands []string
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t")
		cands = append(cands, name)
	}
	return cands, lines[len(lines)-1]
}

// completionNoise is what a completion wrote to stderr besides cobra's own
// directive line (which the shell scripts discard).
func completionNoise(errOut *bytes.Buffer) string {
	var noise []string
	for _, l := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
		if l != "" && !strings.HasPrefix(l, "Completion ended with directive:") {
			noise = append(noise, l)
		}
	}
	return strings.Join(noise, "\n")
}

func TestCompleteStatesAndJSONFields(t *testing.T) {
	f, _, _ := completionFactory(t, "deployctl", nil)
	got, directive := complete(t, f, "status", "set", "1", "")
	if strings.Join(got, " ") != "error failure inactive in_progress queued pending success" {
		t.Errorf("status set 1 <TAB> = %q", got)
	}
	if directive != ":4" { // no file completion
		t.Errorf("directive %q", directive)
	}
	got, _ = complete(t, f, "list", "--json", "id,crea")
	if strings.Join(got, " ") != "id,createdAt id,creator" && strings.Join(got, " ") != "id,creator id,createdAt" {
		t.Errorf("list --json id,crea<TAB> = %q", got)
	}
	got, _ = complete(t, f, "st")
	if strings.Join(got, " ") != "status" {
		t.Errorf("st<TAB> = %q", got)
	}
	got, _ = complete(t, f, "completion", "")
	if strings.Join(got, " ") != "bash zsh fish powershell" {
		t.Errorf("completion <TAB> = %q", got)
	}
}

func TestCompleteEnvironments(t *testing.T) {
	gh := githubtest.New(githubtest.Options{})
	defer gh.Close()
	for _, env := range []string{"staging", "production", "qa"} {
		body := `{"ref":"main","environment":"` + env + `","required_contexts":[]}`
		req, _ := http.NewRequest("POST", gh.URL()+"/repos/octo/demo/deployments", strings.NewReader(body))
		req.Header.Set("Authorization", "token "+githubtest.DefaultToken)
		resp, err := gh.Client().Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("create deployment to %s: %v %v", env, err, resp)
		}
		resp.Body.Close()
	}
	env := map[string]string{"GITHUB_API_URL": gh.URL(), "GH_TOKEN": githubtest.DefaultToken, "GH_REPO": "octo/demo"}

	for _, args := range [][]string{
		{"list", "-e", ""},
		{"create", "--environment", ""},
		{"status", "set", "1", "success", "-e", ""},
		{"promote", ""},
		{"promote", "staging", ""},
		{"rollback", ""},
	} {
		f, _, errOut := completionFactory(t, "deployctl", env)
		got, directive := complete(t, f, args...)
		if strings.Join(got, " ") != "production qa staging" || directive != ":4" {
			t.Errorf("%q: got %q %s, want production qa staging :4", args, got, directive)
		}
		if noise := completionNoise(errOut); noise != "" {
			t.Errorf("%q wrote to stderr: %s", args, noise)
		}
	}

	f, _, _ := completionFactory(t, "deployctl", env)
	if got, _ := complete(t, f, "list", "-e", "st"); strings.Join(got, " ") != "staging" {
		t.Errorf("-e st<TAB> = %q", got)
	}
	// Past its environments, promote and rollback offer nothing.
	f, _, _ = completionFactory(t, "deployctl", env)
	if got, _ := complete(t, f, "rollback", "staging", ""); len(got) != 0 {
		t.Errorf("rollback staging <TAB> = %q", got)
	}
	// --repo on the command line names the repository asked about.
	f, _, _ = completionFactory(t, "deployctl", env)
	if got, _ := complete(t, f, "list", "-R", "octo/missing", "-e", ""); len(got) != 0 {
		t.Errorf("unknown repository offered %q", got)
	}
	var envPaths []string
	for _, r := range gh.Requests() {
		if strings.HasSuffix(r.Path, "/environments") {
			envPaths = append(envPaths, r.Path)
			if r.Header.Get("Authorization") != "token "+githubtest.DefaultToken {
				t.Errorf("%s sent without the token", r.Path)
			}
		}
	}
	if len(envPaths) != 8 || envPaths[7] != "/repos/octo/missing/environments" {
		t.Errorf("environment requests: %q", envPaths)
	}
}

// Offline, unauthenticated or without a repository, environment completion
// offers nothing, prints nothing and returns quickly.
func TestCompleteEnvironmentsQuietlyFails(t *testing.T) {
	down := githubtest.New(githubtest.Options{})
	downURL := down.URL()
	down.Close()
	up := githubtest.New(githubtest.Options{})
	defer up.Close()
	slow := githubtest.New(githubtest.Options{Latency: 10 * time.Second})
	defer slow.Close()
	for name, env := range map[string]map[string]string{
		"no token":      {"GITHUB_API_URL": downURL, "GH_REPO": "octo/demo"},
		"offline":       {"GITHUB_API_URL": downURL, "GH_TOKEN": githubtest.DefaultToken, "GH_REPO": "octo/demo"},
		"bad token":     {"GITHUB_API_URL": up.URL(), "GH_TOKEN": "nope", "GH_REPO": "octo/demo"},
		"no repository": {"GITHUB_API_URL": downURL, "GH_TOKEN": githubtest.DefaultToken},
		"slow server":   {"GITHUB_API_URL": slow.URL(), "GH_TOKEN": githubtest.DefaultToken, "GH_REPO": "octo/demo"},
	} {
		t.Run(name, func(t *testing.T) {
			f, _, errOut := completionFactory(t, "deployctl", env)
			start := time.Now()
			got, directive := complete(t, f, "list", "-e", "")
			if len(got) != 0 || directive != ":4" {
				t.Errorf("got %q %s, want nothing", got, directive)
			}
			if noise := completionNoise(errOut); noise != "" {
				t.Errorf("stderr: %s", noise)
			}
			if d := time.Since(start); d > completionTimeout+time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestCompletionCommand(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash":       "__start_deployctl",
		"zsh":        "#compdef deployctl",
		"fish":       "complete -c deployctl",
		"powershell": "Register-ArgumentCompleter",
	} {
		f, out, _ := completionFactory(t, "deployctl", nil)
		if err := Execute(context.Background(), f, []string{"completion", shell}); err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if !strings.Contains(out.String(), marker) {
			t.Errorf("completion %s lacks %q", shell, marker)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		f, _, errOut := completionFactory(t, "deployctl", nil)
		err := Execute(context.Background(), f, args)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q: exit %d, want %d (%v)", args, cmdutil.ExitCode(err), cmdutil.ExitUsage, err)
		}
		if !strings.Contains(errOut.String(), "bash") {
			t.Errorf("%q: error does not name the shells: %s", args, errOut)
		}
	}
}

// bareCommand is "deployctl" run as a command rather than named in a path.
var bareCommand = regexp.MustCompile(`(^|[\s$(|;&])deployctl(\s|$)`)

// As a gh extension every usage line, example, hint and error names
// "gh deployctl", never a bare "gh" or "deployctl".
func TestHelpAsExtension(t *testing.T) {
	f, _, _ := completionFactory(t, "gh deployctl", nil)
	root := NewCmdRoot(f)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		path := strings.Fields(strings.TrimPrefix(c.CommandPath(), "gh deployctl"))
		hf, out, _ := completionFactory(t, "gh deployctl", nil)
		if err := Execute(context.Background(), hf, append(path, "--help")); err != nil {
			t.Fatalf("%v --help: %v", path, err)
		}
		help := out.String()
		usage := help[strings.Index(help, "Usage:"):]
		for _, l := range strings.Split(usage, "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "$ ") && bareCommand.MatchString(strings.ReplaceAll(l, "gh deployctl", "")) {
				t.Errorf("%v --help: example %q", path, l)
			}
			if strings.HasPrefix(l, "gh ") && !strings.HasPrefix(l, "gh deployctl") {
				t.Errorf("%v --help: usage line %q", path, l)
			}
			if strings.HasPrefix(l, "deployctl ") {
				t.Errorf("%v --help: usage line %q", path, l)
			}
		}
		if !strings.Contains(usage, "\n  gh deployctl") {
			t.Errorf("%v --help has no gh deployctl usage line:\n%s", path, usage)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	for args, want := range map[string]string{
		"list --bogus":      "unknown flag: --bogus\nRun 'gh deployctl list --help' for usage.\n",
		"status set 1 nope": "Run 'gh deployctl status set --help' for usage.\n",
		"nothing":           "unknown command \"nothing\" for \"gh deployctl\"\nRun 'gh deployctl --help' for usage.\n",
	} {
		f, _, errOut := completionFactory(t, "gh deployctl", nil)
		err := Execute(context.Background(), f, strings.Fields(args))
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.HasSuffix(errOut.String(), want) {
			t.Errorf("%s: exit %d, stderr %q, want it to end in %q", args, cmdutil.ExitCode(err), errOut, want)
		}
	}
}
