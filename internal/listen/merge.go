package listen

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/listen/journal"
)

// maxMergeAttempts bounds the tries at creating one deployment, restarts included.
const maxMergeAttempts = 8

func (w *workers) mergeLoop() {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		for len(w.mergeQ) == 0 && !w.stopped {
			w.mergeCond.Wait()
		}
		if w.stopped {
			w.mu.Unlock()
			return // what is left stays pending in the journal
		}
		j := w.mergeQ[0]
		w.mergeQ = w.mergeQ[1:]
		w.mu.Unlock()
		w.merge(j)
	}
}

func mergeDescription(m *journal.Merge) string {
	return fmt.Sprintf("Merged pull request #%d", m.Number)
}

// merge creates the deployment of a merged pull request's head SHA. A POST
// that failed may still have created it, so before every try but the first
// (also after a restart) it looks for the deployment first.
func (w *workers) merge(j *journal.Job) {
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
			if id := w.findCreated(ctx, j); id != 0 {
				cancel()
				log.Info("deployment for the merge already exists", "deployment", id)
				p.CreatedID, p.Phase = id, journal.Done
				w.save(j)
				return
			}
		}
		d, err := deploy.Create(ctx, w.c, w.repo(m.Repo), req)
		cancel()
		if err == nil {
			log.Info(fmt.Sprintf("created deployment %d of %s to %s", d.ID, short(m.HeadSHA), d.Environment),
				"deployment", d.ID, "sha", short(m.HeadSHA), "environment", d.Environment, "deploy_user", m.Author)
			p.CreatedID, p.Phase = d.ID, journal.Done
			w.save(j)
			return
		}
		if permanent(err) || p.Attempts >= maxMergeAttempts {
			log.Error("could not create the deployment", "err", err)
			p.Phase, p.LastError = journal.Done, err.Error()
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

// findCreated looks for a deployment this job created in an attempt whose
// answer was lost.
func (w *workers) findCreated(ctx context.Context, j *journal.Job) int64 {
	m := j.Merge
	list, err := deploy.List(ctx, w.c, w.repo(m.Repo), deploy.ListOptions{SHA: m.HeadSHA, Environment: w.o.Environment, Limit: 30})
	if err != nil {
		return 0
	}
	for _, d := range list {
		var pl struct {
			DeployUser string `json:"deploy_user"`
		}
		_ = json.Unmarshal(d.Payload, &pl)
		if d.Description == mergeDescription(m) && pl.DeployUser == m.Author {
			return d.ID
		}
	}
	return 0
}
