package listen_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/pgtest"
)

// sharedScript records each run of a deployment and catches two runs at
// once in one environment (mkdir is atomic); "block" waits for the test.
const sharedScript = `#!/bin/sh
set -u
echo "$PPID" >> "$WORK/runs-$DEPLOY_ID"
if ! mkdir "$WORK/running-$DEPLOY_ENVIRONMENT" 2>/dev/null; then
  echo "$DEPLOY_ID" >> "$WORK/overlap-$DEPLOY_ENVIRONMENT"
fi
case "$DEPLOY_TASK" in
  block) while [ ! -e "$WORK/release-$DEPLOY_ID" ]; do sleep 0.05; done ;;
  *) sleep 0.2 ;;
esac
rmdir "$WORK/running-$DEPLOY_ENVIRONMENT"
echo done
`

// spreader is the webhook GitHub's fake delivers to: it passes each
// delivery to a random listener, then delivers it again, as a redelivery, to
// a different one.
type spreader struct {
	addrs []string
	mu    sync.Mutex
	wg    sync.WaitGroup
	sent  map[string][]int // delivery ID -> listeners it went to
}

func (s *spreader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	first := rand.IntN(len(s.addrs))
	code := s.forward(first, r.Header, body)
	w.WriteHeader(code)
	second := (first + 1 + rand.IntN(len(s.addrs)-1)) % len(s.addrs)
	s.mu.Lock()
	s.sent[r.Header.Get("X-GitHub-Delivery")] = []int{first, second}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		s.forward(second, r.Header, body)
	}()
}

func (s *spreader) forward(i int, h http.Header, body []byte) int {
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addrs[i]+"/event_handler", bytes.NewReader(body))
	for _, k := range []string{"Content-Type", "X-GitHub-Event", "X-GitHub-Delivery", "X-Hub-Signature-256"} {
		req.Header.Set(k, h.Get(k))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return http.StatusBadGateway // that listener is down: GitHub would show a failed delivery
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) startShared(addr, database string) *listener {
	e.t.Helper()
	l := e.launch("listener "+addr, []string{"DEPLOYCTL_WEBHOOK_SECRET=" + secret},
		"listen", "--addr", addr, "--state-dir", e.t.TempDir(), "--database", database,
		"--exec", filepath.Join(e.work, "shared.sh"), "--timeout", "60s", "--concurrency", "4", "--shutdown-grace", "5s")
	e.waitHealthy(l, addr, "listener "+addr+" ready", 30*time.Second)
	return l
}

