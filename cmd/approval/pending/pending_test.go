package pending_test

import (
	"fmt"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func TestPending(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.TTY = true
	s.Run("pending").WantExit(0).WantOut("").WantErrContains("Nothing waits for a review in octo/demo")
	repo := s.GH.Repo("octo/demo")
	a := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "deploy", Environments: []string{"staging", "production"}})
	b := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "release", Environments: []string{"production"}, Reviewers: []string{"mona"}})
	s.TTY = false
	s.Run("pending").WantExit(0).WantOut(fmt.Sprintf(""+
		"%[2]d\trelease\tmain\tproduction\t2026-01-01T00:00:04Z\tno\n"+
		"%[1]d\tdeploy\tmain\tstaging\t2026-01-01T00:00:01Z\tyes\n"+
		"%[1]d\tdeploy\tmain\tproduction\t2026-01-01T00:00:01Z\tyes\n", a, b))
	s.Run("pending --json runId,environment,canApprove,reviewers --jq '.[0]'").WantExit(0).
		WantOut(fmt.Sprintf(`{"canApprove":false,"environment":"production","reviewers":["mona"],"runId":%d}`+"\n", b))
}

func TestPendingPagesOnATerminal(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.Repo("octo/demo").AddWaitingRun(githubtest.WaitingRun{Workflow: "deploy", Environments: []string{"production"}})
	s.WantPaged("pending")
}
