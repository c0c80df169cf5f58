package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/create"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "deployctl", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("environment: staging\ntask: from-top\nrepo: octo/demo\ncreate:\n  task: from-section\n  required-contexts: [ci, lint]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		line              string
		env               map[string]string
		exe               string // how we were started; "" is deployctl
		wantEnv, wantTask string
		wantRepo, wantCtx string
		wantErr           string
	}{
		{name: "config file, section beats top level", line: "create --ref x", wantEnv: "staging", wantTask: "from-section", wantRepo: "octo/demo", wantCtx: "ci,lint"},
		{name: "section applies as gh deployctl", line: "create --ref x", exe: "gh deployctl", wantEnv: "staging", wantTask: "from-section", wantRepo: "octo/demo", wantCtx: "ci,lint"},
		{name: "env beats config", line: "create --ref x", env: map[string]string{"DEPLOYCTL_ENVIRONMENT": "qa", "DEPLOYCTL_REQUIRED_CONTEXTS": "a,b"},
			wantEnv: "qa", wantTask: "from-section", wantRepo: "octo/demo", wantCtx: "a,b"},
		{name: "flag beats env", line: "create --ref x -e prod --task t -R o/r", env: map[string]string{"DEPLOYCTL_ENVIRONMENT": "qa"},
			wantEnv: "prod", wantTask: "t", wantRepo: "o/r", wantCtx: "ci,lint"},
		{name: "--skip-checks beats the section's required-contexts", line: "create --ref x --skip-checks", wantEnv: "staging", wantTask: "from-section", wantRepo: "octo/demo"},
		{name: "skip-checks from env beats the config's contexts", line: "create --ref x", env: map[string]string{"DEPLOYCTL_SKIP_CHECKS": "true"},
			wantEnv: "staging", wantTask: "from-section", wantRepo: "octo/demo"},
		{name: "bad env value", line: "create --ref x", env: map[string]string{"DEPLOYCTL_TRANSIENT": "maybe"}, wantErr: "DEPLOYCTL_TRANSIENT"},
		{name: "explicit missing config", line: "create --ref x --config " + filepath.Join(dir, "nope.yaml"), wantErr: "nope.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"XDG_CONFIG_HOME": dir}
			for k, v := range tt.env {
				env[k] = v
			}
			var got *create.CreateOptions
			f := cmdtest.Factory(t, env)
			if tt.exe != "" {
				f.Executable = tt.exe
			}
			err := cmdtest.RunCmd(t, f, "", create.NewCmdCreate(f, func(o *create.CreateOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Environment != tt.wantEnv || got.Task != tt.wantTask || got.RepoFlag != tt.wantRepo || strings.Join(got.RequiredContexts, ",") != tt.wantCtx {
				t.Errorf("got env %q task %q repo %q contexts %v", got.Environment, got.Task, got.RepoFlag, got.RequiredContexts)
			}
		})
	}
}

// TestConfigTypoWarns: a config key that is no flag or command is named on
// stderr with the file, not silently ignored; the command still runs.
func TestConfigTypoWarns(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedDeployments("octo/demo", 1)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("limt: 5\nlimit: 1\ncreate:\n  tsk: x\n  task: deploy\nstatus:\n  set:\n    log-url: https://ci.example.com\n    colour: red\nnosuch:\n  a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Run("list --json id --jq '.[].id' --config " + cfg).WantExit(0).WantOut("1\n")
	want := ""
	for _, key := range []string{"create.tsk", "limt", "nosuch.a", "status.set.colour"} {
		want += "warning: " + cfg + ": unknown key \"" + key + "\" (not a flag or command of deployctl); it is ignored\n"
	}
	if s.Err != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", s.Err, want)
	}
}
