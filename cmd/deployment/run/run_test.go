package run_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/run"
)

// deploymentEvent writes a workflow's on: deployment event for deployment
// id of repo and returns its path.
func deploymentEvent(t *testing.T, repo string, id int64, env string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "event.json")
	body := `{"action":"created","deployment":{"id":` + strconv.FormatInt(id, 10) + `,"sha":"` + strings.Repeat("a", 40) +
		`","ref":"main","task":"deploy","payload":{"k":1},"environment":"` + env + `","description":"from the event","creator":{"login":"octocat"}},` +
		`"repository":{"full_name":"` + repo + `"}}`
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunFlags(t *testing.T) {
	pushEvent := filepath.Join(t.TempDir(), "push.json")
	if err := os.WriteFile(pushEvent, []byte(`{"ref":"refs/heads/main"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	depEvent := deploymentEvent(t, "octo/other", 77, "staging")
	tests := []struct {
		name    string
		line    string
		env     map[string]string
		check   func(*testing.T, *run.RunOptions)
		wantErr string
	}{
		{
			name: "creates with create's flags",
			line: "run --ref main -e staging --task deploy:migrate --payload '{\"a\":1}' --timeout 90s --log-url https://ci/1 --environment-url https://app -- ./deploy.sh --flag x",
			check: func(t *testing.T, o *run.RunOptions) {
				req, err := o.Request(o.Getenv, o.IO.In)
				if err != nil || req.Ref != "main" || req.Environment != "staging" || req.Task != "deploy:migrate" || string(req.Payload) != `{"a":1}` {
					t.Errorf("request %+v, %v", req, err)
				}
				if strings.Join(o.Argv, "|") != "./deploy.sh|--flag|x" || o.Timeout != 90*time.Second || o.LogURL != "https://ci/1" ||
					o.EnvironmentURL != "https://app" || o.ID != 0 || o.Event != nil {
					t.Errorf("options %+v", o)
				}
			},
		},
		{
			name: "--id",
			line: "run --id 42 -- true",
			check: func(t *testing.T, o *run.RunOptions) {
				if o.ID != 42 || o.Event != nil {
					t.Errorf("options %+v", o)
				}
			},
		},
		{
			name: "the deployment event",
			line: "run -- true",
			env:  map[string]string{"GITHUB_EVENT_PATH": depEvent},
			check: func(t *testing.T, o *run.RunOptions) {
				if o.Event == nil || o.Event.ID != 77 || o.Event.Environment != "staging" || o.RepoFlag != "octo/other" {
					t.Errorf("options %+v event %+v", o, o.Event)
				}
			},
		},
		{
			name: "--repo on the command line beats the event's",
			line: "run -R octo/demo -- true",
			env:  map[string]string{"GITHUB_EVENT_PATH": depEvent},
			check: func(t *testing.T, o *run.RunOptions) {
				if o.Event == nil || o.RepoFlag != "octo/demo" {
					t.Errorf("options %+v", o)
				}
			},
		},
		{
			name: "--ref creates despite the event",
			line: "run --ref main -- true",
			env:  map[string]string{"GITHUB_EVENT_PATH": depEvent},
			check: func(t *testing.T, o *run.RunOptions) {
				if o.Event != nil {
					t.Errorf("event taken: %+v", o.Event)
				}
			},
		},
		{
			name: "a push event: create",
			line: "run -- true",
			env:  map[string]string{"GITHUB_EVENT_PATH": pushEvent, "GITHUB_ACTIONS": "true", "GITHUB_SHA": "abc1234"},
			check: func(t *testing.T, o *run.RunOptions) {
				req, err := o.Request(o.Getenv, o.IO.In)
				if o.Event != nil || err != nil || req.Ref != "abc1234" {
					t.Errorf("event %+v request %+v, %v", o.Event, req, err)
				}
			},
		},
		{
			name: "environment from the config layer is not an error with --id",
			line: "run --id 1 -- true",
			env:  map[string]string{},
			check: func(t *testing.T, o *run.RunOptions) {
				if o.ID != 1 {
					t.Errorf("options %+v", o)
				}
			},
		},
		{name: "no --", line: "run ./deploy.sh", wantErr: "put -- before the command"},
		{name: "nothing at all", line: "run", wantErr: "no command to run"},
		{name: "nothing after --", line: "run -e staging --", wantErr: "no command after --"},
		{name: "argument before --", line: "run stray -- true", wantErr: `unexpected argument "stray" before --`},
		{name: "empty command", line: "run -- ''", wantErr: "the command after -- is empty"},
		{name: "empty --log-url", line: "run --log-url '' -- true", wantErr: "--log-url must not be empty"},
		{name: "empty --environment-url", line: "run --environment-url '' -- true", wantErr: "--environment-url must not be empty"},
		{name: "negative --timeout", line: "run --timeout -1s -- true", wantErr: "--timeout must not be negative"},
		{name: "bad --id", line: "run --id 0 -- true", wantErr: "invalid deployment ID 0"},
		{name: "-e with --id", line: "run --id 4 -e staging -- true", wantErr: "--environment applies only when run creates the deployment, not with --id"},
		{name: "--ref with --id", line: "run --id 4 --ref main -- true", wantErr: "--ref applies only when run creates the deployment, not with --id"},
		{name: "--ref from the environment with --id", line: "run --id 4 -- true", env: map[string]string{"DEPLOYCTL_REF": "main"}, wantErr: "--ref applies only"},
		{name: "-e from the environment with --id", line: "run --id 4 -- true", env: map[string]string{"DEPLOYCTL_ENVIRONMENT": "qa"}, wantErr: "--environment applies only"},
		{name: "--payload with the event", line: "run --payload '{}' -- true", env: map[string]string{"GITHUB_EVENT_PATH": depEvent}, wantErr: "--payload applies only when run creates the deployment; this one comes from GITHUB_EVENT_PATH"},
		{name: "unreadable event", line: "run -- true", env: map[string]string{"GITHUB_EVENT_PATH": filepath.Join(t.TempDir(), "missing")}, wantErr: "read event file"},
		{name: "invalid payload", line: "run --ref main --payload '{' -- true", wantErr: "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *run.RunOptions
			f := cmdtest.Factory(t, tt.env)
			err := cmdtest.RunCmd(t, f, "", run.NewCmdRun(f, func(o *run.RunOptions) error {
				got = o
				if _, err := o.Request(o.Getenv, o.IO.In); err != nil && o.ID == 0 && o.Event == nil {
					return err
				}
				return nil
			}), tt.line)
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

// sh is a command line for run that runs script in sh.
func sh(script string) string { return "-- sh -c '" + script + "'" }

func TestRun(t *testing.T) {
	s := cmdtest.NewSession(t)
	short := s.SHA[:7]
	for _, tty := range []bool{false, true} {
		s.TTY = tty
		s.GH.ResetRequests()
		s.Run("run --ref main -e staging --log-url https://ci.example.com/1 " + sh(`echo "deploying $DEPLOY_ID $DEPLOY_ENVIRONMENT $DEPLOY_SHA"; echo https://staging.example.com > "$DEPLOY_ENVIRONMENT_URL_FILE"`)).WantExit(0)
		ds := s.GH.Deployments("octo/demo")
		d := ds[len(ds)-1]
		id := strconv.FormatInt(d.ID, 10)
		s.WantOut("deploying " + id + " staging " + s.SHA + "\n")
		if len(d.Statuses) != 2 || d.Statuses[0].State != "in_progress" || d.Statuses[1].State != "success" ||
			d.Statuses[1].EnvironmentURL != "https://staging.example.com" || d.Statuses[1].LogURL != "https://ci.example.com/1" {
			t.Fatalf("statuses %+v", d.Statuses)
		}
		want := "deployctl: deployment " + id + " of main (" + short + ") to staging in octo/demo: running sh\n" +
			"deployctl: deployment " + id + ": success: " + d.Statuses[1].Description + "\n"
		if s.Err != want {
			t.Errorf("tty=%v stderr:\n%s\nwant:\n%s", tty, s.Err, want)
		}
		if n := len(s.GH.Requests()); n != 4 {
			t.Errorf("%d requests, want 4 (the lock check, create, in_progress, success)", n)
		}
	}
}

func TestRunFailure(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("run --ref main " + sh(`echo oops >&2; exit 3`)).WantExit(3)
	d := s.GH.Deployments("octo/demo")[0]
	if len(d.Statuses) != 2 || d.Statuses[1].State != "failure" || !strings.HasPrefix(d.Statuses[1].Description, "Deploy command exited with status 3 after ") {
		t.Fatalf("statuses %+v", d.Statuses)
	}
	want := "deployctl: deployment 1 of main (" + s.SHA[:7] + ") to production in octo/demo: running sh\n" +
		"oops\n" +
		"deployctl: deployment 1: failure: " + d.Statuses[1].Description + "\n"
	if s.Err != want || s.Out != "" {
		t.Errorf("stdout %q stderr:\n%s\nwant:\n%s", s.Out, s.Err, want)
	}
}

func TestRunNotFound(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("run --ref main -- deployctl-no-such-command").WantExit(127).WantErrContains("deployctl: deployment 1: error: Deploy command could not run: ")
	if d := s.GH.Deployments("octo/demo")[0]; len(d.Statuses) != 2 || d.Statuses[1].State != "error" {
		t.Fatalf("statuses %+v", d.Statuses)
	}
}

// TestRunExisting: --id costs one GET, the event none (besides the lock
// check); the statuses go to the event's repository.
func TestRunExisting(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("create --ref main -e qa").WantExit(0)
	s.GH.ResetRequests()
	s.Run("run --id 1 " + sh(`echo "$DEPLOY_ID $DEPLOY_ENVIRONMENT"`)).WantExit(0).WantOut("1 qa\n")
	if n := len(s.GH.Requests()); n != 4 {
		t.Errorf("--id: %d requests, want 4", n)
	}
	s.Run("run --id 99 -- true").WantExit(1).WantErrContains("404")

	s.GH.AddRepo("octo/other", "main")
	s.Run("create -R octo/other --ref main -e staging").WantExit(0)
	s.Env["GITHUB_EVENT_PATH"] = deploymentEvent(t, "octo/other", s.GH.Deployments("octo/other")[0].ID, "staging")
	s.GH.ResetRequests()
	s.Run("run " + sh(`echo "$DEPLOY_ENVIRONMENT $DEPLOY_PAYLOAD $DEPLOY_DESCRIPTION $DEPLOY_CREATOR"`)).WantExit(0).WantOut(`staging {"k":1} from the event octocat` + "\n")
	if n := len(s.GH.Requests()); n != 3 {
		t.Errorf("event: %d requests, want 3", n)
	}
	if d := s.GH.Deployments("octo/other")[0]; len(d.Statuses) != 2 || d.Statuses[1].State != "success" {
		t.Fatalf("statuses %+v", d.Statuses)
	}
}

// TestRunInActions: the log URL is the workflow run's, the new ID goes to
// $GITHUB_OUTPUT as create writes it.
func TestRunInActions(t *testing.T) {
	s := cmdtest.NewSession(t)
	out := filepath.Join(t.TempDir(), "output")
	for k, v := range map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SHA": s.SHA, "GITHUB_OUTPUT": out,
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "octo/demo", "GITHUB_RUN_ID": "555"} {
		s.Env[k] = v
	}
	s.Run("run " + sh(`echo "$DEPLOY_LOG_URL"`)).WantExit(0).WantOut("https://github.com/octo/demo/actions/runs/555\n")
	d := s.GH.Deployments("octo/demo")[0]
	if d.SHA != s.SHA || d.Statuses[0].LogURL != "https://github.com/octo/demo/actions/runs/555" || d.Statuses[1].LogURL != d.Statuses[0].LogURL {
		t.Fatalf("deployment %+v", d)
	}
	if b, _ := os.ReadFile(out); string(b) != "deployment-id=1\n" {
		t.Errorf("GITHUB_OUTPUT = %q", b)
	}
	// The ref is GITHUB_SHA: the SHA is named once.
	if want := "deployctl: deployment 1 of " + s.SHA[:7] + " to production in octo/demo: running sh\n"; !strings.HasPrefix(s.Err, want) {
		t.Errorf("stderr %q, want it to start with %q", s.Err, want)
	}
}

