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

// queued records and posts that the deployment waits for its environment.
func (w *workers) queued(j *store.Job) {
	if j.Progress.Phase == store.Waiting {
		return // posted before a restart
	}
	j.Progress.Phase = store.Waiting
	w.save(j)
	deployLog(w, j).Info("deployment queued: waiting for its environment")
	w.post(j, status.SetRequest{State: status.Queued, Description: "Waiting for the previous deployment to " + j.Deploy.Environment + " to finish"})
}

// execute runs the deploy command and posts in_progress and the outcome.
func (w *workers) execute(j *store.Job) {
	d, p := j.Deploy, &j.Progress
	log := deployLog(w, j)
	if p.LogFile == "" {
		p.LogToken = randomToken()
		p.LogFile = filepath.Join("logs", fmt.Sprintf("%s-%d.log", strings.ReplaceAll(d.Repo, "/", "_"), d.ID))
	}
	p.Phase, p.StartedAt = store.Running, time.Now()
	w.save(j)

	logf, err := os.OpenFile(filepath.Join(w.o.StateDir, p.LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		w.decide(j, "error", "The listener could not open the deploy log: "+err.Error(), "")
		w.finish(j)
		return
	}
	defer logf.Close()
	// Ref and environment come from the webhook: quoted, so they cannot forge lines or escapes.
	fmt.Fprintf(logf, "deployctl: deployment %d of %s (ref %q) to %q, started %s\n", d.ID, d.Repo, d.Ref, d.Environment, p.StartedAt.UTC().Format(time.RFC3339))

	log.Info("deployment running", "ref", d.Ref, "sha", deploy.ShortSHA(d.SHA), "log", p.LogFile)
	w.post(j, status.SetRequest{State: status.InProgress, Description: "Deploying " + deploy.ShortSHA(d.SHA) + " with " + filepath.Base(w.o.Exec[0])})

	w.hookStarted(j)
	envFile := filepath.Join(w.o.StateDir, "logs", fmt.Sprintf("%s-%d.environment-url", strings.ReplaceAll(d.Repo, "/", "_"), d.ID))
	res := runner.Run(w.runCtx, runner.Spec{
		Argv: w.o.Exec, Env: deployEnv(d, w.logURL(j)), BaseEnv: childEnviron(), Log: logf,
		Timeout: w.o.Timeout, KillGrace: w.o.KillGrace, EnvURLFile: envFile,
		StopReason: "The listener shut down before the deploy command finished; it was stopped",
		Started: func(pgid int, start uint64) {
			p.PGID, p.PStart = pgid, start
			w.save(j)
		},
	})
	_ = os.Remove(envFile)
	secs := res.Duration.Round(100 * time.Millisecond)
	final, desc := res.Final()
	state := string(final)
	fmt.Fprintf(logf, "deployctl: %s: %s\n", state, desc)
	log.Info(fmt.Sprintf("deployment finished: %s in %v", state, secs), "state", state, "description", desc)
	w.decide(j, state, desc, res.EnvironmentURL)
	w.finish(j)
}

// decide records the final state before it is posted, so a restart can post it.
func (w *workers) decide(j *store.Job, state, desc, envURL string) {
	p := &j.Progress
	p.Phase, p.Final, p.FinalDesc, p.EnvURL, p.FinishedAt = store.Finishing, state, desc, envURL, time.Now()
	w.save(j)
	w.hookFinished(j)
}

// finish posts the decided final status, retrying with backoff, and closes
// the job. A status GitHub refuses for good (the deployment is gone) also
// closes it; one that still cannot be posted stays for the next start.
func (w *workers) finish(j *store.Job) {
	p := &j.Progress
	req := status.SetRequest{State: status.State(p.Final), Description: p.FinalDesc, EnvironmentURL: p.EnvURL}
	wait := w.o.StatusRetry
	for attempt := 1; ; attempt++ {
		err := w.postErr(j, req)
		if err == nil || permanent(err) {
			if err != nil {
				deployLog(w, j).Error("GitHub refused the final status; giving up", "err", err)
			}
			p.Phase = store.Done
			w.save(j)
			return
		}
		if attempt >= 6 {
			deployLog(w, j).Error("could not post the final status; it will be posted at the next start", "err", err)
			p.LastError = err.Error()
			w.save(j)
			return
		}
		deployLog(w, j).Warn("could not post the final status; retrying", "err", err, "in", wait)
		if !w.sleep(wait) {
			// Shutting down: one last try after a short pause, then leave it for the next start.
			time.Sleep(min(wait, time.Second))
		}
		wait *= 2
	}
}

// post sets a status, logging failures: in_progress and queued are
// informative, a lost one is not worth holding the deployment for.
func (w *workers) post(j *store.Job, req status.SetRequest) {
	if err := w.postErr(j, req); err != nil {
		deployLog(w, j).Warn("could not post status "+string(req.State), "err", err)
	}
}

func (w *workers) postErr(j *store.Job, req status.SetRequest) error {
	if len([]rune(req.Description)) > status.MaxDescription {
		req.Description = string([]rune(req.Description)[:status.MaxDescription-1]) + "…"
	}
	req.LogURL = w.logURL(j)
	// A repeated status is harmless (the same state twice), so the client may
	// retry 5xx answers and rate limits itself.
	ctx, cancel := context.WithTimeout(ghapi.WithIdempotent(context.Background()), apiTimeout)
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

// childEnviron is the listener's environment without the webhook secret.
func childEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DEPLOYCTL_WEBHOOK_SECRET=") || strings.HasPrefix(kv, "DEPLOY_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
