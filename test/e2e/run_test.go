//go:build unix

package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// finalStatus fails t unless the repository's only deployment has
// in_progress then exactly one final status, and returns that one.
func finalStatus(t *testing.T, gh *githubtest.Server) githubtest.Status {
	t.Helper()
	ds := gh.Deployments("octo/demo")
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1", len(ds))
	}
	st := ds[0].Statuses
	if len(st) != 2 || st[0].State != "in_progress" {
		t.Fatalf("statuses %+v, want in_progress and one final status", st)
	}
	return st[1]
}

func TestRunOutcomes(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		code  int
		state string
		desc  string
	}{
		{"success", []string{"sh", "-c", "echo deployed"}, 0, "success", "Deployed in "},
		{"exit 3", []string{"sh", "-c", "exit 3"}, 3, "failure", "Deploy command exited with status 3 after "},
		{"not found", []string{"deployctl-no-such-command"}, 127, "error", "Deploy command could not run: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := newUser(t)
			r := u.run("", append([]string{"run", "--ref", "main", "--"}, c.args...)...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, c.code, r.stderr)
			}
			if st := finalStatus(t, u.gh); st.State != c.state || !strings.HasPrefix(st.Description, c.desc) {
				t.Fatalf("final status %+v", st)
			}
			if c.name == "success" && r.stdout != "deployed\n" {
				t.Fatalf("stdout %q: it belongs to the command", r.stdout)
			}
		})
	}
}

// TestRunTimeoutKillsGroup: a command that ignores SIGTERM and leaves a
// grandchild behind is killed with all its group after --timeout.
func TestRunTimeoutKillsGroup(t *testing.T) {
	u := newUser(t)
	pidFile := filepath.Join(u.dir, "grandchild")
	r := u.run("", "run", "--ref", "main", "--timeout", "300ms", "--",
		"sh", "-c", `trap "" TERM; sleep 300 & echo $! > `+pidFile+`; while :; do sleep 0.05; done`)
	if r.code != 124 {
		t.Fatalf("exit %d, want 124\n%s", r.code, r.stderr)
	}
	if st := finalStatus(t, u.gh); st.State != "error" || st.Description != "Deploy command timed out after 300ms and was killed" {
		t.Fatalf("final status %+v", st)
	}
	if pid, gone := testbin.WaitGone(t, pidFile, 10*time.Second); !gone {
		t.Fatalf("grandchild %d still alive", pid)
	}
}

// TestRunInterrupted: SIGINT to deployctl reaches the command, which
// cleans up; the deployment ends error and deployctl exits 130.
func TestRunInterrupted(t *testing.T) {
	u := newUser(t)
	ready, cleaned := filepath.Join(u.dir, "ready"), filepath.Join(u.dir, "cleaned")
	c := exec.Command(testbin.Deployctl(t), "run", "--ref", "main", "--",
		"sh", "-c", `trap "touch `+cleaned+`; exit 0" INT; touch `+ready+`; while :; do sleep 0.05; done`)
	c.Dir = u.dir
	for k, v := range u.env {
		c.Env = append(c.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if !testbin.WaitFile(t, ready, 30*time.Second) {
		_ = c.Process.Kill()
		t.Fatalf("deployctl's stderr:\n%s", stderr.String())
	}
	if err := c.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := c.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("deployctl: %v, want exit 130\n%s", err, stderr.String())
	}
	if _, err := os.Stat(cleaned); err != nil {
		t.Fatal("the command did not get SIGINT")
	}
	if st := finalStatus(t, u.gh); st.State != "error" || !strings.HasPrefix(st.Description, "Interrupted by SIGINT after ") {
		t.Fatalf("final status %+v", st)
	}
}

// TestRunBadInput: without -- or a command, exit 2 and nothing sent.
func TestRunBadInput(t *testing.T) {
	u := newUser(t)
	for _, args := range [][]string{{"run"}, {"run", "--ref", "main", "true"}, {"run", "--ref", "main", "--"}} {
		if r := u.run("", args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if n := len(u.gh.Requests()); n != 0 {
		t.Fatalf("%d requests after usage errors", n)
	}
}
