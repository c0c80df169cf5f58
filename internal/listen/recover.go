package listen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/runner"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// recover takes up the deployments a previous run left open (merges are
// read from the store by the merge feeder). Deployments whose command had
// not started are resumed. One whose command may have started is not run
// again (a deploy command need not be safe to repeat): what is left of its
// process group is killed and it is marked error, saying why. A decided
// final status that was not posted is posted.
func (w *workers) recover() error {
	var cursor uint64
	for {
		page, err := w.j.Jobs(context.Background(), store.KindDeploy, cursor, 256)
		if err != nil {
			return fmt.Errorf("read the journal: %w", err)
		}
		if len(page) == 0 {
			return w.adoptOrphans()
		}
		for _, j := range page {
			w.recoverDeploy(j)
			cursor = j.Seq
		}
	}
}

func (w *workers) recoverDeploy(j *store.Job) {
	p := &j.Progress
	switch p.Phase {
	case store.Starting:
		// Its turn had come, the command had not started: run it now.
		p.Phase = store.Pending
		deployLog(w, j).Info("resuming a deployment the previous listener had not started")
	case store.Running:
		// Recorded before the command started: it may have run, so it is
		// never run again.
		killed := runner.KillOrphans(p.PGID, p.PStart)
		desc := "The listener stopped while the deploy command was running; its outcome is unknown"
		if p.PGID == 0 {
			desc = "The listener stopped as the deploy command was starting; whether it ran is unknown"
		} else if killed {
			desc += " and what was left of it was killed"
		}
		deployLog(w, j).Warn("deployment was interrupted by a listener restart: marking it error", "pgid", p.PGID)
		if p.LogFile != "" {
			if f, err := os.OpenFile(filepath.Join(w.o.StateDir, p.LogFile), os.O_WRONLY|os.O_APPEND, 0); err == nil {
				fmt.Fprintf(f, "deployctl: %s: %s\n", status.Error, desc)
				f.Close()
			}
		}
		w.decide(j, status.Error, desc, "")
	}
	if w.c == nil || (w.o.Exec == nil && p.Phase != store.Finishing) {
		return // this run cannot do it (no API, no --exec): keep it for one that can
	}
	w.submit(j)
}

// adoptOrphans takes up the jobs of listeners that died (a store shared by
// several; the journal has none) as recovery does those of a previous run.
func (w *workers) adoptOrphans() error {
	jobs, err := w.j.Orphans(context.Background())
	if err != nil {
		return fmt.Errorf("read the store: %w", err)
	}
	for _, j := range jobs {
		switch j.Kind {
		case store.KindDeploy:
			w.recoverDeploy(j)
		case store.KindMerge:
			if w.c == nil || w.o.NoCreateOnMerge {
				continue
			}
			j.Progress.Attempts = max(j.Progress.Attempts, 1) // merge looks before it creates
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				w.merge(j)
			}()
		}
	}
	return nil
}

// watchOrphans adopts orphans every store.OrphanCheck while the listener runs.
func (w *workers) watchOrphans() {
	defer w.wg.Done()
	t := time.NewTicker(store.OrphanCheck)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-w.stopping:
			return
		}
		if err := w.adoptOrphans(); err != nil {
			w.log.Error("could not take up the jobs of a listener that stopped", "err", err)
		}
	}
}
