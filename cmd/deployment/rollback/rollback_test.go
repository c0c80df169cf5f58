package rollback_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/rollback"
)

func TestRollbackFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		check   func(*testing.T, *rollback.RollbackOptions)
		wantErr string
	}{
		{
			name: "defaults",
			line: "rollback production",
			check: func(t *testing.T, o *rollback.RollbackOptions) {
				if o.Environment != "production" || o.To != 0 || o.Yes || o.Request.Task != "deploy" || o.Request.Payload != nil {
					t.Errorf("options %+v", o)
				}
			},
		},
		{
			name: "--to and create's flags",
			line: `rollback production --to 12 -y --payload '{"why":"bug"}' -d "roll back"`,
			check: func(t *testing.T, o *rollback.RollbackOptions) {
				if o.To != 12 || !o.Yes || string(o.Request.Payload) != `{"why":"bug"}` || o.Request.Description != "roll back" {
					t.Errorf("options %+v", o)
				}
			},
		},
		{name: "no environment", line: "rollback", wantErr: "takes 1 argument(s)"},
		{name: "empty environment", line: "rollback ''", wantErr: "must not be empty"},
		{name: "bad --to", line: "rollback production --to 0", wantErr: "invalid deployment ID 0 for --to"},
		{name: "payload not an object", line: "rollback production --payload 42", wantErr: "--payload must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *rollback.RollbackOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", rollback.NewCmdRollback(f, func(o *rollback.RollbackOptions) error { got = o; return nil }), tt.line)
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

func deployTo(s *cmdtest.Session, env, message, state string) (string, string) {
	s.T.Helper()
	sha := s.GH.Repo("octo/demo").Commit("main", message, "octocat")
	s.TTY, s.StdinTTY = false, false
	id := strings.TrimSpace(s.Run("create --skip-checks -e " + env + " --ref " + sha).WantExit(0).Out)
	s.Run("status set " + id + " " + state).WantExit(0)
	return id, sha
}

func TestRollback(t *testing.T) {
	s := cmdtest.NewSession(t)
	goodID, goodSHA := deployTo(s, "production", "good", "success")
	deployTo(s, "production", "broken", "failure")
	activeID, activeSHA := deployTo(s, "production", "bad", "success")

	s.TTY, s.StdinTTY, s.Stdin = true, true, "y\n"
	s.Run("rollback production").WantExit(0).WantOut("✓ Created deployment 4 of " + goodSHA[:7] + " to production in octo/demo\n")
	want := "production runs " + activeSHA[:7] + " (deployment " + activeID + "); rolling back to " + goodSHA[:7] + " (deployment " + goodID + "): 0 commits ahead, 2 behind\n" +
		"  https://github.com/octo/demo/compare/" + activeSHA + "..." + goodSHA + "\n" +
		"Roll production back to " + goodSHA[:7] + " (deployment " + goodID + ")? [y/N] "
	if s.Err != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", s.Err, want)
	}
	body := s.Bodies("POST", "/repos/octo/demo/deployments")[3]
	if p, _ := body["payload"].(map[string]any); body["ref"] != goodSHA || p["rollback_of"] != float64(atoi(t, activeID)) {
		t.Errorf("request %v", body)
	}

	// Off a terminal, no question; --to names the deployment.
	s.TTY, s.StdinTTY, s.Stdin = false, false, ""
	s.Run("rollback production --to " + goodID).WantExit(0).WantOut("5\n")
	if s.Err != "" {
		t.Errorf("stderr %q", s.Err)
	}
}

// TestRollbackNothing: nothing to roll back to is exit 1, nothing created.
func TestRollbackNothing(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("rollback production --yes").WantExit(1).WantErrContains("nothing to roll back: production has no deployments; nothing was created")
	deployTo(s, "production", "only", "success")
	s.Run("rollback production --yes").WantExit(1).WantErrContains("nothing to roll back to: no deployment to production older than the active one")
	deployTo(s, "production", "failed", "failure")
	s.Run("rollback production").WantExit(1).WantErrContains("nothing to roll back to")
	if n := len(s.GH.Deployments("octo/demo")); n != 2 {
		t.Fatalf("%d deployments, want the 2 of the test", n)
	}
	if n := len(s.Bodies("POST", "/repos/octo/demo/deployments")); n != 2 {
		t.Fatalf("%d creations", n)
	}
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
