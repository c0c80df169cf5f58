package prune_test

import (
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/prune"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func TestPruneFlags(t *testing.T) {
	tests := []struct {
		line    string
		tty     bool
		wantErr string
		check   func(*prune.PruneOptions) bool
	}{
		{line: "prune --dry-run", check: func(o *prune.PruneOptions) bool { return o.DryRun && o.Keep == 1 && o.Rate == 60 && !o.Delete }},
		{line: "prune -e qa --ref main --keep 3 --older-than 720h --delete --rate 0 --yes", check: func(o *prune.PruneOptions) bool {
			return o.Environment == "qa" && o.Ref == "main" && o.Keep == 3 && o.OlderThan == 720*time.Hour && o.Delete && o.Rate == 0 && o.Yes
		}},
		{line: "prune", tty: true, check: func(o *prune.PruneOptions) bool { return !o.Yes }},
		{line: "prune", wantErr: "prune changes deployments: pass --yes to do it off a terminal"},
		{line: "prune --keep -1 --yes", wantErr: "--keep must be 0 or more"},
		{line: "prune --rate -5 --yes", wantErr: "--rate must be 0 or more"},
		{line: "prune --older-than 0s --yes", wantErr: "--older-than must be a positive duration"},
		{line: "prune -e '' --yes", wantErr: "must not be empty"},
		{line: "prune --yes --json", wantErr: "--json needs the fields"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			f := cmdtest.Factory(t, nil)
			f.IOStreams.SetStdoutTTY(tt.tty)
			f.IOStreams.SetStdinTTY(tt.tty)
			var got *prune.PruneOptions
			err := cmdtest.RunCmd(t, f, "", prune.NewCmdPrune(f, func(o *prune.PruneOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}

func TestPrune(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedHistory("octo/demo", 30, "production", "staging", "qa")

	// Off a terminal without --yes: exit 2 and not a request.
	s.GH.ResetRequests()
	s.Run("prune --delete").WantExit(2)
	if n := len(s.GH.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
	s.Run("prune --dry-run").WantExit(0).WantOut("Would deactivate 3 deployments in 3 environments; keeping 4, 23 already inactive\n")
	s.Run("prune --dry-run --delete --keep 2 -e qa --json id,action,state,reason").WantExit(0).WantOut(`[{"action":"kept","id":30,"reason":"newest","state":"success"},` +
		`{"action":"kept","id":27,"reason":"newest","state":"inactive"},{"action":"deleted","id":24,"reason":"","state":"inactive"},` +
		`{"action":"deleted","id":21,"reason":"","state":"failure"},{"action":"deleted","id":18,"reason":"","state":"inactive"},` +
		`{"action":"deleted","id":15,"reason":"","state":"inactive"},{"action":"deleted","id":12,"reason":"","state":"inactive"},` +
		`{"action":"deleted","id":9,"reason":"","state":"inactive"},{"action":"deleted","id":6,"reason":"","state":"inactive"},` +
		`{"action":"deleted","id":3,"reason":"","state":"inactive"}]` + "\n")
	if n := len(s.GH.Deployments("octo/demo")); n != 30 {
		t.Fatalf("a dry run changed something: %d deployments", n)
	}

	// A terminal: the plan as a question; no sends nothing.
	s.TTY, s.StdinTTY, s.Stdin = true, true, "n\n"
	s.Run("prune --delete --rate 0").WantExit(2).WantErrContains("Would delete 26 deployments in 3 environments; keeping 4 in octo/demo? [y/N]")
	s.Stdin = "y\n"
	s.GH.ResetRequests()
	s.Run("prune --delete --rate 0").WantExit(0).WantOut("Deleted 26 deployments in 3 environments; kept 4\n")
	if n := len(s.GH.Deployments("octo/demo")); n != 4 {
		t.Errorf("%d deployments left", n)
	}
	deletes := len(s.Bodies("DELETE", "/repos/octo/demo/deployments/1")) // any one of them was deleted once
	if deletes != 1 {
		t.Errorf("deployment 1 got %d DELETEs", deletes)
	}
	s.TTY, s.StdinTTY = false, false
	s.Run("prune --delete --yes").WantExit(0).WantOut("Nothing to clean up; kept 4\n")
}

// A secondary rate limit makes prune wait as GitHub says (Retry-After) and go on.
func TestPruneWaitsOutASecondaryLimit(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedHistory("octo/demo", 8, "production")
	s.GH.InjectSecondaryLimit(githubtest.SecondaryLimit{Method: "DELETE", After: 3, RetryAfter: 1})
	start := time.Now()
	s.Run("prune --delete --yes --rate 0").WantExit(0).WantOut("Deleted 7 deployments in 1 environment; kept 1\n").
		WantErrContains("Waiting 1s: GitHub's secondary rate limit.")
	if time.Since(start) < time.Second {
		t.Error("it did not wait for Retry-After")
	}
}
