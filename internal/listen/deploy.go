package listen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/runner"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// apiTimeout bounds one status post or deployment creation, retries included.
const apiTimeout = 2 * time.Minute

func deployLog(w *workers, j *store.Job) *slog.Logger {
	d := j.Deploy
	return w.log.With("repo", d.Repo, "deployment", d.ID, "environment", d.Environment)
}

// queued records and posts that the deployment waits: for the previous
// deployment to its environment when one runs there (laneBusy), otherwise
// for a free slot of --concurrency.
func (w *workers) queued(j *store.Job, laneBusy bool) {
	if j.Progress.Phase == store.Waiting {
		return // posted before a restart
	}
	j.Progress.Phase = store.Waiting
	w.save(j)
	desc := fmt.Sprintf("Waiting for one of the %d deployments running to finish (--concurrency)", w.o.Concurrency)
	if laneBusy {
		desc = "Waiting for the previous deployment to " + j.Deploy.Environment + " to finish"
	}
	deployLog(w, j).Info("deployment queued: " + desc)
	w.post(j, status.SetRequest{State: status.Queued, Description: desc})
}

// admit is the one place a deployment is let run, once its turn came and
// just before anything runs: it says no, with the final status to post,
// when the deployment may not run (its environment is locked: lock.go).
func (w *workers) admit(j *store.Job) (ok bool, state status.State, desc string) {
	return w.lockAdmits(j)
}

