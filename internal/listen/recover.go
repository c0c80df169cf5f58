package listen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/runner"
)

// recover takes up the deployments a previous run left open (merges are
// read from the journal by the merge feeder). Deployments that had not
// started are resumed. A deployment whose command was running
// is not run again (a deploy command need not be safe to repeat): what is
// left of its process group is killed and it is marked error, saying why.
// A decided final status that was not posted is posted.
func (w *workers) recover() error {
	var cursor uint64
	for {
		page, err := w.j.Jobs(context.Background(), store.KindDeploy, cursor, 256)
		if err != nil {
			return fmt.Errorf("read the journal: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, j := range page {
			w.recoverDeploy(j)
			cursor = j.Seq
		}
	}
}

func (w *workers) recoverDeploy(j *store.Job) {
	if j.Progress.Phase == store.Running {
		p := &j.Progress
		if p.PGID == 0 {
			// It died before the command started: run it now.
			p.Phase = store.Pending
			deployLog(w, j).Info("resuming a deployment the previous listener had not started")
		} else {
			killed := runner.KillOrphans(p.PGID, p.PStart)
			desc := "The listener stopped while the deploy command was running; its outcome is unknown"
			if killed {
				desc += " and what was left of it was killed"
			}
			deployLog(w, j).Warn("deployment was interrupted by a listener restart: marking it error", "pgid", p.PGID)
			if f, err := os.OpenFile(filepath.Join(w.o.StateDir, p.LogFile), os.O_WRONLY|os.O_APPEND, 0); err == nil {
				fmt.Fprintf(f, "deployctl: error: %s\n", desc)
				f.Close()
			}
			w.decide(j, "error", desc, "")
		}
	}
	if w.c == nil || (w.o.Exec == nil && j.Progress.Phase != store.Finishing) {
		return // this run cannot do it (no API, no --exec): keep it for one that can
	}
	w.submit(j)
}
