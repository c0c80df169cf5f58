// Package watch follows a deployment until its latest status is final
// (success, failure, error, inactive): one given by ID, or the newest to an
// environment (of a SHA or ref), waiting for it to appear when there is none
// yet. Every poll is a GET that the client's transport revalidates with its
// last ETag, so a poll that finds nothing new is a 304 and free of rate
// limit: a ten-minute wait costs the first poll and one request per change.
// The clock is a seam, so tests and benchmarks run a long wait instantly.
package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/google/go-github/v60/github"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// DefaultInterval is the pause between polls, gh run watch's.
const DefaultInterval = 3 * time.Second

// ErrTimeout is returned when Options.Timeout ran out before a final state.
var ErrTimeout = errors.New("timed out")

// Target says what to follow: a deployment ID, or the newest deployment to
// Environment, of SHA (a full SHA or a prefix of at least 7 hex digits) or
// Ref when given.
type Target struct {
	ID          int64
	Environment string
	SHA         string
	Ref         string
}

// Validate checks a target before anything is sent.
func (t Target) Validate() error {
	switch {
	case t.ID == 0 && t.Environment == "":
		return errors.New("a deployment ID or an environment is required")
	case t.ID != 0 && (t.Environment != "" || t.SHA != "" || t.Ref != ""):
		return errors.New("a deployment ID cannot be combined with an environment, SHA or ref")
	case t.SHA != "" && t.Ref != "":
		return errors.New("a SHA and a ref cannot be combined")
	case t.SHA != "":
		if _, err := deploy.ParseSHA(t.SHA); err != nil {
			return err
		}
	}
	return nil
}

// Clock is time for Follow: real time unless a test or benchmark swaps it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options tune Follow.
type Options struct {
	Interval time.Duration // between polls; DefaultInterval if zero
	Timeout  time.Duration // give up with ErrTimeout after this long; zero: never
	Clock    Clock         // real time if nil
	// OnUpdate is told what every poll found (a live line redraws on each,
	// a log prints those with Changed).
	OnUpdate func(Update)
}

// Update is what one poll found.
type Update struct {
	// Deployment is nil while the target's deployment does not exist yet.
	Deployment *deploy.Deployment
	// State is the latest status's ("" when it has none).
	State   string
	Changed bool // the deployment appeared or its state changed (true on the first poll)
	Elapsed time.Duration
}

// Result is how a followed deployment ended.
type Result struct {
	Deployment deploy.Deployment // as last seen; State is the final state
	// Succeeded: the final state is success, or inactive after a success
	// (a deployment that was replaced by a newer one).
	Succeeded bool
}

// Follow polls until the target's deployment reaches a final state, the
// timeout runs out (ErrTimeout, with the last result seen) or ctx ends.
func Follow(ctx context.Context, c *ghapi.Client, repo repository.Repository, t Target, o Options) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	w := &watcher{c: c, repo: repo, t: t, o: o, start: o.Clock.Now()}
	return w.run(ctx)
}

type watcher struct {
	c     *ghapi.Client
	repo  repository.Repository
	t     Target
	o     Options
	start time.Time

	dep        *deploy.Deployment
	state      string
	polled     bool
	sawSuccess bool
}

func (w *watcher) run(ctx context.Context) (*Result, error) {
	for {
		if err := w.poll(ctx); err != nil {
			return nil, err
		}
		if w.dep != nil && status.State(w.state).Final() {
			return w.finish(ctx)
		}
		elapsed := w.o.Clock.Now().Sub(w.start)
		if w.o.Timeout > 0 && elapsed >= w.o.Timeout {
			var last *Result
			if w.dep != nil {
				last = &Result{Deployment: *w.dep}
			}
			return last, ErrTimeout
		}
		wait := w.o.Interval
		if w.o.Timeout > 0 {
			wait = min(wait, w.o.Timeout-elapsed)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-w.o.Clock.After(wait):
		}
	}
}

// poll looks once: for the deployment while it is not known, then at its
// latest status.
func (w *watcher) poll(ctx context.Context) error {
	changed := !w.polled
	w.polled = true
	if w.dep == nil {
		d, err := w.find(ctx)
		if err != nil {
			return err
		}
		if d != nil {
			w.dep, changed = d, true
		}
	}
	if w.dep != nil {
		latest, err := w.latest(ctx)
		if err != nil {
			return err
		}
		state := ""
		if latest != nil {
			state = latest.State
			w.dep.LogURL, w.dep.EnvironmentURL = latest.LogURL, latest.EnvironmentURL
			w.dep.Environment = latest.Environment
		}
		if state != w.state {
			changed = true
		}
		w.state, w.dep.State = state, state
		w.sawSuccess = w.sawSuccess || state == string(status.Success)
	}
	if w.o.OnUpdate != nil {
		u := Update{State: w.state, Changed: changed, Elapsed: w.o.Clock.Now().Sub(w.start)}
		if w.dep != nil {
			d := *w.dep
			u.Deployment = &d
		}
		w.o.OnUpdate(u)
	}
	return nil
}

// find returns the target's deployment, or nil while there is none.
func (w *watcher) find(ctx context.Context) (*deploy.Deployment, error) {
	if w.t.ID != 0 {
		return deploy.Fetch(ctx, w.c, w.repo, w.t.ID)
	}
	// The newest deployment to the environment, matched locally when the SHA
	// is a prefix (GitHub's sha filter wants the whole SHA). Always the same
	// request, so an unchanged list is a 304.
	o := deploy.ListOptions{Environment: w.t.Environment, Ref: w.t.Ref, Limit: 1}
	if deploy.IsFullSHA(w.t.SHA) {
		o.SHA = strings.ToLower(w.t.SHA)
	} else if w.t.SHA != "" {
		o.Limit = deploy.PageSize
	}
	list, err := deploy.Newest(ctx, w.c, w.repo, o)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if strings.HasPrefix(list[i].SHA, strings.ToLower(w.t.SHA)) {
			return &list[i], nil
		}
	}
	return nil, nil
}

// latest is the deployment's newest status, or nil when it has none.
func (w *watcher) latest(ctx context.Context) (*status.Status, error) {
	id := w.dep.ID
	list, _, err := w.c.REST.Repositories.ListDeploymentStatuses(ctx, w.repo.Owner, w.repo.Name, id, &github.ListOptions{PerPage: 1})
	if err != nil {
		return nil, fmt.Errorf("list statuses of deployment %d: %w", id, ghapi.Wrap(err, fmt.Sprintf("deployment %d in %s/%s", id, w.repo.Owner, w.repo.Name)))
	}
	if len(list) == 0 {
		return nil, nil
	}
	s := status.FromREST(id, list[0])
	return &s, nil
}

// finish decides whether the deployment succeeded: an inactive one did only
// if it succeeded before, which a poll may not have seen (it can go from
// in_progress to success to inactive between two polls), so the whole trail
// is read then.
func (w *watcher) finish(ctx context.Context) (*Result, error) {
	r := &Result{Deployment: *w.dep}
	switch status.State(w.state) {
	case status.Success:
		r.Succeeded = true
	case status.Inactive:
		r.Succeeded = w.sawSuccess
		if !r.Succeeded {
			trail, err := status.List(ctx, w.c, w.repo, w.dep.ID)
			if err != nil {
				return nil, err
			}
			for _, s := range trail {
				r.Succeeded = r.Succeeded || s.State == string(status.Success)
			}
		}
	}
	return r, nil
}
