// Package cmdtest is what the command tests share: a Factory that reads
// nothing of the developer's environment, a way to parse a command line
// through the whole tree (config layer and all) up to a command's runF,
// and a Session that types command lines against one fake GitHub.
package cmdtest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Now is the clock of test factories.
var Now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Factory is a Factory with buffers for streams and env for the
// environment: the user's config and gh's are never read.
func Factory(t testing.TB, env map[string]string) *cmdutil.Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["XDG_CONFIG_HOME"]; !ok {
		env["XDG_CONFIG_HOME"] = t.TempDir() // never the user's config
	}
	if _, ok := env["GH_CONFIG_DIR"]; !ok {
		env["GH_CONFIG_DIR"] = t.TempDir() // never the user's gh login
	}
	return &cmdutil.Factory{
		IOStreams:  ios,
		Getenv:     func(k string) string { return env[k] },
		LookupEnv:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Now:        func() time.Time { return Now },
		Version:    cmdutil.BuildInfo{Version: "1.0.0"},
		Executable: "deployctl",
		CurrentRepo: func() (repository.Repository, error) {
			return repository.Repository{}, errors.New("not a git repository")
		},
	}
}

// RunCmd parses line through the whole command tree built from f, with c
// in place of the command of the same name under the command at parent
// ("" is the root, "status" holds status's verbs), and returns what the
// run (usually c's runF) returned.
func RunCmd(t testing.TB, f *cmdutil.Factory, parent string, c *cobra.Command, line string) error {
	t.Helper()
	root := cmd.NewCmdRoot(f)
	p := root
	if parent != "" {
		found, _, err := root.Find(strings.Fields(parent))
		if err != nil {
			t.Fatal(err)
		}
		p = found
	}
	for _, existing := range p.Commands() {
		if existing.Name() == c.Name() {
			p.RemoveCommand(existing)
		}
	}
	p.AddCommand(c)
	args, err := shlex.Split(line)
	if err != nil {
		t.Fatal(err)
	}
	root.SetArgs(args)
	_, err = root.ExecuteC()
	return err
}

// WantUsageError fails t unless err is a usage error (exit 2) that says want.
func WantUsageError(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want a usage error saying %q", err, want)
	}
}

// Session runs command lines against one fake GitHub, the way a user would
// type them, and keeps what they printed.
type Session struct {
	T   *testing.T
	GH  *githubtest.Server
	Env map[string]string
	TTY bool
	// StdinTTY makes stdin a terminal too (commands that ask questions).
	StdinTTY bool
	// Width is the terminal's width (0: 80).
	Width int
	SHA   string // of octo/demo's main
	// Stdin is what the next command reads on stdin.
	Stdin string

	Exit int
	Out  string
	Err  string
}

// NewSession is a session on a fresh fake GitHub with octo/demo as GH_REPO.
func NewSession(t *testing.T) *Session {
	t.Helper()
	gh := githubtest.NewT(t)
	return &Session{
		T:   t,
		GH:  gh,
		SHA: gh.Repo("octo/demo").Branch("main"),
		Env: map[string]string{
			"GITHUB_API_URL":  gh.URL(),
			"GH_TOKEN":        githubtest.DefaultToken,
			"GH_REPO":         "octo/demo",
			"XDG_CONFIG_HOME": t.TempDir(),
		},
	}
}

// Run runs line through cmd.Execute and keeps its exit code and output.
func (s *Session) Run(line string) *Session {
	s.T.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(s.TTY)
	ios.SetStdinTTY(s.StdinTTY)
	if s.Width > 0 {
		ios.SetTerminalWidth(s.Width)
	}
	in.WriteString(s.Stdin)
	f := Factory(s.T, s.Env)
	f.IOStreams = ios
	f.Retry = ghapi.RetryPolicy{Attempts: 3, Backoff: time.Millisecond, MaxWait: time.Minute,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	args, err := shlex.Split(line)
	if err != nil {
		s.T.Fatal(err)
	}
	err = cmd.Execute(context.Background(), f, args)
	s.Exit, s.Out, s.Err = cmdutil.ExitCode(err), out.String(), errOut.String()
	return s
}

// WantExit fails the test unless the last command exited with code.
func (s *Session) WantExit(code int) *Session {
	s.T.Helper()
	if s.Exit != code {
		s.T.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", s.Exit, code, s.Out, s.Err)
	}
	return s
}

// WantOut checks the last command's stdout.
func (s *Session) WantOut(want string) *Session {
	s.T.Helper()
	if s.Out != want {
		s.T.Errorf("stdout:\n%s\nwant:\n%s", s.Out, want)
	}
	return s
}

// WantErrContains checks that stderr holds every part, and never the token.
func (s *Session) WantErrContains(parts ...string) *Session {
	s.T.Helper()
	for _, p := range parts {
		if !strings.Contains(s.Err, p) {
			s.T.Errorf("stderr %q lacks %q", s.Err, p)
		}
	}
	if strings.Contains(s.Err, githubtest.DefaultToken) || strings.Contains(s.Out, githubtest.DefaultToken) {
		s.T.Errorf("the token was printed")
	}
	return s
}

// Bodies returns the JSON bodies of the requests to path with method.
func (s *Session) Bodies(method, path string) []map[string]any {
	var out []map[string]any
	for _, r := range s.GH.Requests() {
		if r.Method == method && r.Path == path {
			var m map[string]any
			_ = json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

// WantPaged runs line on a terminal with GH_PAGER set and fails the test
// unless every line it printed (at least two: a header and a row) went
// through the pager. The session's terminal and environment are restored.
func (s *Session) WantPaged(line string) *Session {
	s.T.Helper()
	tty := s.TTY
	pager, had := s.Env["GH_PAGER"]
	s.TTY, s.Env["GH_PAGER"] = true, "sed s/^/paged:/"
	defer func() {
		s.TTY = tty
		if had {
			s.Env["GH_PAGER"] = pager
		} else {
			delete(s.Env, "GH_PAGER")
		}
	}()
	s.Run(line).WantExit(0)
	lines := strings.Split(strings.TrimSuffix(s.Out, "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "paged:") {
			s.T.Errorf("%s: line %q was not paged; stdout:\n%s", line, l, s.Out)
		}
	}
	if len(lines) < 2 {
		s.T.Errorf("%s: stdout %q, want a header and a row through the pager", line, s.Out)
	}
	return s
}
