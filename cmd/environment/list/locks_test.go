package list_test

import (
	"testing"

	deploylock "github.com/deployctl/gh-deployctl/internal/lock"
	"github.com/deployctl/gh-deployctl/internal/lock/locktest"
)

// The LOCK column shows deployctl's locks and branch-deploy's; the global lock shows on every environment.
func TestEnvironmentsShowLocks(t *testing.T) {
	s := setUp(t)
	s.Run("lock staging --reason 'load test'").WantExit(0)
	s.GH.ResetRequests()
	s.Run("envs --json name,lock --jq '.[] | [.name, .lock.createdBy, .lock.reason] | @tsv'").WantExit(0).
		WantOut("production\t\t\nqa\t\t\nstaging\toctocat\tload test\n")
	if n := len(s.GH.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	locktest.WriteAsBranchDeploy(t, s.GH, deploylock.GlobalBranch, locktest.BranchDeployJSON("", "monalisa", "freeze"))
	s.Run("envs --json name,lock --jq '.[] | [.name, .lock.createdBy, .lock.global] | @tsv'").WantExit(0).
		WantOut("production\tmonalisa\ttrue\nqa\tmonalisa\ttrue\nstaging\tmonalisa\ttrue\n")
}

// An expired lock is not shown as held (create ignores it too); a live global lock shows through it.
func TestEnvironmentsHideExpiredLocks(t *testing.T) {
	s := setUp(t)
	expired := []byte(`{"reason": "old", "branch": null, "created_at": "2020-01-01T00:00:00Z", "created_by": "monalisa",
		"sticky": true, "environment": "staging", "global": false, "unlock_command": ".unlock staging", "link": null,
		"expires_at": "2020-01-01T01:00:00Z"}`)
	locktest.WriteAsBranchDeploy(t, s.GH, deploylock.BranchName("staging"), expired)
	s.Run("envs --json name,lock --jq '.[] | [.name, .lock.createdBy // \"-\"] | @tsv'").WantExit(0).
		WantOut("production\t-\nqa\t-\nstaging\t-\n")
	locktest.WriteAsBranchDeploy(t, s.GH, deploylock.GlobalBranch, locktest.BranchDeployJSON("", "hubot", "freeze"))
	s.Run("envs --json name,lock --jq '.[] | [.name, .lock.createdBy // \"-\"] | @tsv'").WantExit(0).
		WantOut("production\thubot\nqa\thubot\nstaging\thubot\n")
}