// execute runs the deploy command of a deployment whose turn came, posts
// in_progress and decides the outcome (finish posts it).
func (w *workers) execute(j *store.Job) {
	d, p := j.Deploy, &j.Progress
	log := deployLog(w, j)
	if ok, state, desc := w.admit(j); !ok {
		log.Info("deployment not run: "+desc, "state", state)
		w.decide(j, state, desc, "")
		return
	}
	// Across listeners sharing a store, the lane is held there too.
	release, err := w.j.Lane(w.runCtx, d.Lane())
	if err != nil {
		w.decide(j, status.Error, "The listener could not take its turn in "+d.Environment+": "+err.Error(), "")
		return
	}
	defer release()
	if p.LogFile == "" {
		p.LogToken = randomToken()
		p.LogFile = filepath.Join("logs", fmt.Sprintf("%s-%d.log", strings.ReplaceAll(d.Repo, "/", "_"), d.ID))
	}
	p.Phase, p.StartedAt = store.Starting, time.Now()
	w.save(j)

	logf, err := os.OpenFile(filepath.Join(w.o.StateDir, p.LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		w.decide(j, status.Error, "The listener could not open the deploy log: "+err.Error(), "")
		return
	}
	defer logf.Close()
	// Ref and environment come from the webhook: quoted, so they cannot forge lines or escapes.
	fmt.Fprintf(logf, "deployctl: deployment %d of %s (ref %q) to %q, started %s\n", d.ID, d.Repo, d.Ref, d.Environment, p.StartedAt.UTC().Format(time.RFC3339))

	log.Info("deployment running", "ref", d.Ref, "sha", deploy.ShortSHA(d.SHA), "log", p.LogFile)
	if !w.latestIs(j, status.InProgress) {
		w.post(j, status.SetRequest{State: status.InProgress, Description: runner.Starting(d.SHA, w.o.Exec)})
	}
	// Recorded before the command starts: a listener that dies from here on
	// is never to run it again (the next start marks it error).
	p.Phase = store.Running
	if err := w.j.Save(context.Background(), j); err != nil {
		log.Error("could not record that the deployment starts: not running it", "err", err)
		w.decide(j, status.Error, "The listener could not record the deployment in its journal: "+err.Error(), "")
		return
	}
	w.hookStarted(j)
	res := runner.Run(w.runCtx, runner.Spec{
		Argv: w.o.Exec, Env: deployEnv(d, w.logURL(j)), BaseEnv: childEnviron(w.o.Secret), Log: logf,
		LogLimit: runner.MaxLog, Timeout: w.o.Timeout, KillGrace: w.o.KillGrace,
		StopReason: "The listener shut down before the deploy command finished; it was stopped",
		Started: func(pgid int, start uint64) {
			p.PGID, p.PStart = pgid, start
			w.save(j)
		},
	})
	final, desc := res.Final()
	fmt.Fprintf(logf, "deployctl: %s: %s\n", final, desc)
	log.Info(fmt.Sprintf("deployment finished: %s in %v", final, res.Duration.Round(100*time.Millisecond)),
		"state", final, "description", desc)
	w.decide(j, final, desc, res.EnvironmentURL)
}

// decide records the final state before it is posted, so a restart can post
// it; every deployment's end comes through here.
func (w *workers) decide(j *store.Job, state status.State, desc, envURL string) {
	p := &j.Progress
	p.Phase, p.Final, p.FinalDesc, p.EnvURL, p.FinishedAt = store.Finishing, state, desc, envURL, time.Now()
	w.save(j)
	w.hookFinished(j)
}

// maxStatusWait is the longest wait between tries at a final status.
const maxStatusWait = 5 * time.Minute

// finish posts the decided final status and closes the job, retrying with
// backoff for as long as the listener runs (GitHub may be down for a
// while). A status GitHub refuses for good (the deployment is gone) also
// closes it; one not posted when the listener stops stays in the journal
// and is posted at the next start.
func (w *workers) finish(j *store.Job) {
	p := &j.Progress
	log := deployLog(w, j)
	if w.latestIs(j, p.Final) {
		// Posted before a restart, not yet recorded as done: not twice.
		p.Phase = store.Done
		w.save(j)
		return
	}
	req := status.SetRequest{State: p.Final, Description: p.FinalDesc, EnvironmentURL: p.EnvURL}
	wait := w.o.StatusRetry
	for {
		err := w.postErr(j, req)
		if err == nil || permanent(err) {
			if err != nil {
				log.Error("GitHub refused the final status; giving up", "err", err)
			}
			p.Phase = store.Done
			w.save(j)
			return
		}
		p.LastError = err.Error()
		select {
		case <-w.stopping:
			log.Error("could not post the final status; it will be posted at the next start", "err", err)
			w.save(j)
			return
		default:
		}
		log.Warn("could not post the final status; retrying", "err", err, "in", wait)
		w.sleep(wait) // cut short by the shutdown: then one last try
		wait = min(wait*2, maxStatusWait)
	}
}

// latestIs reports, for a job a previous run left, whether GitHub's latest
// status of the deployment is already state: that run may have posted it
// and died before recording so.
func (w *workers) latestIs(j *store.Job, state status.State) bool {
	if !j.Recovered || w.c == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(w.apiCtx, apiTimeout)
	defer cancel()
	list, err := status.List(ctx, w.c, w.repo(j.Deploy.Repo), j.Deploy.ID)
	return err == nil && len(list) > 0 && status.State(list[0].State) == state
}

// post sets a status, logging failures: in_progress and queued are
// informative, a lost one is not worth holding the deployment for.
func (w *workers) post(j *store.Job, req status.SetRequest) {
	if err := w.postErr(j, req); err != nil {
		deployLog(w, j).Warn("could not post status "+string(req.State), "err", err)
	}
}

func (w *workers) postErr(j *store.Job, req status.SetRequest) error {
	req.Description = status.FitDescription(req.Description)
	req.LogURL = w.logURL(j)
	// A repeated status is harmless (the same state twice), so the client may
	// retry 5xx answers and rate limits itself.
	ctx, cancel := context.WithTimeout(ghapi.WithIdempotent(w.apiCtx), apiTimeout)
	defer cancel()
	_, err := status.Set(ctx, w.c, w.repo(j.Deploy.Repo), j.Deploy.ID, req)
	return err
}

// permanent reports an error that another try will not fix.
func permanent(err error) bool {
	code := ghapi.StatusCode(err)
	return code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusForbidden && code != http.StatusRequestTimeout
}

func (w *workers) logURL(j *store.Job) string {
	if w.o.LogURLBase == "" || j.Progress.LogToken == "" {
		return ""
	}
	return w.o.LogURLBase + "/logs/" + j.Progress.LogToken
}

// deployEnv is the only way webhook data reaches the command.
func deployEnv(d *store.Deploy, logURL string) []string {
	return runner.Env(d.Repo, deploy.Deployment{
		ID: d.ID, Environment: d.Environment, Ref: d.Ref, SHA: d.SHA, Task: d.Task,
		Payload: d.Payload, Description: d.Description, Creator: d.Creator,
	}, logURL)
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
