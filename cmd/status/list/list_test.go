package list_test

import (
	"testing"

	"github.com/MakeNowJust/heredoc"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
)

// TestStatusListKeepsOneStatusPerLine: a description with a newline or a
// tab is shown escaped, so TSV and table rows stay one per status.
func TestStatusListKeepsOneStatusPerLine(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("create --ref main").WantExit(0)
	s.Run("status set 1 failure -d 'step 1 ok\nstep 2:\tfailed'").WantExit(0)
	s.Run("status list 1").WantExit(0).WantOut("100001\tfailure\tproduction\tstep 1 ok\\nstep 2:\\tfailed\toctocat\t2026-01-01T00:00:03Z\n")
	s.TTY, s.Width = true, 120
	s.Run("status list 1").WantExit(0).WantOut(heredoc.Doc(`
		ID      STATE    ENVIRONMENT  DESCRIPTION                 CREATOR  CREATED
		100001  failure  production   step 1 ok\nstep 2:\tfailed  octocat  about 10 months ago
	`))
	// JSON keeps the text as it is.
	s.TTY = false
	s.Run("status list 1 --json description --jq '.[0].description'").WantExit(0).WantOut("step 1 ok\nstep 2:\tfailed\n")
}
