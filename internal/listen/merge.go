package listen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// maxMergeAttempts bounds the tries at creating one deployment, restarts included.
const maxMergeAttempts = 8

// feedMerges hands the journal's pending merges to the merge workers,
// oldest first, reading a page at a time: after a burst the backlog stays on
// disk. The journal numbers jobs in the order it makes them readable, so a
// cursor on the job number misses none and reads none twice.
func (w *workers) feedMerges() {
	defer w.wg.Done()
	defer close(w.mergeQ)
	var cursor uint64
	retry := time.Second
	for {
		page, err := w.j.Jobs(context.Background(), store.KindMerge, cursor, mergePage)
		if err != nil {
			// Read again after a pause: a kick may never come.
			w.log.Error("could not read pending merges from the store; retrying", "err", err, "in", retry)
			if !w.sleep(retry) {
				return
			}
			retry = min(retry*2, time.Minute)
			continue
		}
		retry = time.Second
		for _, j := range page {
			if j.Recovered {
				// The previous run may have created the deployment and died
				// before recording it: count that as an attempt, so merge
				// looks first.
				j.Progress.Attempts = max(j.Progress.Attempts, 1)
			}
			select {
			case w.mergeQ <- j:
			case <-w.stopping:
				return // what is left stays pending in the journal
			}
			cursor = j.Seq
		}
		if len(page) == mergePage {
			continue
		}
		select {
		case <-w.mergeKick:
		case <-w.stopping:
			return
		}
	}
}

func (w *workers) mergeLoop() {
	defer w.wg.Done()
	for j := range w.mergeQ {
		w.yieldToIntake()
		w.merge(j)
	}
}

const (
	// intakeBusy is how many deliveries in the intake at once make a merge
	// wait: a burst (a closed-loop client keeps dozens in flight), not a
	// steady stream (at 1,000/s about one is in flight).
	intakeBusy = 8
	// mergeYieldPoll is how often a waiting merge looks again, and
	// mergeYieldMax the longest it waits: the backlog keeps moving (each
	// merge worker takes one at least every mergeYieldMax) and stays in the
	// journal meanwhile.
	mergeYieldPoll = 5 * time.Millisecond
	mergeYieldMax  = 100 * time.Millisecond
)

// yieldToIntake lets a burst of deliveries have the CPU: creating a
// deployment costs the listener (and a GitHub sharing its host) more than
// accepting a delivery, and GitHub times deliveries out, not deployments.
func (w *workers) yieldToIntake() {
	if w.inIntake.Load() < intakeBusy {
		return
	}
	t := time.NewTicker(mergeYieldPoll)
	defer t.Stop()
	deadline := time.Now().Add(mergeYieldMax)
	for w.inIntake.Load() >= intakeBusy && time.Now().Before(deadline) {
		select {
		case <-t.C:
		case <-w.stopping:
			return
		}
	}
}

// intake counts the deliveries h is handling, for yieldToIntake.
func (w *workers) intake(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.inIntake.Add(1)
		defer w.inIntake.Add(-1)
		h.ServeHTTP(rw, r)
	})
}

func mergeDescription(m *store.Merge) string {
	return fmt.Sprintf("Merged pull request #%d", m.Number)
}