// TestSeveralListenersOnOneDatabase: three listeners share one PostgreSQL;
// every delivery goes to a random one and again to another: every merged
// pull request is deployed once, every deployment runs once, never two at a
// time in one environment; a listener SIGKILLed mid-deploy has that
// deployment marked error by another within 60 s while the rest goes on.
func TestSeveralListenersOnOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping three listeners on PostgreSQL in -short mode")
	}
	pg := pgtest.Start(t)
	database := pg.NewDatabase(t)
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.work, "shared.sh"), []byte(sharedScript), 0o755); err != nil {
		t.Fatal(err)
	}
	sp := &spreader{sent: map[string][]int{}}
	for range 3 {
		sp.addrs = append(sp.addrs, freeAddr(t))
	}
	front := httptest.NewServer(sp)
	defer front.Close()
	e.hook.URL = front.URL // the fake's hook delivers to the spreader, not newEnv's address
	var ls []*listener
	for _, a := range sp.addrs {
		ls = append(ls, e.startShared(a, database))
	}

	const merges, direct = 6, 6
	for i := range merges {
		sha := fmt.Sprintf("%040x", 0xabc000+i)
		e.gh.MergePullRequest("octo/demo", 100+i, fmt.Sprintf("feature-%d", i), sha, "main", "mona")
	}
	for i := range direct {
		e.createDeployment([]string{"staging", "qa"}[i%2], "deploy")
	}
	e.waitFor(60*time.Second, "every deployment to finish", func() bool {
		ds := e.gh.Deployments("octo/demo")
		if len(ds) < merges+direct {
			return false
		}
		for _, d := range ds {
			if !final(latest(d).State) {
				return false
			}
		}
		return true
	})
	ds := e.gh.Deployments("octo/demo")
	perSHA := map[string]int{}
	for _, d := range ds {
		perSHA[d.SHA]++
		// A later success in the environment makes this one inactive.
		got := strings.TrimSuffix(strings.Join(states(d), ","), ",inactive")
		if got != "in_progress,success" && got != "queued,in_progress,success" {
			t.Errorf("deployment %d (%s): statuses %s", d.ID, d.Environment, got)
		}
		runs, _ := os.ReadFile(filepath.Join(e.work, fmt.Sprintf("runs-%d", d.ID)))
		if n := strings.Count(string(runs), "\n"); n != 1 {
			t.Errorf("deployment %d ran %d times", d.ID, n)
		}
	}
	for i := range merges {
		if n := perSHA[fmt.Sprintf("%040x", 0xabc000+i)]; n != 1 {
			t.Errorf("merged pull request #%d has %d deployments, want 1", 100+i, n)
		}
	}
	if len(ds) != merges+direct {
		t.Errorf("%d deployments, want %d", len(ds), merges+direct)
	}
	for _, env := range []string{"production", "staging", "qa"} {
		if b, err := os.ReadFile(filepath.Join(e.work, "overlap-"+env)); err == nil {
			t.Errorf("deployments %q ran while another ran in %s", b, env)
		}
	}
	sp.wg.Wait()

	// SIGKILL the listener running a deployment; another marks it error.
	blocked := e.createDeployment("production", "block")
	var pid int
	e.waitFor(20*time.Second, "the blocking deployment to start", func() bool {
		b, err := os.ReadFile(filepath.Join(e.work, fmt.Sprintf("runs-%d", blocked)))
		if err != nil {
			return false
		}
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return pid != 0
	})
	var victim *listener
	for _, l := range ls {
		if l.cmd.Process.Pid == pid {
			victim = l
		}
	}
	if victim == nil {
		t.Fatalf("the deploy command's parent %d is none of the listeners", pid)
	}
	killed := time.Now()
	_ = victim.cmd.Process.Signal(syscall.SIGKILL)
	<-victim.done
	// Queued work goes on meanwhile, elsewhere.
	after := e.createDeployment("staging", "deploy")
	if d := e.waitFinal(after, 30*time.Second); latest(d).State != "success" {
		t.Errorf("a deployment after the kill: %v", states(d))
	}
	d := e.waitFinal(blocked, 60*time.Second)
	t.Logf("failover: the killed listener's deployment was marked %s %.1f s after SIGKILL", latest(d).State, time.Since(killed).Seconds())
	if latest(d).State != "error" {
		t.Errorf("the killed listener's deployment ended %v, want error", states(d))
	}
	if runs, _ := os.ReadFile(filepath.Join(e.work, fmt.Sprintf("runs-%d", blocked))); strings.Count(string(runs), "\n") != 1 {
		t.Errorf("the interrupted deployment was run again: %q", runs)
	}
	_ = os.WriteFile(filepath.Join(e.work, fmt.Sprintf("release-%d", blocked)), nil, 0o644)

	// Neither the token nor the webhook secret reaches the database.
	for _, table := range []string{"deployctl_job", "deployctl_delivery", "river_job"} {
		q := fmt.Sprintf("SELECT count(*) FROM %s t WHERE t::text LIKE '%%%s%%' OR t::text LIKE '%%%s%%'", table, secret, githubtest.DefaultToken)
		if n := pg.Psql(t, "test_1", q); n != "0" {
			t.Errorf("%s rows holding the token or the secret: %s", table, n)
		}
	}
}

