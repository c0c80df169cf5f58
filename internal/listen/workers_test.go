package listen

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/status"
)

func testWorkers(t *testing.T, o Options) *workers {
	t.Helper()
	return testWorkersOn(t, o, openJournal(t, t.TempDir()))
}

func openJournal(t *testing.T, dir string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func testWorkersOn(t *testing.T, o Options, j store.Store) *workers {
	t.Helper()
	o.StateDir = t.TempDir()
	if err := os.Mkdir(filepath.Join(o.StateDir, "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return newWorkers(&o, j, nil)
}

func deployJob(seq uint64, repo, env string) *store.Job {
	return &store.Job{Seq: seq, Kind: store.KindDeploy, Progress: store.Progress{Phase: store.Pending},
		Deploy: &store.Deploy{ID: int64(seq), Repo: repo, Environment: env}}
}

// TestLanes: one deployment at a time per repository+environment, at most
// Concurrency at once, and a freed slot goes to the oldest that may run.
var ctx = context.Background()

func TestLanes(t *testing.T) {
	w := testWorkers(t, Options{Concurrency: 2})
	jobs := []*store.Job{
		deployJob(1, "octo/a", "production"),
		deployJob(2, "octo/a", "production"), // same lane as 1: waits
		deployJob(3, "octo/a", "staging"),    // another lane: runs beside 1
		deployJob(4, "octo/b", "production"), // another repository, but no slot left
		deployJob(5, "octo/b", "staging"),
	}
	waiters := map[uint64]*waiter{}
	w.mu.Lock()
	for _, j := range jobs {
		wt := &waiter{job: j, ready: make(chan struct{})}
		waiters[j.Seq] = wt
		w.waiting = append(w.waiting, wt)
	}
	w.dispatchLocked()
	w.mu.Unlock()

	started := func() string {
		w.mu.Lock()
		defer w.mu.Unlock()
		var out []string
		for seq := uint64(1); seq <= 5; seq++ {
			if waiters[seq].started {
				out = append(out, fmt.Sprint(seq))
			}
		}
		return strings.Join(out, ",")
	}
	steps := []struct {
		leave uint64
		want  string
	}{
		{0, "1,3"},
		{1, "1,2,3"},     // 2 waited for lane octo/a production, and is older than 4
		{3, "1,2,3,4"},   // 3's slot goes to 4
		{2, "1,2,3,4,5"}, // and 2's to 5
		{4, "1,2,3,4,5"},
		{5, "1,2,3,4,5"},
	}
	for i, s := range steps {
		if s.leave != 0 {
			w.leave(waiters[s.leave].job)
		}
		if got := started(); got != s.want {
			t.Fatalf("step %d (after %d finished): started %s, want %s", i, s.leave, got, s.want)
		}
		w.mu.Lock()
		running := w.running
		w.mu.Unlock()
		if running > 2 {
			t.Fatalf("step %d: %d running, over --concurrency", i, running)
		}
	}
}

// TestRecoverDecisions: what a restart does with each deployment the
// previous run left open.
func TestRecoverDecisions(t *testing.T) {
	cases := []struct {
		name      string
		progress  store.Progress
		exec      bool
		api       bool
		wantPhase store.Phase
		wantFinal status.State
		submitted bool
	}{
		{"not started: resumed", store.Progress{Phase: store.Pending}, true, true, store.Pending, "", true},
		{"waiting: resumed", store.Progress{Phase: store.Waiting}, true, true, store.Waiting, "", true},
		{"its turn came, no command yet: run now", store.Progress{Phase: store.Starting}, true, true, store.Pending, "", true},
		// D4: recorded as running before the command started, so it may have run.
		{"command starting, no process group recorded: error", store.Progress{Phase: store.Running}, true, true,
			store.Finishing, "error", true},
		{"command was running: error", store.Progress{Phase: store.Running, PGID: 2147483000, LogFile: "logs/x.log"},
			true, true, store.Finishing, "error", true},
		{"final status decided: posted", store.Progress{Phase: store.Finishing, Final: "success"}, true, true,
			store.Finishing, "success", true},
		{"final status decided, no --exec: still posted", store.Progress{Phase: store.Finishing, Final: "failure"},
			false, true, store.Finishing, "failure", true},
		{"no --exec: kept for a run that has it", store.Progress{Phase: store.Pending}, false, true, store.Pending, "", false},
		{"no API: kept", store.Progress{Phase: store.Pending}, true, false, store.Pending, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := Options{}
			if c.exec {
				o.Exec = []string{"./deploy.sh"}
			}
			w := testWorkers(t, o)
			if c.api {
				w.c = &ghapi.Client{} // never called: the workers are not started
			}
			j := deployJob(0, "octo/demo", "production")
			if _, err := w.j.AddJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			j.Progress = c.progress
			if err := w.j.Save(ctx, j); err != nil {
				t.Fatal(err)
			}
			if err := w.recover(); err != nil {
				t.Fatal(err)
			}
			open, _ := w.j.Jobs(ctx, store.KindDeploy, 0, 10)
			if len(open) != 1 {
				t.Fatalf("open jobs %+v", open)
			}
			// The job as recovery left it: handed on, or kept in the journal.
			p := open[0].Progress
			w.mu.Lock()
			submitted := len(w.early) == 1
			if submitted {
				p = w.early[0].Progress
			}
			w.mu.Unlock()
			if submitted != c.submitted {
				t.Errorf("submitted %v, want %v", submitted, c.submitted)
			}
			if p.Phase != c.wantPhase || p.Final != c.wantFinal {
				t.Errorf("journal says %s/%q, want %s/%q", p.Phase, p.Final, c.wantPhase, c.wantFinal)
			}
			if c.wantFinal == status.Error && !strings.Contains(p.FinalDesc, "listener stopped") {
				t.Errorf("description %q does not say why", p.FinalDesc)
			}
		})
	}
}

// TestMergeFeeder: pending merges reach the merge workers from the journal a
// page at a time, each once, oldest first; those of the previous run count
// as attempted (so merge looks for the deployment before creating it).
func TestMergeFeeder(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir)
	var w *workers
	appendMerges := func(from, n int) {
		for i := from; i < from+n; i++ {
			d := &store.Delivery{ID: fmt.Sprint("m-", i), Event: "pull_request", ReceivedAt: time.Now(), Job: &store.Job{
				Kind: store.KindMerge, Progress: store.Progress{Phase: store.Pending},
				Merge: &store.Merge{Repo: "octo/demo", Number: i, HeadSHA: "abc"},
			}}
			if _, err := j.Append(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendMerges(0, 3*mergePage+5) // a backlog from before the restart
	j.Close()
	j = openJournal(t, dir)
	w = testWorkersOn(t, Options{}, j)
	w.start() // without an API client it starts no merge workers: the test is one
	w.wg.Add(1)
	go w.feedMerges()

	var got []*store.Job
	receive := func(n int) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for len(got) < n {
			select {
			case j := <-w.mergeQ:
				got = append(got, j)
			case <-deadline:
				t.Fatalf("got %d merges, want %d", len(got), n)
			}
		}
	}
	receive(3*mergePage + 5)
	appendMerges(1000, 2) // new deliveries: intake kicks the feeder
	w.submit(&store.Job{Kind: store.KindMerge})
	receive(3*mergePage + 7)
	for i, j := range got {
		if i > 0 && j.Seq <= got[i-1].Seq {
			t.Fatalf("merge %d (seq %d) after seq %d", i, j.Seq, got[i-1].Seq)
		}
		if old := i < 3*mergePage+5; old != (j.Progress.Attempts == 1) || old != j.Recovered {
			t.Fatalf("merge %d (previous run: %v) has %d attempts, recovered %v", i, old, j.Progress.Attempts, j.Recovered)
		}
	}
	close(w.stopping)
	w.wg.Wait()
	if _, ok := <-w.mergeQ; ok {
		t.Fatal("feeder handed on a merge after stopping")
	}
}

// TestMergesYieldToABurst: a merge waits while the intake is busy, but at
// most mergeYieldMax, and not at all when it is not.
func TestMergesYieldToABurst(t *testing.T) {
	w := testWorkers(t, Options{})
	start := time.Now()
	w.yieldToIntake()
	if d := time.Since(start); d > mergeYieldPoll {
		t.Errorf("idle intake: waited %v", d)
	}
	w.inIntake.Store(intakeBusy)
	start = time.Now()
	w.yieldToIntake()
	if d := time.Since(start); d < mergeYieldMax || d > 10*mergeYieldMax {
		t.Errorf("busy intake: waited %v, want about %v", d, mergeYieldMax)
	}
	go func() {
		time.Sleep(mergeYieldMax / 4)
		w.inIntake.Store(0)
	}()
	start = time.Now()
	w.yieldToIntake()
	if d := time.Since(start); d >= mergeYieldMax {
		t.Errorf("burst over after %v: waited %v", mergeYieldMax/4, d)
	}
}

// TestLanesIgnoreCase (D16): GitHub treats environment and repository
// names without regard to case, so Staging and STAGING are one lane.
func TestLanesIgnoreCase(t *testing.T) {
	w := testWorkers(t, Options{Concurrency: 3})
	a, b, c := deployJob(1, "octo/a", "Staging"), deployJob(2, "Octo/A", "STAGING"), deployJob(3, "octo/a", "production")
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, j := range []*store.Job{a, b, c} {
		w.waiting = append(w.waiting, &waiter{job: j, ready: make(chan struct{})})
	}
	w.dispatchLocked()
	if len(w.waiting) != 1 || w.waiting[0].job != b {
		t.Fatalf("%d waiting, want only deployment 2 (the lane of 1)", len(w.waiting))
	}
}
