package create_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/lock"
	"github.com/deployctl/gh-deployctl/internal/lock/locktest"
)

// create, run, promote and rollback refuse an environment locked by someone else: exit 1 naming the
// owner, age and reason, nothing created, and the check costs 2 requests.
func TestLockedEnvironmentRefused(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.AddTokenFor("alice-token", "alice", true)
	s.Env["GH_TOKEN"] = "alice-token"
	s.Run("lock production --reason 'db migration' --ttl 2h").WantExit(0)
	s.Env["GH_TOKEN"] = githubtest.DefaultToken

	s.GH.ResetRequests()
	s.Run("create --ref main -e production").WantExit(1).WantErrContains(
		"cannot deploy: production is locked by alice for 0s: db migration (expires in 2h); nothing was created",
		"Wait for it, ask alice to run `deployctl unlock production`, or pass --ignore-lock.")
	if got := s.GH.Requests(); len(got) != 2 || got[0].Path != "/graphql" || got[1].Path != "/user" {
		t.Errorf("the check sent %d requests: %+v", len(got), got)
	}
	marker := filepath.Join(t.TempDir(), "ran")
	s.Run("run --ref main -e production -- touch " + marker).WantExit(1).WantErrContains("production is locked by alice")
	if _, err := os.Stat(marker); err == nil {
		t.Error("run ran its command in a locked environment")
	}
	s.Run("create --ref main -e staging --skip-checks").WantExit(0)
	s.Run("status set 1 success").WantExit(0)
	s.Run("promote staging production").WantExit(1).WantErrContains("production is locked by alice")
	if n := len(s.GH.Deployments("octo/demo")); n != 1 {
		t.Fatalf("%d deployments: a refused deploy created one", n)
	}
	s.Run("create --ref main -e production --ignore-lock").WantExit(0)

	// The lock holder deploys; a global lock from branch-deploy stops everyone else everywhere.
	s.Env["GH_TOKEN"] = "alice-token"
	s.Run("create --ref main -e production").WantExit(0)
	s.Env["GH_TOKEN"] = githubtest.DefaultToken
	locktest.WriteAsBranchDeploy(t, s.GH, lock.GlobalBranch, locktest.BranchDeployJSON("", "monalisa", "release freeze"))
	s.Run("create --ref main -e qa").WantExit(1).WantErrContains("every environment is locked (global lock) by monalisa", "release freeze")
}

func TestExpiredLockIsNoted(t *testing.T) {
	s := cmdtest.NewSession(t)
	expired := `{"created_by":"alice","created_at":"2026-11-25T09:00:00Z","expires_at":"2026-11-25T10:00:00Z","environment":"production","global":false}`
	locktest.WriteAsBranchDeploy(t, s.GH, lock.BranchName("production"), []byte(expired))
	s.Run("create --ref main -e production").WantExit(0).WantErrContains("note: ignoring the lock on production by alice: it expired 2h ago")
}
