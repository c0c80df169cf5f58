package listen

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/lock"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// This file holds the listener's side of deployment locks (internal/lock): a deployment to an environment
// locked by someone else than its creator is not run, and a merged pull request into one creates nothing.
// The check is the one every deploy path uses: one request, since the listener knows who deploys.

// lockAdmits says whether the deployment may run; when not, the final status says why ("locked by
// <owner>: <reason>"). Who deploys is the deployment's creator, or the deploy_user of its payload: the
// listener creates a merged pull request's deployment with its own token for the pull request's author,
// whom the merge was let through for. A lock that cannot be read stops the deployment too: a lock is
// there to be safe.
func (w *workers) lockAdmits(j *store.Job) (ok bool, state status.State, desc string) {
	d := j.Deploy
	ctx, cancel := context.WithTimeout(w.apiCtx, apiTimeout)
	defer cancel()
	checked, err := lock.Check(ctx, w.c, w.repo(d.Repo), d.Environment, lock.CheckOptions{Actor: d.Creator})
	var locked *lock.LockedError
	var p struct {
		DeployUser string `json:"deploy_user"`
	}
	if errors.As(err, &locked) && json.Unmarshal(d.Payload, &p) == nil && locked.Lock.HeldBy(p.DeployUser) {
		return true, "", ""
	}
	switch {
	case errors.As(err, &locked):
		return false, status.Error, locked.Description()
	case err != nil:
		return false, status.Error, "The listener could not read the lock on " + d.Environment + ": " + err.Error()
	}
	for _, n := range checked.Notes(time.Now()) {
		deployLog(w, j).Info(n)
	}
	return true, "", ""
}

// errMergeLocked means the merge's environment is locked: nothing is created.
var errMergeLocked = errors.New("environment locked")

// mergeLock checks the environment a merged pull request would deploy to, for its author (the
// deploy_user). Locked: logged, the merge is done, errMergeLocked. Another error is retried as a failed
// creation would be.
func (w *workers) mergeLock(ctx context.Context, j *store.Job, log *slog.Logger) error {
	m := j.Merge
	checked, err := lock.Check(ctx, w.c, w.repo(m.Repo), w.o.Environment, lock.CheckOptions{Actor: m.Author})
	var locked *lock.LockedError
	if errors.As(err, &locked) {
		log.Info("merged pull request not deployed: "+locked.Error(), "environment", w.o.Environment, "locked_by", locked.Lock.CreatedBy)
		j.Progress.Phase, j.Progress.LastError = store.Done, locked.Description()
		w.save(j)
		return errMergeLocked
	}
	if err != nil {
		return err
	}
	for _, n := range checked.Notes(time.Now()) {
		log.Info(n)
	}
	return nil
}
