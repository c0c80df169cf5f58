package list_test

import (
	"strings"
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

// TestStatusListLimit: -L bounds the list as on list, newest first.
func TestStatusListLimit(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("create --ref main").WantExit(0)
	for _, state := range []string{"queued", "in_progress", "success"} {
		s.Run("status set 1 " + state).WantExit(0)
	}
	s.Run("status list 1 -L 2 --json state --jq '[.[].state]'").WantExit(0).WantOut(`["success","in_progress"]` + "\n")
	s.Run("status list 1 --limit 5 --json state --jq length").WantExit(0).WantOut("3\n")
	s.Run("status list 1 -L 0").WantExit(2).WantErrContains("--limit")
}

// TestStatusHelpHasOneUsageLine: the status noun's help shows one Usage
// line, and an unknown verb is a usage error.
func TestStatusHelpHasOneUsageLine(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("status --help").WantExit(0)
	usage := s.Out[strings.Index(s.Out, "Usage:"):]
	usage = usage[:strings.Index(usage, "\n\n")]
	if usage != "Usage:\n  deployctl status <command> [flags]" {
		t.Errorf("usage lines:\n%s", usage)
	}
	s.Run("status nope").WantExit(2).WantErrContains(`unknown command "nope" for "deployctl status"`)
}
