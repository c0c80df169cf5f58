package prune

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/google/go-github/v60/github"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// DefaultPerMinute is the default pace of writes: one a second, as GitHub's best practices ask of mutative
// requests, which stays below its 80 content-generating requests a minute.
const DefaultPerMinute = 60

// ContentPerHour is GitHub's limit on content-generating requests an hour; the paced executor keeps its
// status posts below it.
const ContentPerHour = 500

// Read returns every deployment of environment ("" = all) with its latest state, 100 a request.
func Read(ctx context.Context, c *ghapi.Client, repo repository.Repository, environment string) ([]deploy.Deployment, error) {
	return deploy.List(ctx, c, repo, deploy.ListOptions{Environment: environment, Limit: math.MaxInt})
}

// Executor sends a plan's writes, one at a time.
type Executor struct {
	Client *ghapi.Client
	Repo   repository.Repository
	// PerMinute spaces writes evenly, this many a minute at most (0 = as fast as GitHub answers).
	PerMinute int
	// MaxRetries bounds the retries of one write after secondary rate limits (0 = 5).
	MaxRetries int
	// Sleep waits for d or until ctx ends (nil = time-based); Now is the clock (nil = time.Now).
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	// Progress, when set, is told after each deployment how many of total are done.
	Progress func(done, total int)
	// OnWait, when set, is told when a rate limit makes the executor wait.
	OnWait func(d time.Duration, why string)

	last     time.Time
	contents []time.Time // status posts of the last hour
}

func (e *Executor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Executor) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run carries out the plan's writes and returns its items with their outcomes. It stops at the first
// error that is not about one deployment (a rate limit that does not lift, a cancelled context), returning
// what it did so far with that error.
func (e *Executor) Run(ctx context.Context, p Plan) ([]Item, error) {
	items := append([]Item(nil), p.Items...)
	total := 0
	for i := range items {
		if len(items[i].Writes) > 0 {
			total++
		} else {
			items[i].Done = true
		}
	}
	done := 0
	for i := range items {
		it := &items[i]
		if len(it.Writes) == 0 {
			continue
		}
		it.Done = true
		for _, w := range it.Writes {
			err := e.send(ctx, w, it.ID)
			var one *itemError
			if errors.As(err, &one) {
				it.Error, it.Done = one.Error(), false
				break
			}
			if err != nil {
				it.Done = false
				if !errors.Is(err, context.Canceled) {
					it.Error = err.Error()
				}
				return items, err
			}
		}
		done++
		if e.Progress != nil {
			e.Progress(done, total)
		}
	}
	return items, nil
}

// itemError is a failure of one deployment's write; the executor goes on with the others.
type itemError struct{ err error }

func (e *itemError) Error() string { return e.err.Error() }
func (e *itemError) Unwrap() error { return e.err }

// pace waits until the next write may go.
func (e *Executor) pace(ctx context.Context, w Write) error {
	if e.PerMinute <= 0 {
		return nil
	}
	if !e.last.IsZero() {
		if err := e.sleep(ctx, time.Minute/time.Duration(e.PerMinute)-e.now().Sub(e.last)); err != nil {
			return err
		}
	}
	if w == SetInactive {
		cut := e.now().Add(-time.Hour)
		for len(e.contents) > 0 && e.contents[0].Before(cut) {
			e.contents = e.contents[1:]
		}
		if len(e.contents) >= ContentPerHour {
			wait := e.contents[0].Add(time.Hour).Sub(e.now())
			if e.OnWait != nil {
				e.OnWait(wait, fmt.Sprintf("GitHub allows %d content-generating requests an hour", ContentPerHour))
			}
			if err := e.sleep(ctx, wait); err != nil {
				return err
			}
		}
		e.contents = append(e.contents, e.now())
	}
	e.last = e.now()
	return nil
}

// send sends one write, waiting out secondary rate limits as GitHub's docs say: after Retry-After seconds
// when given; at X-RateLimit-Reset when X-RateLimit-Remaining is 0; else at least a minute, doubling.
func (e *Executor) send(ctx context.Context, w Write, id int64) error {
	maxRetries := e.MaxRetries
	if maxRetries == 0 {
		maxRetries = 5
	}
	for attempt := 1; ; attempt++ {
		if err := e.pace(ctx, w); err != nil {
			return err
		}
		resp, err := e.do(ctx, w, id)
		if err != nil {
			return err // the connection failed: GitHub may or may not have done it; the next run finds out
		}
		wait, limited := limitWait(resp, attempt, e.now())
		if !limited {
			return e.outcome(w, id, resp)
		}
		resp.Body.Close()
		if attempt > maxRetries {
			return fmt.Errorf("GitHub's secondary rate limit did not lift after %d retries; run the same command again later to finish", maxRetries)
		}
		if e.OnWait != nil {
			e.OnWait(wait, "GitHub's secondary rate limit")
		}
		if err := e.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (e *Executor) do(ctx context.Context, w Write, id int64) (*http.Response, error) {
	u := fmt.Sprintf("%srepos/%s/%s/deployments/%d", e.Client.Target.RESTURL, e.Repo.Owner, e.Repo.Name, id)
	method, body := http.MethodDelete, []byte(nil)
	if w == SetInactive {
		method, u = http.MethodPost, u+"/statuses"
		body, _ = json.Marshal(map[string]string{"state": "inactive", "description": "Deactivated by deployctl"})
	}
	// go-github is not used for the writes: after a secondary limit it refuses requests locally until the
	// time it guessed (X-RateLimit-Reset when no Retry-After), which is not what GitHub's docs ask for.
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.Client.HTTP.Do(req)
}

// outcome turns an answer that is not a rate limit into nil or an error about this deployment.
func (e *Executor) outcome(w Write, id int64, resp *http.Response) error {
	defer resp.Body.Close()
	err := github.CheckResponse(resp)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if w == Delete && resp.StatusCode == http.StatusNotFound {
		return nil // already gone: what we wanted
	}
	what := fmt.Sprintf("deployment %d in %s/%s", id, e.Repo.Owner, e.Repo.Name)
	err = ghapi.Wrap(err, what)
	if resp.StatusCode == http.StatusUnauthorized {
		return err // every other write would fail the same way
	}
	verb := "delete"
	if w == SetInactive {
		verb = "deactivate"
	}
	return &itemError{fmt.Errorf("%s deployment %d: %w", verb, id, err)}
}

// limitWait reads a rate-limit answer (403 or 429 that says so) and how long to wait before retrying.
func limitWait(resp *http.Response, attempt int, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	h := resp.Header
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	limited := resp.StatusCode == http.StatusTooManyRequests || h.Get("Retry-After") != "" ||
		h.Get("X-RateLimit-Remaining") == "0" || strings.Contains(strings.ToLower(string(raw)), "rate limit")
	if !limited {
		return 0, false
	}
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(now)+time.Second, time.Second), true
		}
	}
	return time.Minute << min(attempt-1, 6), true
}

// States reads each deployment with its latest state (two requests each: explicit IDs are few), for ForIDs.
func States(ctx context.Context, c *ghapi.Client, repo repository.Repository, ids []int64) (map[int64]deploy.Deployment, error) {
	out := make(map[int64]deploy.Deployment, len(ids))
	for _, id := range ids {
		d, err := deploy.Get(ctx, c, repo, id)
		if err != nil {
			return nil, err
		}
		out[id] = d.Deployment
	}
	return out, nil
}
