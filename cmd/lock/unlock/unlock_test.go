package unlock_test

import (
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/lock/unlock"
)

func TestUnlockFlags(t *testing.T) {
	f := cmdtest.Factory(t, nil)
	var got *unlock.UnlockOptions
	if err := cmdtest.RunCmd(t, f, "", unlock.NewCmdUnlock(f, func(o *unlock.UnlockOptions) error { got = o; return nil }), "unlock --global --yes"); err != nil || got.Environment != "" || !got.Yes {
		t.Fatalf("%+v %v", got, err)
	}
	err := cmdtest.RunCmd(t, f, "", unlock.NewCmdUnlock(f, func(*unlock.UnlockOptions) error { t.Fatal("ran"); return nil }), "unlock production")
	cmdtest.WantUsageError(t, err, "pass --yes to do it off a terminal")
}

func TestUnlock(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("lock production --reason 'db work'").WantExit(0)

	// Off a terminal without --yes: exit 2, nothing sent.
	s.GH.ResetRequests()
	s.Run("unlock production").WantExit(2).WantErrContains("pass --yes to do it off a terminal")
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// A terminal: the question names the owner; no keeps the lock.
	s.TTY, s.StdinTTY, s.Stdin = true, true, "n\n"
	s.Run("unlock production").WantExit(2).WantErrContains("Remove octocat's lock on production (held 0s: db work)? [y/N]")
	if _, ok := s.GH.Repo("octo/demo").BranchFile("production-branch-deploy-lock", "lock.json"); !ok {
		t.Fatal("the lock is gone after no")
	}
	s.Stdin = "y\n"
	s.Run("unlock production").WantExit(0).WantOut("✓ Removed octocat's lock on production (held 0s: db work)\n")
	s.TTY, s.StdinTTY = false, false
	s.Run("unlock production --yes").WantExit(1).WantErrContains("production is not locked in octo/demo")
	s.Run("lock --global").WantExit(0)
	s.Run("unlock --global --yes").WantExit(0).WantOut("Removed octocat's lock on every environment (global lock) (held 0s)\n")
	// A reason's newline or tab is shown escaped, as a table cell: one line.
	s.Run("lock qa --reason 'db\nmigration\tx'").WantExit(0)
	s.Run("unlock qa --yes").WantExit(0).WantOut("Removed octocat's lock on qa (held 0s: db\\nmigration\\tx)\n")
}
