package listen

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/runner"
)

// recover takes up the jobs a previous run left open. Merges and deployments
// that had not started are resumed. A deployment whose command was running
// is not run again (a deploy command need not be safe to repeat): what is
// left of its process group is killed and it is marked error, saying why.
// A decided final status that was not posted is posted.
func (w *workers) recover() error {
	jobs, err := w.j.Open()
	if err != nil {
		return fmt.Errorf("read the journal: %w", err)
	}
	for _, j := range jobs {
		if j.Kind == journal.KindDeploy && j.Progress.Phase == journal.Running {
			p := &j.Progress
			if p.PGID == 0 {
				// It died before the command started: run it now.
				p.Phase = journal.Pending
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
		if j.Kind == journal.KindDeploy && (w.c == nil || (w.o.Exec == nil && j.Progress.Phase != journal.Finishing)) {
			continue // this run cannot do it (no API, no --exec): keep it for one that can
		}
		if j.Kind == journal.KindMerge {
			if w.o.NoCreateOnMerge {
				continue
			}
			// A previous run may have created the deployment and died before
			// recording it: count that as an attempt, so merge looks first.
			j.Progress.Attempts = max(j.Progress.Attempts, 1)
		}
		w.submit(j)
	}
	return nil
}
