package lock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/lock/lock"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func TestLockFlags(t *testing.T) {
	tests := []struct {
		line, env, reason, wantErr string
		ttl                        time.Duration
	}{
		{line: "lock production --reason fixing --ttl 2h", env: "production", reason: "fixing", ttl: 2 * time.Hour},
		{line: "lock --global", env: ""},
		{line: "lock", wantErr: "name the environment to lock, or pass --global"},
		{line: "lock production --global", wantErr: "not both"},
		{line: "lock ''", wantErr: "must not be empty"},
		{line: "lock global", wantErr: `"global" names the global lock: pass --global`},
		{line: "lock a b", wantErr: "takes one environment"},
		{line: "lock production --ttl 0s", wantErr: "--ttl must be a positive duration"},
		{line: "lock production --reason ''", wantErr: "--reason must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var got *lock.LockOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", lock.NewCmdLock(f, func(o *lock.LockOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Environment != tt.env || got.Reason != tt.reason || got.TTL != tt.ttl {
				t.Errorf("options %+v", got)
			}
		})
	}
}

func TestLock(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.AddTokenFor("bob-token", "bob", true)

	s.TTY = true
	s.Run("lock production --reason 'migrating the db' --ttl 90m").WantExit(0).
		WantOut("✓ Locked production in octo/demo for 1h30m: migrating the db\n")
	s.Run("lock production").WantExit(0).WantOut("✓ You already hold the lock on production (locked 0s ago)\n")
	// A reason's newline or tab is shown escaped, as a table cell: one line.
	s.Run("lock qa --reason 'db\nmigration\tx'").WantExit(0).WantOut("✓ Locked qa in octo/demo: db\\nmigration\\tx\n")
	s.TTY = false
	s.Run("lock staging").WantExit(0).WantOut("staging-branch-deploy-lock\n")

	// Someone else: exit 1 naming the owner, how long, why; nothing written.
	s.Env["GH_TOKEN"] = "bob-token"
	s.GH.ResetRequests()
	s.Run("lock production").WantExit(1).WantErrContains(
		"cannot lock: production is locked by octocat for 0s: migrating the db (expires in 1h30m)",
		"Wait for it, or ask octocat to run `deployctl unlock production`")
	for _, r := range s.GH.Requests() {
		if r.Method != "GET" && r.Path != "/graphql" {
			t.Errorf("a refused lock sent %s %s", r.Method, r.Path)
		}
	}
	if strings.Contains(s.Out, "locked") {
		t.Errorf("stdout %q", s.Out)
	}
	s.Env["GH_TOKEN"] = githubtest.DefaultToken
	s.Run("lock --global --json environment,global,createdBy,reason").WantExit(0).
		WantOut(`{"createdBy":"octocat","environment":"","global":true,"reason":""}` + "\n")
}
