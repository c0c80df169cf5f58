package list_test

import (
	"context"
	"strings"
	"testing"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/environment/list"
	"github.com/deployctl/gh-deployctl/internal/environment"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

func TestEnvironmentsFlags(t *testing.T) {
	for _, tt := range []struct{ line, wantErr string }{
		{line: "environments"},
		{line: "envs --json name,lock"},
		{line: "envs production", wantErr: "unexpected argument"},
		{line: "envs --json nope", wantErr: "unknown JSON field"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			ran := false
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", list.NewCmdList(f, func(*list.ListOptions) error { ran = true; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil || !ran {
				t.Fatalf("err %v, ran %v", err, ran)
			}
		})
	}
}

// setUp: production runs deployment 1 (success); staging ran 2 (success) and 3 failed after it; qa has 4,
// which has no status yet.
func setUp(t *testing.T) *cmdtest.Session {
	s := cmdtest.NewSession(t)
	for _, line := range []string{
		"create --ref main -e production --skip-checks",
		"status set 1 success --environment-url https://example.com",
		"create --ref main -e staging --skip-checks",
		"status set 2 success --environment-url https://staging.example.com",
		"create --ref main -e staging --skip-checks",
		"status set 3 failure",
		"create --ref main -e qa --skip-checks",
	} {
		s.Run(line).WantExit(0)
	}
	s.GH.ResetRequests()
	return s
}

func TestEnvironmentsOutput(t *testing.T) {
	s := setUp(t)
	sha := s.SHA[:7]
	s.Run("environments").WantExit(0).WantOut(heredoc.Docf(`
		production	success	%[1]s	main	2026-01-01T00:00:01Z	octocat	https://example.com	
		qa	none						
		staging	failure	%[1]s	main	2026-01-01T00:00:04Z	octocat	https://staging.example.com	
	`, sha))
	if n := len(s.GH.Requests()); n != 3 {
		t.Errorf("%d requests, want 3 (2 for the environments, 1 for the locks)", n)
	}
	s.TTY = true // 80 columns: the URLs give way
	s.Run("envs").WantExit(0).WantOut(heredoc.Docf(`
		ENVIRONMENT  STATE    ACTIVE   REF   DEPLOYED             CREATOR  URL      LOCK
		production   success  %[1]s  main  about 10 months ago  octocat  http...  
		qa           none                                                           
		staging      failure  %[1]s  main  about 10 months ago  octocat  http...  
	`, sha))
	wide := heredoc.Docf(`
		ENVIRONMENT  STATE    ACTIVE   REF   DEPLOYED             CREATOR  URL                          LOCK
		production   success  %[1]s  main  about 10 months ago  octocat  https://example.com          
		qa           none                                                                             
		staging      failure  %[1]s  main  about 10 months ago  octocat  https://staging.example.com  
	`, sha)
	if got := run(t, s, 120, nil); trimLines(got) != trimLines(wide) {
		t.Errorf("stdout at 120 columns:\n%s\nwant:\n%s", got, wide)
	}
	s.TTY = false
	s.Run("envs --json name,state,active,latest,url,lock --jq '.[] | [.name, .state, .active.id, .latest.id, .url, .lock] | @tsv'").
		WantExit(0).WantOut("production\tsuccess\t1\t1\thttps://example.com\t\nqa\tnone\t\t4\t\t\nstaging\tfailure\t2\t3\thttps://staging.example.com\t\n")
}

func TestEnvironmentsEmpty(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("environments").WantExit(0).WantOut("")
	s.TTY = true
	s.Run("environments").WantExit(0).WantOut("")
	if s.Err != "No environments in octo/demo\n" {
		t.Errorf("stderr %q", s.Err)
	}
}

// run runs envs on a terminal of width columns, with a Locks hook when given.
func run(t *testing.T, s *cmdtest.Session, width int, locks environment.LocksFunc) string {
	t.Helper()
	f := cmdtest.Factory(t, s.Env)
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetTerminalWidth(width)
	f.IOStreams = ios
	err := cmdtest.RunCmd(t, f, "", list.NewCmdList(f, func(o *list.ListOptions) error {
		if locks != nil {
			o.Locks = func(*ghapi.Client, repository.Repository) environment.LocksFunc { return locks }
		}
		return list.ListRun(o)
	}), "envs")
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// trimLines drops the padding at the ends of lines, which a terminal does not show.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

type lock string

func (l lock) LockOwner() string { return string(l) }

// The LOCK column and the lock field come from the Locks hook (filled by the lock commands' package).
func TestEnvironmentsLockHook(t *testing.T) {
	s := setUp(t)
	var asked []string
	got := run(t, s, 120, func(_ context.Context, names []string) (map[string]environment.Lock, error) {
		asked = names
		return map[string]environment.Lock{"staging": lock("alice")}, nil
	})
	want := heredoc.Docf(`
		ENVIRONMENT  STATE    ACTIVE   REF   DEPLOYED             CREATOR  URL                          LOCK
		production   success  %[1]s  main  about 10 months ago  octocat  https://example.com          
		qa           none                                                                             
		staging      failure  %[1]s  main  about 10 months ago  octocat  https://staging.example.com  alice
	`, s.SHA[:7])
	if trimLines(got) != trimLines(want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if len(asked) != 3 {
		t.Errorf("locks asked for %q", asked)
	}
}

func TestEnvironmentsPagesOnATerminal(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("create --ref main -e production --skip-checks").WantExit(0)
	s.WantPaged("environments")
}
