package listen

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/status"
)

const (
	// mergeWorkers bounds concurrent deployment creations for merged PRs.
	mergeWorkers = 2
	// mergePage is how many pending merges are read from the journal at a
	// time; a burst's backlog stays in the journal, not in memory.
	mergePage = 64
)

// workers take journaled jobs and do them: merges through a small pool,
// deployments through lanes (one at a time per repository+environment, at
// most Concurrency at once).
type workers struct {
	o   *Options
	j   store.Store
	c   *ghapi.Client
	log *slog.Logger

	// runCtx is cancelled when the shutdown grace is over: running deploy
	// commands are then stopped. apiCtx is cancelled apiGrace later: what
	// GitHub has not answered by then is left for the next start.
	runCtx     context.Context
	cancelRuns context.CancelFunc
	apiCtx     context.Context
	cancelAPI  context.CancelFunc
	stopping   chan struct{}
	wg         sync.WaitGroup // every job goroutine

	// Merges are read from the store in pages by one feeder; intake only
	// tells it there is more (mergeKick).
	mergeKick chan struct{}
	mergeQ    chan *store.Job
	// inIntake is how many deliveries the intake is handling right now.
	inIntake atomic.Int32

	mu      sync.Mutex
	started bool
	stopped bool
	early   []*store.Job // submitted before start
	running int
	busy    map[string]bool // lane -> a deployment runs
	waiting []*waiter       // oldest first
}

type waiter struct {
	job     *store.Job
	ready   chan struct{}
	started bool
}

func newWorkers(o *Options, j store.Store, c *ghapi.Client) *workers {
	w := &workers{
		o: o, j: j, c: c, log: o.Log, busy: map[string]bool{}, stopping: make(chan struct{}),
		mergeKick: make(chan struct{}, 1), mergeQ: make(chan *store.Job),
	}
	w.runCtx, w.cancelRuns = context.WithCancel(context.Background())
	w.apiCtx, w.cancelAPI = context.WithCancel(context.Background())
	return w
}

// start runs the merge pool and everything submitted so far.
func (w *workers) start() {
	w.mu.Lock()
	w.started = true
	early := w.early
	w.early = nil
	w.mu.Unlock()
	if w.c != nil {
		w.wg.Add(1)
		go w.watchOrphans()
	}
	if w.c != nil && !w.o.NoCreateOnMerge {
		w.wg.Add(1 + mergeWorkers)
		go w.feedMerges()
		for range mergeWorkers {
			go w.mergeLoop()
		}
	}
	for _, j := range early {
		w.submit(j)
	}
	if f, ok := w.j.(store.Feeder); ok {
		f.Feed(w.submit)
	}
}

// accepted is what the intake tells of each job it recorded: the workers,
// unless the store hands out the work itself.
func (w *workers) accepted() func(*store.Job) {
	if store.Feeds(w.j) {
		return nil
	}
	return w.submit
}

// submit takes a journaled job. It never blocks.
func (w *workers) submit(j *store.Job) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return // stays in the journal for the next start
	}
	if !w.started {
		w.early = append(w.early, j)
		return
	}
	switch j.Kind {
	case store.KindMerge:
		// The feeder reads it from the journal.
		select {
		case w.mergeKick <- struct{}{}:
		default:
		}
	case store.KindDeploy:
		if j.Progress.Phase == store.Finishing {
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				w.finish(j)
			}()
			return
		}
		wt := &waiter{job: j, ready: make(chan struct{})}
		w.waiting = append(w.waiting, wt)
		w.dispatchLocked()
		w.wg.Add(1)
		go w.deploy(wt)
	}
}

// dispatchLocked starts waiting deployments whose lane is free, oldest
// first, while there is room.
func (w *workers) dispatchLocked() {
	for i := 0; i < len(w.waiting) && w.running < w.o.Concurrency; {
		wt := w.waiting[i]
		lane := wt.job.Deploy.Lane()
		if w.busy[lane] || w.stopped {
			i++
			continue
		}
		w.waiting = append(w.waiting[:i], w.waiting[i+1:]...)
		w.busy[lane] = true
		w.running++
		wt.started = true
		close(wt.ready)
	}
	w.hookDepthLocked()
}

// leave frees the deployment's lane and slot.
func (w *workers) leave(j *store.Job) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.busy, j.Deploy.Lane())
	w.running--
	w.dispatchLocked()
}

// deploy waits for the deployment's turn, runs it and posts its statuses.
// The lane is free again once the outcome is decided: posting it (which
// may take retries while GitHub is down) does not hold the next one up.
func (w *workers) deploy(wt *waiter) {
	defer w.wg.Done()
	j := wt.job
	if !w.waitTurn(wt) {
		w.decide(j, status.Error, "The listener shut down before this deployment's turn came; redeploy to run it", "")
		w.finish(j)
		return
	}
	w.execute(j)
	w.leave(j)
	w.finish(j)
}

// waitTurn waits until the deployment may run, posting queued if it has to
// wait; false when the listener stopped first.
func (w *workers) waitTurn(wt *waiter) bool {
	select {
	case <-wt.ready:
		return true
	default:
	}
	w.mu.Lock()
	laneBusy := w.busy[wt.job.Deploy.Lane()]
	w.mu.Unlock()
	w.queued(wt.job, laneBusy)
	select {
	case <-wt.ready:
		return true
	case <-w.stopping:
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if wt.started {
		return true // its turn came as the listener stopped: it runs, within the grace
	}
	for i, x := range w.waiting {
		if x == wt {
			w.waiting = append(w.waiting[:i], w.waiting[i+1:]...)
			break
		}
	}
	return false
}

// apiGrace is how long after the shutdown grace GitHub gets to answer the
// last status posts: the listener ends within --shutdown-grace + 10 s.
const apiGrace = 8 * time.Second

// stop drains: no new work, running deployments get grace, then are
// stopped; statuses still unposted apiGrace later stay journaled.
func (w *workers) stop(grace time.Duration) {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	close(w.stopping)

	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	defer w.cancelAPI()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	w.mu.Lock()
	running := w.running
	w.mu.Unlock()
	if running > 0 {
		w.log.Warn("shutdown grace is over: stopping the deploy commands still running")
	}
	w.cancelRuns()
	api := time.NewTimer(apiGrace)
	defer api.Stop()
	select {
	case <-done:
		return
	case <-api.C:
	}
	w.log.Warn("GitHub did not answer in time: what is not posted yet is posted at the next start")
	w.cancelAPI()
	<-done
}

func (w *workers) repo(fullName string) repository.Repository {
	owner, name, _ := cutRepo(fullName)
	host := w.o.Host
	if host == "" && w.c != nil {
		host = w.c.Target.Host
	}
	return repository.Repository{Host: host, Owner: owner, Name: name}
}

func cutRepo(fullName string) (string, string, bool) {
	for i := 0; i < len(fullName); i++ {
		if fullName[i] == '/' {
			return fullName[:i], fullName[i+1:], true
		}
	}
	return fullName, "", false
}

// save records progress; a journal that cannot write is logged, and the job
// goes on (the worst case is work redone or re-marked after a restart).
func (w *workers) save(j *store.Job) {
	if err := w.j.Save(context.Background(), j); err != nil {
		w.log.Error("could not record progress in the journal", "job", j.Seq, "err", err)
	}
}

// sleep waits d, or less when the listener stops; it reports whether the
// full wait passed.
func (w *workers) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.stopping:
		return false
	}
}
