package listen

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	listener "github.com/deployctl/gh-deployctl/internal/listen"
	"github.com/deployctl/gh-deployctl/internal/metrics"
	"github.com/deployctl/gh-deployctl/internal/notify"
)

// checkHooks validates --notify and --metrics-addr before anything starts.
func checkHooks(opts *ListenOptions) error {
	for _, u := range opts.Notify {
		if err := notify.ValidateURL(u); err != nil {
			return &cmdutil.UsageError{Err: err}
		}
	}
	if (opts.PollGiven || opts.Poll != 0) && (opts.Poll < time.Second || len(opts.Repos) == 0) {
		return cmdutil.Usagef("--poll needs a duration of at least 1s and the repositories to poll (-R OWNER/REPO)")
	}
	if len(opts.Repos) > 0 && !opts.PollGiven && opts.Poll == 0 {
		return cmdutil.Usagef("-R/--repo names the repositories --poll asks; give --poll too")
	}
	for _, r := range opts.Repos {
		if !deploy.ValidFullName(r) {
			return cmdutil.Usagef("-R %q is not OWNER/REPO", r)
		}
	}
	if opts.Database != "" && !strings.HasPrefix(opts.Database, "postgres://") && !strings.HasPrefix(opts.Database, "postgresql://") {
		return cmdutil.Usagef("--database must be a postgres:// URL")
	}
	if opts.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(opts.MetricsAddr); err != nil {
			return cmdutil.Usagef("--metrics-addr %q is not HOST:PORT", opts.MetricsAddr)
		}
	}
	return nil
}

// startHooks starts the notifier and the metrics server the flags ask for
// and returns the listener's hooks and what stops them.
func startHooks(opts *ListenOptions, log *slog.Logger) (listener.Hooks, func(), error) {
	var hooks listener.Hooks
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if len(opts.Notify) > 0 {
		n, err := notify.New(notify.Options{URLs: opts.Notify, Log: log})
		if err != nil {
			return hooks, stop, &cmdutil.UsageError{Err: err}
		}
		// What is still queued at shutdown gets a few seconds, within the
		// contract's --shutdown-grace plus 10 s.
		stops = append(stops, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			n.Close(ctx)
		})
		hooks.DeployStarted = func(e listener.DeployEvent) { n.Notify(notifyEvent(notify.Started, e)) }
		hooks.DeployFinished = func(e listener.DeployEvent) { n.Notify(notifyEvent(notify.Finished, e)) }
	}
	if opts.MetricsAddr != "" {
		var depth atomic.Int64
		m := metrics.New(func() float64 { return float64(depth.Load()) })
		srv, err := m.Listen(opts.MetricsAddr, log)
		if err != nil {
			stop()
			return hooks, func() {}, err
		}
		log.Info("serving metrics", "addr", srv.Addr().String(), "path", "/metrics")
		stops = append(stops, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		hooks.Delivery = m.Delivery
		hooks.QueueDepth = func(n int) { depth.Store(int64(n)) }
		started := hooks.DeployFinished
		hooks.DeployFinished = func(e listener.DeployEvent) {
			m.Deployment(e.Environment, e.State, e.Duration)
			if started != nil {
				started(e)
			}
		}
	}
	return hooks, stop, nil
}

func notifyEvent(p notify.Phase, e listener.DeployEvent) notify.Event {
	return notify.Event{
		Phase: p, Repo: e.Repo, DeploymentID: e.ID, Environment: e.Environment, Ref: e.Ref, SHA: e.SHA,
		Creator: e.Creator, State: e.State, Description: e.Description, Duration: e.Duration,
		LogURL: e.LogURL, EnvironmentURL: e.EnvironmentURL, WebURL: e.WebURL,
	}
}
