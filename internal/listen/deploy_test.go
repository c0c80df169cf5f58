package listen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/status"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

// apiWorkers are workers on a journal, talking to a fake GitHub.
func apiWorkers(t *testing.T, o Options, st store.Store) (*workers, *githubtest.Server) {
	t.Helper()
	gh := githubtest.NewT(t)
	if st == nil {
		st = openJournal(t, t.TempDir())
	}
	if o.StatusRetry == 0 {
		o.StatusRetry = time.Millisecond
	}
	o.Concurrency = max(o.Concurrency, 1)
	w := testWorkersOn(t, o, st)
	w.c = ghapitest.Client(t, gh, "")
	return w, gh
}

// newDeployment creates a deployment in the fake and the job for it.
func newDeployment(t *testing.T, w *workers, env string) *store.Job {
	t.Helper()
	d, err := deploy.Create(context.Background(), w.c, demo, deploy.CreateRequest{
		Ref: "main", Environment: env, RequiredContexts: &[]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	j := deployJob(0, "octo/demo", env)
	j.Deploy.ID, j.Deploy.SHA = d.ID, d.SHA
	if _, err := w.j.AddJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	return j
}

func statesOf(gh *githubtest.Server, id int64) string {
	for _, d := range gh.Deployments("octo/demo") {
		if d.ID == id {
			var out []string
			for _, s := range d.Statuses {
				out = append(out, s.State)
			}
			return strings.Join(out, ",")
		}
	}
	return "?"
}

// savingStore tells onSave of every job saved.
type savingStore struct {
	store.Store
	onSave func(*store.Job)
}

func (s *savingStore) Save(ctx context.Context, j *store.Job) error {
	s.onSave(j)
	return s.Store.Save(ctx, j)
}

// TestRunningRecordedBeforeTheCommandStarts (D4): the journal says the
// command may be running before it starts, so a listener that dies in
// between never runs it a second time.
func TestRunningRecordedBeforeTheCommandStarts(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "started")
	var mu sync.Mutex
	var recorded, early bool
	st := &savingStore{Store: openJournal(t, t.TempDir()), onSave: func(j *store.Job) {
		if j.Progress.Phase == store.Running && j.Progress.PGID == 0 {
			mu.Lock()
			defer mu.Unlock()
			recorded = true
			if _, err := os.Stat(marker); err == nil {
				early = true
			}
		}
	}}
	w, gh := apiWorkers(t, Options{Exec: []string{"sh", "-c", "touch " + marker}}, st)
	j := newDeployment(t, w, "production")
	w.execute(j)
	w.finish(j)
	mu.Lock()
	defer mu.Unlock()
	if !recorded || early {
		t.Fatalf("running recorded: %v, after the command started: %v", recorded, early)
	}
	if got := statesOf(gh, j.Deploy.ID); got != "in_progress,success" {
		t.Fatalf("statuses %s", got)
	}
}

// TestFinalStatusRetriedUntilPosted (D10): GitHub failing a while does not
// leave the deployment in_progress: the final status is retried until it
// is posted, and the lane is free meanwhile.
func TestFinalStatusRetriedUntilPosted(t *testing.T) {
	w, gh := apiWorkers(t, Options{Exec: []string{"true"}}, nil)
	j := newDeployment(t, w, "production")
	gh.FailNext("POST", fmt.Sprintf("/repos/octo/demo/deployments/%d/statuses", j.Deploy.ID), 12, 403, nil)
	w.execute(j)
	w.finish(j)
	if got := statesOf(gh, j.Deploy.ID); got != "success" {
		t.Fatalf("statuses %s, want success after the outage", got)
	}
	if open, _ := w.j.Jobs(ctx, store.KindDeploy, 0, 10); len(open) != 0 {
		t.Fatalf("job still open: %+v", open[0].Progress)
	}
}

// TestRecoveredStatusesNotRepeated (D15): a run that posted a status and
// died before recording it does not make the next post it again.
func TestRecoveredStatusesNotRepeated(t *testing.T) {
	dir := t.TempDir()
	w, gh := apiWorkers(t, Options{Exec: []string{"true"}}, openJournal(t, dir))
	posted := newDeployment(t, w, "production") // final status posted, not recorded
	started := newDeployment(t, w, "staging")   // in_progress posted, command not started
	for _, s := range []struct {
		j     *store.Job
		phase store.Phase
		st    status.State
	}{{posted, store.Finishing, status.Success}, {started, store.Starting, status.InProgress}} {
		if _, err := status.Set(ctx, w.c, demo, s.j.Deploy.ID, status.SetRequest{State: s.st}); err != nil {
			t.Fatal(err)
		}
		s.j.Progress.Phase, s.j.Progress.Final = s.phase, status.Success
		if err := w.j.Save(ctx, s.j); err != nil {
			t.Fatal(err)
		}
	}
	w.j.Close()
	w, _ = apiWorkers(t, Options{Exec: []string{"true"}}, openJournal(t, dir))
	w.c = ghapitest.Client(t, gh, "")
	if err := w.recover(); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	early := w.early
	w.mu.Unlock()
	for _, j := range early {
		if j.Progress.Phase == store.Finishing {
			w.finish(j)
			continue
		}
		w.execute(j)
		w.finish(j)
	}
	if got := statesOf(gh, posted.Deploy.ID); got != "success" {
		t.Errorf("posted before the restart: statuses %s, want success once", got)
	}
	if got := statesOf(gh, started.Deploy.ID); got != "in_progress,success" {
		t.Errorf("started before the restart: statuses %s, want in_progress once", got)
	}
}

// TestCreatedDeploymentRunsWithoutItsWebhook (D17): the deployment the
// listener creates for a merged pull request is a job at once; its webhook,
// if it comes, is a duplicate.
func TestCreatedDeploymentRunsWithoutItsWebhook(t *testing.T) {
	w, _ := apiWorkers(t, Options{Exec: []string{"true"}, Environment: "production"}, nil)
	merge := &store.Job{Kind: store.KindMerge, Progress: store.Progress{Phase: store.Pending},
		Merge: &store.Merge{Repo: "octo/demo", Number: 7, HeadSHA: strings.Repeat("a", 40), BaseRef: "main", Author: "mona"}}
	if _, err := w.j.AddJob(ctx, merge); err != nil {
		t.Fatal(err)
	}
	w.merge(merge)
	if merge.Progress.Phase != store.Done || merge.Progress.CreatedID == 0 {
		t.Fatalf("merge %+v", merge.Progress)
	}
	w.mu.Lock()
	early := w.early
	w.mu.Unlock()
	if len(early) != 1 || early[0].Deploy == nil || early[0].Deploy.ID != merge.Progress.CreatedID ||
		early[0].Deploy.Environment != "production" {
		t.Fatalf("jobs handed on: %+v", early)
	}
	webhook := &store.Delivery{ID: "later", Event: "deployment", Job: deployJob(0, "octo/demo", "production")}
	webhook.Job.Deploy.ID = merge.Progress.CreatedID
	if dup, err := w.j.Append(ctx, webhook); !dup || err != nil {
		t.Fatalf("the deployment's webhook: dup=%v err=%v", dup, err)
	}
}

// failingStore fails Jobs the first n times.
type failingStore struct {
	store.Store
	mu sync.Mutex
	n  int
}

func (s *failingStore) Jobs(ctx context.Context, k store.Kind, after uint64, limit int) ([]*store.Job, error) {
	s.mu.Lock()
	fail := s.n > 0
	s.n--
	s.mu.Unlock()
	if fail {
		return nil, errors.New("transient read error")
	}
	return s.Store.Jobs(ctx, k, after, limit)
}

// TestMergeFeederRetriesAfterAReadError (D7): pending merges are read
// again after a failed read, without waiting for another delivery.
func TestMergeFeederRetriesAfterAReadError(t *testing.T) {
	st := &failingStore{Store: openJournal(t, t.TempDir()), n: 1}
	w := testWorkersOn(t, Options{}, st)
	d := &store.Delivery{ID: "m", Event: "pull_request", ReceivedAt: time.Now(), Job: &store.Job{
		Kind: store.KindMerge, Progress: store.Progress{Phase: store.Pending}, Merge: &store.Merge{Repo: "octo/demo", Number: 1}}}
	if _, err := st.Append(ctx, d); err != nil {
		t.Fatal(err)
	}
	w.wg.Add(1)
	go w.feedMerges()
	defer func() { close(w.stopping); w.wg.Wait() }()
	select {
	case j := <-w.mergeQ:
		if j.Seq != d.Job.Seq {
			t.Fatalf("got job %d", j.Seq)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pending merge was not read again after the error")
	}
}

// TestQueuedSaysWhy (issue 10, item 9): a deployment waiting for a slot of
// --concurrency does not claim to wait for a deployment to its environment.
func TestQueuedSaysWhy(t *testing.T) {
	w, gh := apiWorkers(t, Options{Exec: []string{"true"}, Concurrency: 1}, nil)
	running, sameLane, otherLane := newDeployment(t, w, "production"), newDeployment(t, w, "production"), newDeployment(t, w, "qa")
	w.mu.Lock()
	w.started = true
	w.busy[running.Deploy.Lane()] = true
	w.running = 1
	w.mu.Unlock()
	for _, j := range []*store.Job{sameLane, otherLane} {
		wt := &waiter{job: j, ready: make(chan struct{})}
		done := make(chan bool)
		go func() { done <- w.waitTurn(wt) }()
		deadline := time.Now().Add(10 * time.Second)
		for statesOf(gh, j.Deploy.ID) != "queued" {
			if time.Now().After(deadline) {
				t.Fatalf("no queued status for %s", j.Deploy.Environment)
			}
			time.Sleep(5 * time.Millisecond)
		}
		close(wt.ready)
		<-done
	}
	desc := func(j *store.Job) string {
		list, err := status.List(ctx, w.c, demo, j.Deploy.ID)
		if err != nil || len(list) == 0 {
			t.Fatal(err)
		}
		return list[0].Description
	}
	if got := desc(sameLane); got != "Waiting for the previous deployment to production to finish" {
		t.Errorf("same environment: %q", got)
	}
	if got := desc(otherLane); strings.Contains(got, "previous deployment") || !strings.Contains(got, "--concurrency") {
		t.Errorf("another environment, no slot free: %q", got)
	}
}
