package create_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/create"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

func TestCreateFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		env     map[string]string
		check   func(*testing.T, *create.CreateOptions)
		wantErr string
	}{
		{
			name: "defaults",
			line: "create --ref main",
			check: func(t *testing.T, o *create.CreateOptions) {
				req, err := o.Request()
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
			check: func(t *testing.T, o *create.CreateOptions) {
				req, err := o.Request()
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
			check: func(t *testing.T, o *create.CreateOptions) {
				req, _ := o.Request()
				if req.RequiredContexts == nil || len(*req.RequiredContexts) != 0 {
					t.Errorf("required contexts = %v", req.RequiredContexts)
				}
			},
		},
		{
			name: "ref from GITHUB_SHA in Actions",
			line: "create",
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SHA": "abc123"},
			check: func(t *testing.T, o *create.CreateOptions) {
				req, err := o.Request()
				if err != nil || req.Ref != "abc123" {
					t.Errorf("ref = %q, %v", req.Ref, err)
				}
			},
		},
		{
			name: "ref from the current branch",
			line: "create",
			check: func(t *testing.T, o *create.CreateOptions) {
				o.CurrentBranch = func() (string, error) { return "topic", nil }
				req, err := o.Request()
				if err != nil || req.Ref != "topic" {
					t.Errorf("ref = %q, %v", req.Ref, err)
				}
			},
		},
		{
			name: "no ref anywhere",
			line: "create",
			check: func(t *testing.T, o *create.CreateOptions) {
				o.CurrentBranch = func() (string, error) { return "", errors.New("detached") }
				_, err := o.Request()
				var ue *cmdutil.UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--ref") {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "invalid payload",
			line: `create --ref main --payload '{"a":'`,
			check: func(t *testing.T, o *create.CreateOptions) {
				_, err := o.Request()
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "not valid JSON") {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "--skip-checks beats contexts from the environment",
			line: "create --ref x --skip-checks",
			env:  map[string]string{"DEPLOYCTL_REQUIRED_CONTEXTS": "a"},
			check: func(t *testing.T, o *create.CreateOptions) {
				req, err := o.Request()
				if err != nil || req.RequiredContexts == nil || len(*req.RequiredContexts) != 0 {
					t.Errorf("required contexts = %v, %v", req.RequiredContexts, err)
				}
			},
		},
		{
			name: "--required-contexts beats skip-checks from the environment",
			line: "create --ref x --required-contexts a",
			env:  map[string]string{"DEPLOYCTL_SKIP_CHECKS": "true"},
			check: func(t *testing.T, o *create.CreateOptions) {
				req, err := o.Request()
				if err != nil || req.RequiredContexts == nil || strings.Join(*req.RequiredContexts, ",") != "a" {
					t.Errorf("required contexts = %v, %v", req.RequiredContexts, err)
				}
			},
		},
		{name: "both skip-checks and contexts", line: "create --ref x --skip-checks --required-contexts a", wantErr: "only one of"},
		{name: "both from the environment", line: "create --ref x", env: map[string]string{"DEPLOYCTL_SKIP_CHECKS": "true", "DEPLOYCTL_REQUIRED_CONTEXTS": "a"}, wantErr: "only one of"},
		{name: "unknown json field", line: "create --ref x --json id,bogus", wantErr: `unknown JSON field: "bogus"`},
		{name: "jq without json", line: "create --ref x --jq .id", wantErr: "without specifying `--json`"},
		{name: "positional argument", line: "create main", wantErr: `unexpected argument "main": deployctl create takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *create.CreateOptions
			f := cmdtest.Factory(t, tt.env)
			err := cmdtest.RunCmd(t, f, "", create.NewCmdCreate(f, func(o *create.CreateOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

func TestCreate(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("create --ref main").WantExit(0).WantOut("1\n")
	got := s.Bodies("POST", "/repos/octo/demo/deployments")
	if len(got) != 1 || got[0]["auto_merge"] != false || got[0]["ref"] != "main" || got[0]["environment"] != "production" || got[0]["task"] != "deploy" {
		t.Errorf("request body = %v", got)
	}
	for _, k := range []string{"required_contexts", "transient_environment", "production_environment", "payload"} {
		if _, ok := got[0][k]; ok {
			t.Errorf("%s sent although not given", k)
		}
	}

	s.TTY = true
	s.Run(`create --ref main -e staging -d "first try"`).WantExit(0).
		WantOut("✓ Created deployment 2 of main (" + s.SHA[:7] + ") to staging in octo/demo\n")

	s.TTY = false
	s.Run(`create --ref main --payload '{"k": 1}' --skip-checks --transient --production --json id,environment,payload,transient,production`).WantExit(0).
		WantOut(`{"environment":"production","id":3,"payload":{"k":1},"production":true,"transient":true}` + "\n")
	body := s.Bodies("POST", "/repos/octo/demo/deployments")[2]
	if ctx, ok := body["required_contexts"].([]any); !ok || len(ctx) != 0 || body["transient_environment"] != true {
		t.Errorf("request body = %v", body)
	}
}

func TestCreateWritesGitHubOutput(t *testing.T) {
	s := cmdtest.NewSession(t)
	out := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(out, []byte("earlier=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Env["GITHUB_ACTIONS"] = "true"
	s.Env["GITHUB_SHA"] = s.SHA
	s.Env["GITHUB_OUTPUT"] = out
	s.Run("create").WantExit(0).WantOut("1\n")
	b, _ := os.ReadFile(out)
	if string(b) != "earlier=1\ndeployment-id=1\n" {
		t.Errorf("GITHUB_OUTPUT = %q", b)
	}
	if d := s.GH.Deployments("octo/demo"); len(d) != 1 || d[0].SHA != s.SHA {
		t.Errorf("deployments = %+v", d)
	}
}

func TestCreateConflictAndAutoMerge(t *testing.T) {
	s := cmdtest.NewSession(t)
	repo := s.GH.Repo("octo/demo")
	repo.SetCommitStatus("main", "ci/build", "failure")
	s.Run("create --ref main").WantExit(1).WantErrContains("HTTP 409", "Conflict", "--skip-checks", "--required-contexts")
	if n := len(s.GH.Deployments("octo/demo")); n != 0 {
		t.Fatalf("%d deployments after a 409", n)
	}
	s.Run("create --ref main --required-contexts ci/lint").WantExit(1).WantErrContains("HTTP 409")
	repo.SetCommitStatus("main", "ci/lint", "success")
	s.Run("create --ref main --required-contexts ci/lint").WantExit(0).WantOut("1\n")

	repo.AddBranch("topic", strings.Repeat("b", 40))
	repo.SetBehind("topic")
	s.Run("create --ref topic --auto-merge --skip-checks").WantExit(0).WantOut("2\n").WantErrContains("202", "once more")
	if n := len(s.Bodies("POST", "/repos/octo/demo/deployments")); n != 5 {
		t.Errorf("%d create requests, want 5", n)
	}
}

// TestCreateMergeConflictHint: a merge conflict (409 from --auto-merge)
// gets a hint that can fix it, not --skip-checks.
func TestCreateMergeConflictHint(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.Repo("octo/demo").AddBranch("topic", strings.Repeat("b", 40))
	s.GH.FailNextMessage("POST", "/repos/octo/demo/deployments", 1, 409, nil, "Conflict merging main into topic.")
	s.Run("create --ref topic --auto-merge").WantExit(1).
		WantErrContains("HTTP 409: Conflict merging main into topic.", "resolve the conflict in topic", "without --auto-merge")
	if strings.Contains(s.Err, "--skip-checks") {
		t.Errorf("a merge conflict got the --skip-checks hint: %s", s.Err)
	}
}
