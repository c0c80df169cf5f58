package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/lock"
	"github.com/deployctl/gh-deployctl/internal/lock/locktest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// Two deployctl processes race for the same lock: exactly one wins, the other exits 1 naming the winner.
func TestTwoProcessesRaceForALock(t *testing.T) {
	raced := 0
	for round := 0; round < 5 && (round < 2 || raced == 0); round++ {
		u := newUser(t)
		u.gh.AddTokenFor("alice-token", "alice", true)
		u.gh.AddTokenFor("bob-token", "bob", true)
		u.gh.SetLatency(40 * time.Millisecond) // both read "unlocked" before either claims
		type result struct {
			who, stdout, stderr string
			code                int
		}
		var wg sync.WaitGroup
		results := make(chan result, 2)
		start := make(chan struct{})
		for _, who := range []string{"alice", "bob"} {
			c := exec.Command(testbin.Deployctl(t), "lock", "production", "--reason", who+" deploys")
			for k, v := range u.env {
				if k != "GH_TOKEN" {
					c.Env = append(c.Env, k+"="+v)
				}
			}
			c.Env = append(c.Env, "GH_TOKEN="+who+"-token")
			var out, errOut bytes.Buffer
			c.Stdout, c.Stderr = &out, &errOut
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := c.Run()
				code := 0
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					code = exit.ExitCode()
				} else if err != nil {
					t.Error(err)
				}
				results <- result{who, out.String(), errOut.String(), code}
			}()
		}
		close(start)
		wg.Wait()
		close(results)
		raw, ok := u.gh.Repo("octo/demo").BranchFile(lock.BranchName("production"), lock.File)
		if !ok {
			t.Fatal("no lock.json on the lock branch")
		}
		var winners, losers []result
		for r := range results {
			switch r.code {
			case 0:
				winners = append(winners, r)
			case 1:
				losers = append(losers, r)
			default:
				t.Errorf("round %d: %s exited %d: %s", round, r.who, r.code, r.stderr)
			}
		}
		if len(winners) != 1 || len(losers) != 1 {
			t.Fatalf("round %d: %d won, %d lost", round, len(winners), len(losers))
		}
		w, l := winners[0], losers[0]
		if w.stdout != "production-branch-deploy-lock\n" || !strings.Contains(string(raw), `"created_by": "`+w.who+`"`) {
			t.Errorf("round %d: winner %s printed %q; lock.json %s", round, w.who, w.stdout, raw)
		}
		if !strings.Contains(l.stderr, "production is locked by "+w.who) || !strings.Contains(l.stderr, w.who+" deploys") {
			t.Errorf("round %d: the loser (%s) said %q", round, l.who, l.stderr)
		}
		claims := 0
		for _, r := range u.gh.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/git/refs") {
				claims++
			}
		}
		if claims == 2 {
			raced++ // both tried to create the ref: GitHub's 422 decided
		}
	}
	if raced == 0 {
		t.Error("in no round did both processes try to create the ref: the test did not race")
	}
}

// A lock written the way github/branch-deploy writes it stops `create`.
func TestBranchDeployLockBlocksCreate(t *testing.T) {
	u := newUser(t)
	locktest.WriteAsBranchDeploy(t, u.gh, lock.BranchName("production"), locktest.BranchDeployJSON("production", "monalisa", "hotfix in progress"))
	r := u.run("", "create", "--ref", "main", "-e", "production")
	if r.code != 1 || !strings.Contains(r.stderr, "production is locked by monalisa") || !strings.Contains(r.stderr, "hotfix in progress") {
		t.Fatalf("create on a locked environment: exit %d, %q", r.code, r.stderr)
	}
	if n := len(u.gh.Deployments("octo/demo")); n != 0 {
		t.Errorf("%d deployments created", n)
	}
	if r := u.run("", "create", "--ref", "main", "-e", "production", "--ignore-lock"); r.code != 0 {
		t.Errorf("--ignore-lock: exit %d %s", r.code, r.stderr)
	}
	if r := u.run("", "create", "--ref", "main", "-e", "staging"); r.code != 0 {
		t.Errorf("staging is not locked: exit %d %s", r.code, r.stderr)
	}
}

// Every command that deletes or deactivates something refuses off a terminal without --yes: exit 2,
// not a request sent.
func TestDestructiveCommandsNeedYesOffATerminal(t *testing.T) {
	u := newUser(t)
	u.gh.SeedHistory("octo/demo", 6, "production")
	u.must("lock", "production")
	for _, args := range [][]string{
		{"unlock", "production"}, {"unlock", "--global"}, {"deactivate", "1"}, {"delete", "1", "2"},
		{"prune"}, {"prune", "--delete", "--keep", "0"},
	} {
		u.gh.ResetRequests()
		r := u.run("", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
		if n := len(u.gh.Requests()); n != 0 {
			t.Errorf("%v sent %d requests", args, n)
		}
	}
	if n := len(u.gh.Deployments("octo/demo")); n != 6 {
		t.Errorf("%d deployments left", n)
	}
}
