package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// waiter is `deployctl wait` running in the background.
type waiter struct {
	cmd         *exec.Cmd
	out, errOut bytes.Buffer
	done        chan error
}

func (u *user) startWait(args ...string) *waiter {
	u.t.Helper()
	w := &waiter{cmd: exec.Command(testbin.Deployctl(u.t), append([]string{"wait"}, args...)...), done: make(chan error, 1)}
	w.cmd.Dir = u.dir
	for k, v := range u.env {
		w.cmd.Env = append(w.cmd.Env, k+"="+v)
	}
	w.cmd.Stdout, w.cmd.Stderr = &w.out, &w.errOut
	if err := w.cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	u.t.Cleanup(func() { _ = w.cmd.Process.Kill() })
	return w
}

func (w *waiter) exit(t *testing.T) int {
	t.Helper()
	select {
	case err := <-w.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatalf("wait did not end; stderr so far:\n%s", w.errOut.String())
		return -1
	}
}

// seen waits (polling the fake's log, with a deadline) until GitHub has answered n more GETs of a path
// ending in suffix with status, counted from the mark before; it returns the new mark.
func seen(t *testing.T, gh *githubtest.Server, mark int, suffix string, status, n int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		reqs := gh.Requests()
		got := 0
		for i := mark; i < len(reqs); i++ {
			r := reqs[i]
			if r.Method == "GET" && strings.HasSuffix(r.Path, suffix) && r.Status == status {
				if got++; got == n {
					return i + 1
				}
			}
		}
		time.Sleep(5 * time.Millisecond) // polling the fake's log: what the binary did is not signalled otherwise
	}
	t.Fatalf("GitHub did not see %d GET ...%s answered %d", n, suffix, status)
	return 0
}

var waitLine = regexp.MustCompile(`^Deployment (\d+) \(main [0-9a-f]{7}\) to (\S+): (.+) \(\d+s\)$`)

// states are the states the wait's log lines name, in order.
func states(t *testing.T, stderr string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		m := waitLine.FindStringSubmatch(l)
		if m == nil {
			out = append(out, l)
			continue
		}
		out = append(out, m[3])
	}
	return out
}

// TestWaitFollowsTheBinary: the built binary follows a deployment that GitHub's side moves through queued
// and in_progress to its end; every unchanged poll is a 304.
func TestWaitFollowsTheBinary(t *testing.T) {
	for _, final := range []string{"success", "failure"} {
		t.Run(final, func(t *testing.T) {
			u := newUser(t)
			u.must("create", "--ref", "main", "-e", "staging", "--skip-checks")
			w := u.startWait("1", "--interval", "20ms")
			statuses := "/deployments/1/statuses"
			mark := seen(t, u.gh, 0, statuses, 304, 1) // polled, found nothing new
			for _, st := range []string{"queued", "in_progress"} {
				u.must("status", "set", "1", st)
				mark = seen(t, u.gh, mark, statuses, 200, 1) // the change seen
				mark = seen(t, u.gh, mark, statuses, 304, 1) // and nothing since
			}
			u.must("status", "set", "1", final)
			code := w.exit(t)
			want := []string{"no status yet", "queued", "in_progress", final}
			if final == "failure" {
				want = append(want, "Deployment 1 ended in failure")
			}
			if got := states(t, w.errOut.String()); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("stderr lines %q, want %q\n%s", got, want, w.errOut.String())
			}
			if wantCode := map[string]int{"success": 0, "failure": 1}[final]; code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
			if w.out.Len() != 0 {
				t.Errorf("stdout %q", w.out.String())
			}
		})
	}
}

// TestWaitForOneThatAppearsLater: with -e, the binary waits for a deployment that is created after it started.
func TestWaitForOneThatAppearsLater(t *testing.T) {
	u := newUser(t)
	sha := u.gh.Repo("octo/demo").Branch("main")
	w := u.startWait("-e", "production", "--sha", sha[:7], "--interval", "20ms", "--timeout", "1m", "--json", "id,state")
	seen(t, u.gh, 0, "/deployments", 304, 2) // looked twice, nothing there
	u.must("create", "--ref", "main", "--skip-checks")
	u.must("status", "set", "1", "success")
	if code := w.exit(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, w.errOut.String())
	}
	got := states(t, w.errOut.String())
	if len(got) < 2 || got[0] != "Waiting for a deployment to production of "+sha[:7]+" (0s)" || got[len(got)-1] != "success" {
		t.Errorf("stderr lines %q", got)
	}
	if w.out.String() != `{"id":1,"state":"success"}`+"\n" {
		t.Errorf("stdout %q", w.out.String())
	}
}

func TestWaitTimesOutWithExit8(t *testing.T) {
	u := newUser(t)
	r := u.run("", "wait", "-e", "qa", "--interval", "20ms", "--timeout", "100ms")
	if r.code != 8 || !strings.Contains(r.stderr, "Timed out after 100ms: no deployment to qa yet") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	u.gh.ResetRequests()
	if r := u.run("", "wait"); r.code != 2 || len(u.gh.Requests()) != 0 {
		t.Fatalf("wait without ID or -e: exit %d, %d requests\n%s", r.code, len(u.gh.Requests()), r.stderr)
	}
}
