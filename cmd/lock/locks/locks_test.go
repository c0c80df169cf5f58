package locks_test

import (
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/internal/lock"
	"github.com/deployctl/gh-deployctl/internal/lock/locktest"
)

func TestLocks(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.TTY = true
	s.Run("locks").WantExit(0).WantOut("")
	s.Run("lock production --reason 'db\twork' --ttl 1h").WantExit(0)
	locktest.WriteAsBranchDeploy(t, s.GH, lock.GlobalBranch, locktest.BranchDeployJSON("", "monalisa", "freeze"))

	s.Run("locks").WantExit(0).WantOut("" +
		"ENVIRONMENT  OWNER     REASON    SINCE                   EXPIRES\n" +
		"global       monalisa  freeze    about 4 years ago       \n" +
		"production   octocat   db\\twork  less than a minute ago  in 1h\n")
	s.TTY = false
	s.Run("locks").WantExit(0).WantOut("" +
		"global\tmonalisa\tfreeze\t2022-06-15T21:12:14Z\t\n" +
		"production\toctocat\tdb\\twork\t2026-11-25T12:00:00Z\t2026-11-25T13:00:00Z\n")
	s.Run("locks --json environment,global,createdBy,link,branch,lockBranch --jq '.[1]'").WantExit(0).
		WantOut(`{"branch":"","createdBy":"octocat","environment":"production","global":false,"link":"","lockBranch":"production-branch-deploy-lock"}` + "\n")
}

func TestLocksPagesOnATerminal(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("lock production --reason db").WantExit(0)
	s.WantPaged("locks")
}