// TestPollersShareADatabase: two listeners in poll mode on one database
// both find each new deployment and merge; each runs once.
func TestPollersShareADatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping pollers on PostgreSQL in -short mode")
	}
	database := pgtest.Start(t).NewDatabase(t)
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.work, "shared.sh"), []byte(sharedScript), 0o755); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		addr, state := freeAddr(t), t.TempDir()
		e.launch("poller", nil, "listen", "--addr", addr, "--state-dir", state, "--database", database,
			"--exec", filepath.Join(e.work, "shared.sh"), "--poll", "1s", "-R", "octo/demo")
		e.waitFor(30*time.Second, "the poller's baseline", func() bool {
			_, err := os.Stat(filepath.Join(state, "poll.json"))
			return err == nil
		})
	}
	ids := []int64{e.createDeployment("staging", "deploy"), e.createDeployment("qa", "deploy")}
	e.gh.MergePullRequest("octo/demo", 5, "feature-5", headSHA, "main", "mona")
	e.waitFor(30*time.Second, "the merged pull request's deployment", func() bool {
		for _, d := range e.gh.Deployments("octo/demo") {
			if d.SHA == headSHA {
				ids = append(ids, d.ID)
				return true
			}
		}
		return false
	})
	for _, id := range ids {
		if d := e.waitFinal(id, 30*time.Second); latest(d).State != "success" {
			t.Errorf("deployment %d: %v", id, states(d))
		}
	}
	time.Sleep(2 * time.Second) // both pollers have seen everything
	if n := len(e.gh.Deployments("octo/demo")); n != 3 {
		t.Errorf("%d deployments, want 3 (the merge created once)", n)
	}
	for _, id := range ids {
		runs, _ := os.ReadFile(filepath.Join(e.work, fmt.Sprintf("runs-%d", id)))
		if n := strings.Count(string(runs), "\n"); n != 1 {
			t.Errorf("deployment %d ran %d times", id, n)
		}
	}
}

// TestSIGTERMDrainsOnADatabase: SIGTERM lets the running deployment finish
// (it is released during the grace) and the deployment queued behind it in
// the same environment runs on the other listener.
func TestSIGTERMDrainsOnADatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping listeners on PostgreSQL in -short mode")
	}
	database := pgtest.Start(t).NewDatabase(t)
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.work, "shared.sh"), []byte(sharedScript), 0o755); err != nil {
		t.Fatal(err)
	}
	sp := &spreader{sent: map[string][]int{}, addrs: []string{freeAddr(t), freeAddr(t)}}
	front := httptest.NewServer(sp)
	defer front.Close()
	e.hook.URL = front.URL
	ls := []*listener{e.startShared(sp.addrs[0], database), e.startShared(sp.addrs[1], database)}

	running := e.createDeployment("production", "block")
	var pid int
	e.waitFor(20*time.Second, "the first deployment to start", func() bool {
		b, err := os.ReadFile(filepath.Join(e.work, fmt.Sprintf("runs-%d", running)))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid != 0
	})
	queued := e.createDeployment("production", "deploy")
	time.Sleep(time.Second) // both listeners have been offered it; it waits for the lane
	if _, err := os.Stat(filepath.Join(e.work, fmt.Sprintf("runs-%d", queued))); err == nil {
		t.Fatal("the second production deployment started while the first ran")
	}
	var stopping, other *listener
	for _, l := range ls {
		if l.cmd.Process.Pid == pid {
			stopping = l
		} else {
			other = l
		}
	}
	if stopping == nil {
		t.Fatalf("the deploy command's parent %d is none of the listeners", pid)
	}
	_ = stopping.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(500 * time.Millisecond)
	_ = os.WriteFile(filepath.Join(e.work, fmt.Sprintf("release-%d", running)), nil, 0o644)
	select {
	case <-stopping.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the listener did not stop within the grace plus 10 s")
	}
	if d := e.waitFinal(running, 10*time.Second); strings.TrimSuffix(strings.Join(states(d), ","), ",inactive") != "in_progress,success" {
		t.Errorf("the drained deployment: %v", states(d))
	}
	if d := e.waitFinal(queued, 30*time.Second); latest(d).State != "success" {
		t.Errorf("the queued deployment: %v", states(d))
	}
	runs, _ := os.ReadFile(filepath.Join(e.work, fmt.Sprintf("runs-%d", queued)))
	if got := strings.TrimSpace(string(runs)); got != strconv.Itoa(other.cmd.Process.Pid) && got != strconv.Itoa(pid) {
		t.Errorf("the queued deployment ran under %q", got)
	}
	if strings.Count(string(runs), "\n") != 1 {
		t.Errorf("the queued deployment ran %d times", strings.Count(string(runs), "\n"))
	}
	t.Logf("the queued deployment ran on the %s listener", map[bool]string{true: "other", false: "stopping"}[strings.TrimSpace(string(runs)) == strconv.Itoa(other.cmd.Process.Pid)])
}