// TestRunBadInputSendsNothing: usage errors exit 2 before any request.
func TestRunBadInputSendsNothing(t *testing.T) {
	s := cmdtest.NewSession(t)
	for _, line := range []string{"run", "run --ref main", "run --ref main ./deploy.sh", "run --ref main --", "run --ref main --payload '{' -- true", "run --id 1 -e qa -- true"} {
		s.Run(line).WantExit(2)
	}
	if n := len(s.GH.Requests()); n != 0 {
		t.Fatalf("%d requests after usage errors", n)
	}
}

func TestRunConflict(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.Repo("octo/demo").SetCommitStatus("main", "ci/build", "failure")
	marker := filepath.Join(t.TempDir(), "ran")
	s.Run("run --ref main -- touch "+marker).WantExit(1).WantErrContains("HTTP 409", "--skip-checks")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command ran")
	}
}

// TestRunGitHubOutputFails: the deployment was created but its ID could
// not be written to $GITHUB_OUTPUT: the deploy still runs and is recorded
// (a deployment left pending would be worse), and deployctl says what failed.
func TestRunGitHubOutputFails(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	s := cmdtest.NewSession(t)
	s.Env["GITHUB_ACTIONS"], s.Env["GITHUB_SHA"], s.Env["GITHUB_OUTPUT"] = "true", s.SHA, "/dev/full"
	s.Run("run -- true").WantExit(0).WantErrContains("deployctl: ", "GITHUB_OUTPUT", "created deployment 1")
	if d := s.GH.Deployments("octo/demo")[0]; len(d.Statuses) != 2 || d.Statuses[1].State != "success" {
		t.Fatalf("statuses %+v", d.Statuses)
	}
}
