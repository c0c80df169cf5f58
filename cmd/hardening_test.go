package cmd_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/shlex"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// writeCommands are the commands marked with cmdutil.MarkWrite, with the
// command line each says passes every local check.
func writeCommands(t *testing.T) map[string]*cobra.Command {
	t.Helper()
	found := map[string]*cobra.Command{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if cmdutil.IsWrite(c) {
			path := strings.TrimPrefix(c.CommandPath(), "deployctl ")
			found[path+" "+c.Annotations[cmdutil.WriteAnnotation]] = c
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd.NewCmdRoot(cmdtest.Factory(t, nil)))
	for _, want := range []string{"create", "status set"} {
		if !slices.ContainsFunc(slices.Collect(mapsKeys(found)), func(k string) bool { return strings.HasPrefix(k, want+" ") }) {
			t.Fatalf("%s is not marked as a write command (cmdutil.MarkWrite)", want)
		}
	}
	return found
}

func mapsKeys(m map[string]*cobra.Command) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestWriteCommandsRefuseBadInputBeforeSending holds every write command,
// those added later too, to the contract's hardening rules: an empty flag
// value (on the command line or in DEPLOYCTL_<FLAG>), a bare or empty
// --json, a broken --jq or --template are usage errors (exit 2) and nothing
// is sent. Each command's own valid line is run first, so a case cannot
// pass only because the line was wrong to begin with.
func TestWriteCommandsRefuseBadInputBeforeSending(t *testing.T) {
	for line, c := range writeCommands(t) {
		t.Run(line, func(t *testing.T) {
			s := cmdtest.NewSession(t)
			s.GH.SeedDeployments("octo/demo", 1)
			s.Run(line)
			if s.Exit == cmdutil.ExitUsage {
				t.Fatalf("the command's own valid line %q is a usage error: %s", line, s.Err)
			}
			given, err := shlex.Split(line)
			if err != nil {
				t.Fatal(err)
			}
			if dash := slices.Index(given, "--"); dash >= 0 {
				given = given[:dash] // what follows is run's command, not deployctl's flags
			}

			type variant struct {
				name, line string
				env        map[string]string
			}
			var variants []variant
			if c.Flags().Lookup("json") != nil {
				variants = append(variants,
					variant{name: "bare --json", line: with(line, "--json")},
					variant{name: "empty --json", line: with(line, `--json ""`)},
					variant{name: "broken --jq", line: with(line, `--json id --jq '.['`)},
					variant{name: "unknown jq function", line: with(line, `--json id --jq 'nosuchfn'`)},
					variant{name: "broken --template", line: with(line, `--json id --template '{{.id'`)},
					variant{name: "unknown template function", line: with(line, `--json id --template '{{nosuchfn .id}}'`)},
				)
			}
			visit := func(fl *pflag.Flag) {
				if !cmdutil.TakesText(fl) || len(fl.Annotations[cmdutil.AllowEmptyAnnotation]) > 0 || fl.Hidden {
					return
				}
				if slices.Contains(given, "--"+fl.Name) || (fl.Shorthand != "" && slices.Contains(given, "-"+fl.Shorthand)) {
					return // given already: a second value would add to a list flag
				}
				env := "DEPLOYCTL_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
				variants = append(variants,
					variant{name: "--" + fl.Name + ` ""`, line: with(line, "--"+fl.Name+` ""`)},
					variant{name: env + "=", line: line, env: map[string]string{env: ""}},
				)
			}
			c.LocalFlags().VisitAll(visit)
			c.InheritedFlags().VisitAll(visit)
			if len(variants) == 0 {
				t.Fatal("no variants")
			}
			for _, v := range variants {
				t.Run(v.name, func(t *testing.T) {
					before := len(s.GH.Requests())
					for k, val := range v.env {
						s.Env[k] = val
					}
					s.Run(v.line)
					for k := range v.env {
						delete(s.Env, k)
					}
					if s.Exit != cmdutil.ExitUsage || s.Err == "" {
						t.Errorf("%s: exit %d, want 2 with a message\nstdout: %s\nstderr: %s", v.line, s.Exit, s.Out, s.Err)
					}
					if n := len(s.GH.Requests()) - before; n != 0 {
						t.Errorf("%s: %d requests sent", v.line, n)
					}
				})
			}
		})
	}
}

// with adds flags to a command line, before a "--" that ends deployctl's own.
func with(line, flags string) string {
	if before, after, ok := strings.Cut(line, " -- "); ok {
		return before + " " + flags + " -- " + after
	}
	return line + " " + flags
}

// TestCreateChecksGitHubOutputFirst: a GITHUB_OUTPUT that cannot be written
// is found before the deployment is created, not after.
func TestCreateChecksGitHubOutputFirst(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Env["GITHUB_ACTIONS"] = "true"
	s.Env["GITHUB_SHA"] = s.SHA
	s.Env["GITHUB_OUTPUT"] = filepath.Join(t.TempDir(), "no-such-dir", "output")
	s.Run("create").WantExit(2).WantErrContains("GITHUB_OUTPUT")
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if _, err := os.Stat(filepath.Dir(s.Env["GITHUB_OUTPUT"])); err == nil {
		t.Error("the check created the directory")
	}
}

// TestCreateNamesTheDeploymentWhenALaterStepFails: once GitHub has the
// deployment, a failure after it (here the jq program fails on the data)
// still names the new deployment, so a script does not create another.
func TestCreateNamesTheDeploymentWhenALaterStepFails(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run(`create --ref main --json id --jq '.id | error("boom")'`).WantExit(1).
		WantErrContains("created deployment 1 in octo/demo", "boom")
	if n := len(s.GH.Deployments("octo/demo")); n != 1 {
		t.Errorf("%d deployments", n)
	}
}

// TestEmptyValuesOnReads: the empty-value rule holds for reads too, and a
// flag documented to take an empty value does.
func TestEmptyValuesOnReads(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run(`list -e ""`).WantExit(2).WantErrContains("--environment must not be empty")
	s.Env["DEPLOYCTL_SHA"] = ""
	s.Run("list").WantExit(2).WantErrContains("DEPLOYCTL_SHA (for --sha) must not be empty")
	delete(s.Env, "DEPLOYCTL_SHA")
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("environment: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Run("list --config " + cfg).WantExit(2).WantErrContains(cfg + ": environment (for --environment) must not be empty")
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// A read's bare --json still lists its fields (the contract), sending
	// nothing.
	s.Run("list --json").WantExit(0)
	if !strings.HasPrefix(s.Out, "Specify one or more comma-separated fields for `--json`:\n  createdAt\n") {
		t.Errorf("list --json: %q", s.Out)
	}
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	s.Run(`create --ref main -d ""`).WantExit(0).WantOut("1\n")
}