// merge creates the deployment of a merged pull request's head SHA. A POST
// that failed may still have created it, so before every try but the first
// (also after a restart) it looks for the deployment first.
func (w *workers) merge(j *store.Job) {
	m, p := j.Merge, &j.Progress
	log := w.log.With("repo", m.Repo, "pr", m.Number)
	payload, _ := json.Marshal(map[string]string{"deploy_user": m.Author})
	req := deploy.CreateRequest{
		Ref: m.HeadSHA, Task: "deploy", Environment: w.o.Environment, Description: mergeDescription(m),
		Payload: payload, AutoMerge: false,
		OnAutoMerge: func(msg string) { log.Info("GitHub merged the default branch into the ref: " + msg) },
	}
	wait := w.o.StatusRetry
	for {
		// The first try is not recorded (the journal already says the job is
		// pending, and recovery looks before it creates); later ones are.
		p.Attempts++
		if p.Attempts > 1 {
			w.save(j)
		}
		ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
		if p.Attempts > 1 {
			if d := w.findCreated(ctx, j); d != nil {
				cancel()
				log.Info("deployment for the merge already exists", "deployment", d.ID)
				w.created(j, d)
				return
			}
		}
		var d *deploy.Deployment
		err := w.mergeLock(ctx, j, log)
		if errors.Is(err, errMergeLocked) {
			cancel()
			return
		}
		if err == nil {
			d, err = deploy.Create(ctx, w.c, w.repo(m.Repo), req)
		}
		cancel()
		if err == nil {
			log.Info(fmt.Sprintf("created deployment %d of %s to %s", d.ID, deploy.ShortSHA(m.HeadSHA), d.Environment),
				"deployment", d.ID, "sha", deploy.ShortSHA(m.HeadSHA), "environment", d.Environment, "deploy_user", m.Author)
			w.created(j, d)
			return
		}
		if permanent(err) || p.Attempts >= maxMergeAttempts {
			log.Error("could not create the deployment", "err", err)
			p.Phase, p.LastError = store.Done, err.Error()
			w.save(j)
			return
		}
		log.Warn("could not create the deployment; retrying", "err", err, "in", wait)
		p.LastError = err.Error()
		if !w.sleep(wait) {
			return // shutting down; retried at the next start
		}
		wait = min(wait*2, time.Minute)
	}
}

// created closes a merge whose deployment exists. When this listener runs
// deployments to its environment, the deployment becomes a job at once: it
// runs even if GitHub's deployment webhook never comes (and the webhook,
// when it comes, is a duplicate). The job is recorded before the merge is
// closed, so a crash between the two repeats only the lookup.
func (w *workers) created(j *store.Job, d *deploy.Deployment) {
	m, p := j.Merge, &j.Progress
	if job := w.deployJob(m.Repo, d); job != nil {
		dup, err := w.j.AddJob(context.Background(), job)
		switch {
		case err != nil:
			w.log.Error("could not record the new deployment as a job; it runs when its webhook comes", "deployment", d.ID, "err", err)
		case !dup && !store.Feeds(w.j):
			w.submit(job)
		}
	}
	p.CreatedID, p.Phase = d.ID, store.Done
	w.save(j)
}

// deployJob is the job of a deployment the listener created, nil when this
// listener does not run it (no --exec, or --environment-filter says no).
func (w *workers) deployJob(repo string, d *deploy.Deployment) *store.Job {
	r := w.o.rules()
	if !r.Exec || !r.RunsIn(d.Environment) {
		return nil
	}
	return &store.Job{
		Kind: store.KindDeploy, AcceptedAt: time.Now(), Progress: store.Progress{Phase: store.Pending},
		Deploy: &store.Deploy{
			ID: d.ID, Repo: repo, Environment: d.Environment, Ref: d.Ref, SHA: d.SHA, Task: d.Task,
			Description: d.Description, Creator: d.Creator, Payload: deploy.NormalizePayload(d.Payload),
		},
	}
}

// findCreated looks for a deployment this job created in an attempt whose
// answer was lost.
func (w *workers) findCreated(ctx context.Context, j *store.Job) *deploy.Deployment {
	m := j.Merge
	list, err := deploy.List(ctx, w.c, w.repo(m.Repo), deploy.ListOptions{SHA: m.HeadSHA, Environment: w.o.Environment, Limit: 30})
	if err != nil {
		return nil
	}
	for i := range list {
		d := &list[i]
		var pl struct {
			DeployUser string `json:"deploy_user"`
		}
		_ = json.Unmarshal(d.Payload, &pl)
		if d.Description == mergeDescription(m) && pl.DeployUser == m.Author {
			return d
		}
	}
	return nil
}
