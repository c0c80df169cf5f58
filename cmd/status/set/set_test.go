package set_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/status/set"
)

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
		{name: "too many args", line: "status set 1 2 success", wantErr: "deployctl status set takes 1 to 2 argument(s) ([<deployment-id>] <state>), got 3"},
		{name: "an ID and no state", line: "status set 1000", wantErr: "no state given for deployment 1000: deployctl status set 1000 <state>, the state one of error, failure"},
		{name: "no arguments", line: "status set", wantErr: "takes 1 to 2 argument(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *set.SetOptions
			f := cmdtest.Factory(t, tt.env)
			err := cmdtest.RunCmd(t, f, "status", set.NewCmdSet(f, func(o *set.SetOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
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

func TestStatusSetFromWorkflowEvent(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.AddRepo("octo/other", "main")
	s.Run("create --ref main -R octo/other").WantExit(0).WantOut("1\n")
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"action":"created","deployment":{"id":1,"environment":"production"},"repository":{"full_name":"octo/other"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Env["GITHUB_EVENT_PATH"] = event
	s.Run("status set in_progress --auto-inactive=false").WantExit(0).WantOut("100001\n")
	b := s.Bodies("POST", "/repos/octo/other/deployments/1/statuses")
	if len(b) != 1 || b[0]["state"] != "in_progress" || b[0]["auto_inactive"] != false {
		t.Errorf("status request = %v", b)
	}
}

// TestStatusSetNamesTheStatusWhenALaterStepFails: after GitHub took the
// status, a failing --jq still says what was added.
func TestStatusSetNamesTheStatusWhenALaterStepFails(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedDeployments("octo/demo", 1)
	s.Run(`status set 1 success --json id --jq 'error("boom")'`).WantExit(1).
		WantErrContains("added status", "(success) to deployment 1 in octo/demo", "boom")
}
