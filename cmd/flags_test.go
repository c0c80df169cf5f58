package cmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// testFactory is a Factory with buffers for streams and env for the environment.
func testFactory(t *testing.T, env map[string]string) *Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["XDG_CONFIG_HOME"]; !ok {
		env["XDG_CONFIG_HOME"] = t.TempDir() // never the user's config
	}
	return &Factory{
		IOStreams:  ios,
		Getenv:     func(k string) string { return env[k] },
		Now:        func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		Version:    BuildInfo{Version: "1.0.0"},
		Executable: "deployctl",
		CurrentRepo: func() (repository.Repository, error) {
			return repository.Repository{}, errors.New("not a git repository")
		},
	}
}

// runCmd parses a command line through the whole tree (config and all) and
// stops at runF.
func runCmd(t *testing.T, f *Factory, build func(*Factory) *cobra.Command, line string) error {
	t.Helper()
	root := NewCmdRoot(f)
	c := build(f)
	// Replace the real subcommand with the one under test.
	for _, existing := range root.Commands() {
		if existing.Name() == c.Name() {
			root.RemoveCommand(existing)
		}
	}
	root.AddCommand(c)
	args, err := shlex.Split(line)
	if err != nil {
		t.Fatal(err)
	}
	root.SetArgs(args)
	_, err = root.ExecuteC()
	return err
}

func TestCreateFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		env     map[string]string
		check   func(*testing.T, *CreateOptions)
		wantErr string
	}{
		{
			name: "defaults",
			line: "create --ref main",
			check: func(t *testing.T, o *CreateOptions) {
				req, err := o.request()
				if err != nil {
					t.Fatal(err)
				}
				if req.Ref != "main" || req.Environment != "production" || req.Task != "deploy" || req.AutoMerge ||
					req.RequiredContexts != nil || req.Transient != nil || req.Production != nil || req.Payload != nil {
					t.Errorf("request = %+v", req)
				}
			},
		},
		{
			name: "every flag",
			line: `create --ref v1 -e staging --task deploy:migrate -d "hi there" --payload '{"a": [1, 2]}' --auto-merge --required-contexts ci,lint --transient --production=false`,
			check: func(t *testing.T, o *CreateOptions) {
				req, err := o.request()
				if err != nil {
					t.Fatal(err)
				}
				if req.Environment != "staging" || req.Task != "deploy:migrate" || req.Description != "hi there" || !req.AutoMerge ||
					strings.Join(*req.RequiredContexts, ",") != "ci,lint" || !*req.Transient || *req.Production ||
					string(req.Payload) != `{"a":[1,2]}` {
					t.Errorf("request = %+v payload %s", req, req.Payload)
				}
			},
		},
		{
			name: "skip checks sends an empty list",
			line: "create --ref main --skip-checks",
			check: func(t *testing.T, o *CreateOptions) {
				req, _ := o.request()
				if req.RequiredContexts == nil || len(*req.RequiredContexts) != 0 {
					t.Errorf("required contexts = %v", req.RequiredContexts)
				}
			},
		},
		{
			name: "ref from GITHUB_SHA in Actions",
			line: "create",
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SHA": "abc123"},
			check: func(t *testing.T, o *CreateOptions) {
				req, err := o.request()
				if err != nil || req.Ref != "abc123" {
					t.Errorf("ref = %q, %v", req.Ref, err)
				}
			},
		},
		{
			name: "ref from the current branch",
			line: "create",
			check: func(t *testing.T, o *CreateOptions) {
				o.CurrentBranch = func() (string, error) { return "topic", nil }
				req, err := o.request()
				if err != nil || req.Ref != "topic" {
					t.Errorf("ref = %q, %v", req.Ref, err)
				}
			},
		},
		{
			name: "no ref anywhere",
			line: "create",
			check: func(t *testing.T, o *CreateOptions) {
				o.CurrentBranch = func() (string, error) { return "", errors.New("detached") }
				_, err := o.request()
				var ue *UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--ref") {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "invalid payload",
			line: `create --ref main --payload '{"a":'`,
			check: func(t *testing.T, o *CreateOptions) {
				_, err := o.request()
				if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "not valid JSON") {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "--skip-checks beats contexts from the environment",
			line: "create --ref x --skip-checks",
			env:  map[string]string{"DEPLOYCTL_REQUIRED_CONTEXTS": "a"},
			check: func(t *testing.T, o *CreateOptions) {
				req, err := o.request()
				if err != nil || req.RequiredContexts == nil || len(*req.RequiredContexts) != 0 {
					t.Errorf("required contexts = %v, %v", req.RequiredContexts, err)
				}
			},
		},
		{
			name: "--required-contexts beats skip-checks from the environment",
			line: "create --ref x --required-contexts a",
			env:  map[string]string{"DEPLOYCTL_SKIP_CHECKS": "true"},
			check: func(t *testing.T, o *CreateOptions) {
				req, err := o.request()
				if err != nil || req.RequiredContexts == nil || strings.Join(*req.RequiredContexts, ",") != "a" {
					t.Errorf("required contexts = %v, %v", req.RequiredContexts, err)
				}
			},
		},
		{name: "both skip-checks and contexts", line: "create --ref x --skip-checks --required-contexts a", wantErr: "only one of"},
		{name: "both from the environment", line: "create --ref x", env: map[string]string{"DEPLOYCTL_SKIP_CHECKS": "true", "DEPLOYCTL_REQUIRED_CONTEXTS": "a"}, wantErr: "only one of"},
		{name: "unknown json field", line: "create --ref x --json id,bogus", wantErr: `unknown JSON field: "bogus"`},
		{name: "jq without json", line: "create --ref x --jq .id", wantErr: "without specifying `--json`"},
		{name: "positional argument", line: "create main", wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *CreateOptions
			f := testFactory(t, tt.env)
			err := runCmd(t, f, func(f *Factory) *cobra.Command {
				return NewCmdCreate(f, func(_ context.Context, o *CreateOptions) error { got = o; return nil })
			}, tt.line)
			if tt.wantErr != "" {
				wantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

func TestPayloadFromFileAndStdin(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "payload.json")
	if err := os.WriteFile(p, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := readPayload("@"+p, nil)
	if err != nil || string(raw) != `{"from":"file"}` {
		t.Errorf("file: %s %v", raw, err)
	}
	raw, err = readPayload("-", strings.NewReader(` ["stdin"] `))
	if err != nil || string(raw) != `["stdin"]` {
		t.Errorf("stdin: %s %v", raw, err)
	}
	if _, err := readPayload("@"+filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("missing file accepted")
	}
}

func TestListFlags(t *testing.T) {
	tests := []struct {
		line    string
		want    ListOptions
		wantErr string
	}{
		{line: "list", want: ListOptions{Limit: 30}},
		{line: "ls -e prod --ref main --sha abc --task t -L 5", want: ListOptions{Environment: "prod", Ref: "main", SHA: "abc", Task: "t", Limit: 5}},
		{line: "list -L -1", wantErr: "--limit"},
		{line: "list -L 0", wantErr: "--limit"},
		{line: "list -L many", wantErr: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var got *ListOptions
			err := runCmd(t, testFactory(t, nil), func(f *Factory) *cobra.Command {
				return NewCmdList(f, func(_ context.Context, o *ListOptions) error { got = o; return nil })
			}, tt.line)
			if tt.wantErr != "" {
				wantUsageError(t, err, tt.wantErr)
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

func TestStatusSetArgs(t *testing.T) {
	dir := t.TempDir()
	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(event, []byte(`{"deployment":{"id":77},"repository":{"full_name":"octo/from-event"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		line     string
		env      map[string]string
		wantID   int64
		want     string
		wantRepo string
		wantErr  string
	}{
		{name: "id and state", line: "status set 12 in_progress", wantID: 12, want: "in_progress"},
		{name: "upper case state", line: "status set 12 SUCCESS", wantID: 12, want: "success"},
		{name: "from the event", line: "status set success", env: map[string]string{"GITHUB_EVENT_PATH": event}, wantID: 77, want: "success", wantRepo: "octo/from-event"},
		{name: "--repo beats the event", line: "status set success -R a/b", env: map[string]string{"GITHUB_EVENT_PATH": event}, wantID: 77, want: "success", wantRepo: "a/b"},
		{name: "the event beats DEPLOYCTL_REPO", line: "status set success", env: map[string]string{"GITHUB_EVENT_PATH": event, "DEPLOYCTL_REPO": "a/b"}, wantID: 77, want: "success", wantRepo: "octo/from-event"},
		{name: "DEPLOYCTL_REPO with an ID", line: "status set 12 success", env: map[string]string{"GITHUB_EVENT_PATH": event, "DEPLOYCTL_REPO": "a/b"}, wantID: 12, want: "success", wantRepo: "a/b"},
		{name: "no id, no event", line: "status set success", wantErr: "GITHUB_EVENT_PATH"},
		{name: "unknown state", line: "status set 12 done", wantErr: "must be one of error, failure, inactive, in_progress, queued, pending, success"},
		{name: "bad id", line: "status set x12 success", wantErr: "invalid deployment ID"},
		{name: "too long", line: "status set 12 success -d " + strings.Repeat("x", 141), wantErr: "at most 140"},
		{name: "too many args", line: "status set 1 2 success", wantErr: "expected [<deployment-id>] <state>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *StatusSetOptions
			err := runCmd(t, testFactory(t, tt.env), func(f *Factory) *cobra.Command {
				c := NewCmdStatus(f)
				set, _, _ := c.Find([]string{"set"})
				c.RemoveCommand(set)
				c.AddCommand(NewCmdStatusSet(f, func(_ context.Context, o *StatusSetOptions) error { got = o; return nil }))
				return c
			}, tt.line)
			if tt.wantErr != "" {
				wantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.DeploymentID != tt.wantID || string(got.State) != tt.want || (tt.wantRepo != "" && got.RepoFlag != tt.wantRepo) {
				t.Errorf("got id %d state %s repo %q", got.DeploymentID, got.State, got.RepoFlag)
			}
		})
	}
}

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
			var got *CreateOptions
			f := testFactory(t, env)
			if tt.exe != "" {
				f.Executable = tt.exe
			}
			err := runCmd(t, f, func(f *Factory) *cobra.Command {
				return NewCmdCreate(f, func(_ context.Context, o *CreateOptions) error { got = o; return nil })
			}, tt.line)
			if tt.wantErr != "" {
				wantUsageError(t, err, tt.wantErr)
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

func TestRepoResolution(t *testing.T) {
	tests := []struct {
		flag    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{flag: "octo/demo", want: "github.com/octo/demo"},
		{flag: "ghe.example.com:8443/octo/demo", want: "ghe.example.com:8443/octo/demo"},
		{env: map[string]string{"GH_REPO": "a/b", "GITHUB_REPOSITORY": "c/d"}, want: "github.com/a/b"},
		{env: map[string]string{"GITHUB_REPOSITORY": "c/d", "GH_HOST": "ghe.io"}, want: "ghe.io/c/d"},
		{flag: "octo", wantErr: "[HOST/]OWNER/REPO"},
		{flag: "a/b/c/d", wantErr: "[HOST/]OWNER/REPO"},
		{flag: "a b/c", wantErr: "[HOST/]OWNER/REPO"},
		{wantErr: "use --repo"},
	}
	for _, tt := range tests {
		t.Run(tt.flag+tt.want, func(t *testing.T) {
			r, err := testFactory(t, tt.env).Repo(tt.flag)
			if tt.wantErr != "" {
				wantUsageError(t, err, tt.wantErr)
				return
			}
			if got := r.Host + "/" + r.Owner + "/" + r.Name; err != nil || got != tt.want {
				t.Errorf("got %s, %v", got, err)
			}
		})
	}
}

// wantUsageError fails t unless err is a usage error (exit 2) that says want.
func wantUsageError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want a usage error saying %q", err, want)
	}
}
