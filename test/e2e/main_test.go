// Package e2e runs the real deployctl binary, as a user or a script would,
// against the project's fake GitHub over HTTP.
package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

func TestMain(m *testing.M) { testbin.Main(m) }

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

// user is a person (or script) with a clean environment pointed at a fake.
type user struct {
	t   *testing.T
	gh  *githubtest.Server
	env map[string]string
	dir string
}

func newUser(t *testing.T) *user {
	t.Helper()
	gh := githubtest.NewT(t)
	home := t.TempDir()
	return &user{t: t, gh: gh, dir: t.TempDir(), env: map[string]string{
		"HOME":            home,
		"PATH":            os.Getenv("PATH"),
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"GH_CONFIG_DIR":   filepath.Join(home, ".config", "gh"),
		"GITHUB_API_URL":  gh.URL(),
		"GH_TOKEN":        githubtest.DefaultToken,
		"GH_REPO":         "octo/demo",
		"NO_COLOR":        "1",
	}}
}

func (u *user) run(stdin string, args ...string) result {
	u.t.Helper()
	c := exec.Command(testbin.Deployctl(u.t), args...)
	c.Dir = u.dir
	for k, v := range u.env {
		c.Env = append(c.Env, k+"="+v)
	}
	c.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err := c.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		u.t.Fatal(err)
	}
	r := result{code: code, stdout: out.String(), stderr: errOut.String()}
	if strings.Contains(r.stdout+r.stderr, githubtest.DefaultToken) {
		u.t.Errorf("deployctl %s printed the token", strings.Join(args, " "))
	}
	return r
}

func (u *user) must(args ...string) string {
	u.t.Helper()
	r := u.run("", args...)
	if r.code != 0 {
		u.t.Fatalf("deployctl %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}
