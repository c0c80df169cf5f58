package river

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/pgtest"
)

var ctx = context.Background()

func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(ctx, Options{URL: url, Deployments: 2, Snooze: 100 * time.Millisecond, FetchPoll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// feed collects what a store hands its listener.
type feed struct {
	mu   sync.Mutex
	jobs []*store.Job
	got  chan *store.Job
}

func newFeed(s *Store) *feed {
	f := &feed{got: make(chan *store.Job, 64)}
	s.Feed(func(j *store.Job) {
		f.mu.Lock()
		f.jobs = append(f.jobs, j)
		f.mu.Unlock()
		f.got <- j
	})
	return f
}

func (f *feed) next(t *testing.T) *store.Job {
	t.Helper()
	select {
	case j := <-f.got:
		return j
	case <-time.After(10 * time.Second):
		t.Fatal("no job handed out")
		return nil
	}
}

func deployDelivery(id string, dep int64, env string) *store.Delivery {
	return &store.Delivery{ID: id, Event: "deployment", ReceivedAt: time.Now(), Job: &store.Job{
		Kind: store.KindDeploy, Progress: store.Progress{Phase: store.Pending},
		Deploy: &store.Deploy{ID: dep, Repo: "octo/app", Environment: env, SHA: strings.Repeat("a", 40)},
	}}
}

func TestDedupeAcrossListeners(t *testing.T) {
	url := pgtest.Start(t).NewDatabase(t)
	a, b := open(t, url), open(t, url)
	if dup, err := a.Append(ctx, deployDelivery("d-1", 1, "production")); dup || err != nil {
		t.Fatalf("first: dup %v, %v", dup, err)
	}
	// A redelivery to the other listener, and another delivery of the same
	// deployment, are no-ops.
	if dup, err := b.Append(ctx, deployDelivery("d-1", 1, "production")); !dup || err != nil {
		t.Fatalf("redelivery: dup %v, %v", dup, err)
	}
	if dup, err := b.Append(ctx, deployDelivery("d-2", 1, "production")); !dup || err != nil {
		t.Fatalf("same deployment: dup %v, %v", dup, err)
	}
	if dup, err := a.AddJob(ctx, deployDelivery("", 1, "production").Job); !dup || err != nil {
		t.Fatalf("AddJob of a known deployment: dup %v, %v", dup, err)
	}
	var n int
	if err := a.pool.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d River jobs (%v), want 1", n, err)
	}
}

func TestOneListenerTakesEachJobAndLanesHold(t *testing.T) {
	url := pgtest.Start(t).NewDatabase(t)
	a, b := open(t, url), open(t, url)
	fa, fb := newFeed(a), newFeed(b)
	for i, env := range []string{"production", "production", "staging"} {
		if _, err := a.Append(ctx, deployDelivery("d-"+env+string(rune('0'+i)), int64(i+1), env)); err != nil {
			t.Fatal(err)
		}
	}
	// Production's first and staging's run at once, on either listener;
	// production's second waits for the first.
	got := map[int64]*Store{}
	var first, staging *store.Job
	for len(got) < 2 {
		select {
		case j := <-fa.got:
			got[j.Deploy.ID] = a
			if j.Deploy.ID == 1 {
				first = j
			} else {
				staging = j
			}
		case j := <-fb.got:
			got[j.Deploy.ID] = b
			if j.Deploy.ID == 1 {
				first = j
			} else {
				staging = j
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("handed out %v", got)
		}
	}
	if first == nil || staging == nil || staging.Deploy.ID != 3 {
		t.Fatalf("handed out first %v staging %v: production's second before its first", first, staging)
	}
	select {
	case j := <-fa.got:
		t.Fatalf("deployment %d handed out while production's first runs", j.Deploy.ID)
	case j := <-fb.got:
		t.Fatalf("deployment %d handed out while production's first runs", j.Deploy.ID)
	case <-time.After(time.Second):
	}
	owner := got[1]
	release, err := owner.Lane(ctx, first.Deploy.Lane())
	if err != nil {
		t.Fatal(err)
	}
	first.Progress.Phase = store.Done
	if err := owner.Save(ctx, first); err != nil {
		t.Fatal(err)
	}
	release()
	var second *store.Job
	select {
	case second = <-fa.got:
	case second = <-fb.got:
	case <-time.After(10 * time.Second):
		t.Fatal("production's second never handed out")
	}
	if second.Deploy.ID != 2 {
		t.Fatalf("handed out %d", second.Deploy.ID)
	}
}

func TestOrphansOfADeadListener(t *testing.T) {
	url := pgtest.Start(t).NewDatabase(t)
	a, b := open(t, url), open(t, url)
	fa := newFeed(a)
	if _, err := a.Append(ctx, deployDelivery("d-1", 7, "production")); err != nil {
		t.Fatal(err)
	}
	j := fa.next(t)
	j.Progress.Phase, j.Progress.PGID = store.Running, 4242
	if err := a.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Orphans(ctx); err != nil || len(got) != 0 {
		t.Fatalf("orphans of a live listener: %v, %v", got, err)
	}
	// a dies: its connections close, its locks go (once its server process
	// has noticed: the workers look every 30 s; here, until a deadline).
	a.release()
	var got []*store.Job
	for deadline := time.Now().Add(10 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if got, err = b.Orphans(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 {
		t.Fatalf("orphans: %v", got)
	}
	o := got[0]
	if !o.Recovered || o.Deploy.ID != 7 || o.Progress.Phase != store.Running {
		t.Fatalf("orphan %+v", o)
	}
	if again, _ := b.Orphans(ctx); len(again) != 0 {
		t.Fatalf("handed twice: %v", again)
	}
	o.Progress.Phase = store.Done
	if err := b.Save(ctx, o); err != nil {
		t.Fatal(err)
	}
}
