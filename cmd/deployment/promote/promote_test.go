package promote_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/promote"
)

func TestPromoteFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		check   func(*testing.T, *promote.PromoteOptions)
		wantErr string
	}{
		{
			name: "create's flags but --ref and -e",
			line: `promote staging production --task deploy:fast -d "ship it" --payload '{"a":1}' --skip-checks --yes`,
			check: func(t *testing.T, o *promote.PromoteOptions) {
				r := o.Request
				if o.From != "staging" || o.To != "production" || !o.Yes || r.Task != "deploy:fast" || r.Description != "ship it" ||
					string(r.Payload) != `{"a":1}` || r.RequiredContexts == nil || len(*r.RequiredContexts) != 0 || r.Ref != "" || r.Environment != "" {
					t.Errorf("options %+v request %+v", o, r)
				}
			},
		},
		{name: "same environment twice", line: "promote staging staging", wantErr: "cannot promote staging to itself"},
		{name: "one environment", line: "promote staging", wantErr: "takes 2 argument(s)"},
		{name: "empty environment", line: "promote '' production", wantErr: "must not be empty"},
		{name: "--ref is not a flag", line: "promote staging production --ref main", wantErr: "unknown flag: --ref"},
		{name: "-e is not a flag", line: "promote staging production -e qa", wantErr: "unknown shorthand flag: 'e'"},
		{name: "payload not an object", line: "promote staging production --payload '[1]'", wantErr: "--payload must be a JSON object"},
		{name: "payload not JSON", line: "promote staging production --payload '{'", wantErr: "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *promote.PromoteOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", promote.NewCmdPromote(f, func(o *promote.PromoteOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				if !strings.Contains(tt.wantErr, "unknown") {
					cmdtest.WantUsageError(t, err, tt.wantErr)
				} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

// deployTo creates a deployment of a new commit to env with a success
// status and returns its ID and SHA.
func deployTo(s *cmdtest.Session, env, message string) (string, string) {
	s.T.Helper()
	sha := s.GH.Repo("octo/demo").Commit("main", message, "octocat")
	s.TTY = false
	id := strings.TrimSpace(s.Run("create --skip-checks -e " + env + " --ref " + sha).WantExit(0).Out)
	s.Run("status set " + id + " success").WantExit(0)
	return id, sha
}

func TestPromote(t *testing.T) {
	s := cmdtest.NewSession(t)
	prodID, prodSHA := deployTo(s, "production", "first")
	stagingID, stagingSHA := deployTo(s, "staging", "second")
	s.GH.Repo("octo/demo").Commit("main", "third, not deployed", "octocat")
	created := func() string { return strconv.Itoa(len(s.GH.Deployments("octo/demo"))) }

	// A terminal: the summary, the question, no.
	s.TTY, s.StdinTTY, s.Stdin = true, true, "n\n"
	s.Run("promote staging production").WantExit(2).WantOut("")
	summary := "production runs " + prodSHA[:7] + " (deployment " + prodID + "); staging runs " + stagingSHA[:7] + " (deployment " + stagingID + "): 1 commit ahead, 0 behind\n" +
		"  https://github.com/octo/demo/compare/" + prodSHA + "..." + stagingSHA + "\n" +
		"Promote " + stagingSHA[:7] + " (deployment " + stagingID + ") from staging to production? [y/N] "
	if want := summary + "Cancelled: nothing was created.\n"; s.Err != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", s.Err, want)
	}
	if created() != "2" {
		t.Fatalf("%s deployments after no", created())
	}

	// Yes.
	s.Stdin = "y\n"
	s.Run("promote staging production --payload '{\"a\":1}'").WantExit(0).
		WantOut("✓ Created deployment 3 of " + stagingSHA[:7] + " to production in octo/demo\n")
	if s.Err != summary {
		t.Errorf("stderr:\n%s\nwant:\n%s", s.Err, summary)
	}
	body := s.Bodies("POST", "/repos/octo/demo/deployments")[2]
	if body["ref"] != stagingSHA || body["environment"] != "production" || body["auto_merge"] != false {
		t.Errorf("request %v", body)
	}
	if p, _ := body["payload"].(map[string]any); p["a"] != float64(1) || p["promoted_from"] != float64(mustAtoi(t, stagingID)) {
		t.Errorf("payload %v", body["payload"])
	}

	// --yes: no question. Off a terminal: no question either, the ID alone.
	s.Stdin = ""
	s.Run("promote staging production --yes").WantExit(0).WantOut("✓ Created deployment 4 of " + stagingSHA[:7] + " to production in octo/demo\n")
	if s.Err != "" {
		t.Errorf("stderr %q with --yes", s.Err)
	}
	s.TTY, s.StdinTTY = false, false
	s.Run("promote staging qa").WantExit(0).WantOut("5\n")
	if s.Err != "" {
		t.Errorf("stderr %q off a terminal", s.Err)
	}
}

func TestPromoteNothingToPromote(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("promote staging production").WantExit(1).WantErrContains("nothing to promote: staging has no deployments; nothing was created")
	if n := len(s.GH.Deployments("octo/demo")); n != 0 {
		t.Fatalf("%d deployments", n)
	}
}

func TestPromoteSameEnvironmentSendsNothing(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("promote staging staging --yes").WantExit(2).WantErrContains("cannot promote staging to itself")
	if n := len(s.GH.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
