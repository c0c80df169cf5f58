package listen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/intake"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// Poll mode (--poll D -R OWNER/REPO...): instead of webhooks, every D the
// listener asks GitHub for each repository's deployments and closed pull
// requests. Every GET goes through the client's conditional transport, so
// while nothing changes each poll is a 304, which costs no rate limit. What
// it finds is made into the delivery GitHub would have sent (the REST
// objects have the webhook's shapes) and goes through the intake's Classify
// and the store exactly as a delivery: a deployment is one delivery
// ("poll:deployment:<repo>#<id>"), a merged pull request another
// ("poll:merge:<repo>#<number>"), so a repeat, a restart or another poller
// on the same database is a no-op. The first start takes a baseline
// (poll.json in the state directory): what existed then is history, not work.

// pollBaseline is where each repository's history ends.
type pollBaseline struct {
	Since        time.Time `json:"since"`         // first start
	DeploymentID int64     `json:"deployment_id"` // the newest deployment then
	// The pull requests closed then (the newest page) and the latest merge
	// among them, by GitHub's clock: a merge is new when it is later and
	// its pull request was not in that page.
	Closed   []int     `json:"closed_pull_requests"`
	MergedAt time.Time `json:"merged_at,omitzero"`
}

type poller struct {
	w     *workers
	repos []string
	every time.Duration

	mu       sync.Mutex
	base     map[string]pollBaseline
	seen     map[string]bool   // delivery IDs handled this run
	defaults map[string]string // repository -> default branch
}

func (w *workers) startPolling(ctx context.Context) {
	p := &poller{w: w, repos: w.o.PollRepos, every: w.o.Poll, seen: map[string]bool{}, defaults: map[string]string{}}
	if err := p.loadBaseline(ctx); err != nil {
		w.log.Error("poll: could not take the baseline; retrying at the next poll", "err", err)
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			p.pollAll(ctx)
			select {
			case <-t.C:
			case <-w.stopping:
				return
			}
		}
	}()
}

// pullsQuery is the page of closed pull requests a poll reads: the most
// recently updated first, so a new merge is on it.
const pullsQuery = "pulls?state=closed&sort=updated&direction=desc&per_page=50"

func (p *poller) baselineFile() string { return filepath.Join(p.w.o.StateDir, "poll.json") }

// loadBaseline reads poll.json, adding a baseline for each repository
// polled for the first time: its newest deployment now.
func (p *poller) loadBaseline(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.base == nil {
		p.base = map[string]pollBaseline{}
		b, err := os.ReadFile(p.baselineFile())
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err == nil {
			if err := json.Unmarshal(b, &p.base); err != nil {
				return fmt.Errorf("%s: %w", p.baselineFile(), err)
			}
		}
	}
	changed := false
	for _, repo := range p.repos {
		key := strings.ToLower(repo)
		if _, ok := p.base[key]; ok {
			continue
		}
		var list []struct {
			ID int64 `json:"id"`
		}
		if err := p.get(ctx, "repos/"+repo+"/deployments?per_page=1", &list); err != nil {
			return err
		}
		b := pollBaseline{Since: time.Now().UTC()}
		if len(list) > 0 {
			b.DeploymentID = list[0].ID
		}
		var pulls []struct {
			Number   int        `json:"number"`
			MergedAt *time.Time `json:"merged_at"`
		}
		if err := p.get(ctx, "repos/"+repo+"/"+pullsQuery, &pulls); err != nil {
			return err
		}
		for _, pr := range pulls {
			b.Closed = append(b.Closed, pr.Number)
			if pr.MergedAt != nil && pr.MergedAt.After(b.MergedAt) {
				b.MergedAt = *pr.MergedAt
			}
		}
		p.base[key] = b
		changed = true
		p.w.log.Info("poll: baseline taken: older deployments and merges are history", "repo", repo,
			"deployment", b.DeploymentID)
	}
	if !changed {
		return nil
	}
	b, err := json.MarshalIndent(p.base, "", "  ")
	if err != nil {
		return err
	}
	tmp := p.baselineFile() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.baselineFile())
}

func (p *poller) pollAll(ctx context.Context) {
	if p.base == nil || len(p.base) < len(p.repos) {
		if err := p.loadBaseline(ctx); err != nil {
			p.w.log.Error("poll: could not take the baseline", "err", err)
			return
		}
	}
	for _, repo := range p.repos {
		if err := p.pollRepo(ctx, repo); err != nil {
			p.w.log.Warn("poll failed", "repo", repo, "err", err)
		}
	}
}

// get reads the REST resource at path (relative to the API root) into out.
func (p *poller) get(ctx context.Context, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	c := p.w.c
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Target.RESTURL.String()+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.Unmarshal(body, out)
}

func (p *poller) pollRepo(ctx context.Context, repo string) error {
	p.mu.Lock()
	base := p.base[strings.ToLower(repo)]
	defaultBranch := p.defaults[repo]
	p.mu.Unlock()
	if defaultBranch == "" {
		var r struct {
			FullName      string `json:"full_name"`
			DefaultBranch string `json:"default_branch"`
		}
		if err := p.get(ctx, "repos/"+repo, &r); err != nil {
			return err
		}
		defaultBranch = r.DefaultBranch
		p.mu.Lock()
		p.defaults[repo] = defaultBranch
		p.mu.Unlock()
	}
	repoJSON := map[string]any{"full_name": repo, "default_branch": defaultBranch}
	rules := p.w.o.rules()

	if rules.Exec {
		var deployments []map[string]any
		if err := p.get(ctx, "repos/"+repo+"/deployments?per_page=100", &deployments); err != nil {
			return err
		}
		// Oldest first, as deliveries would have come.
		for i := len(deployments) - 1; i >= 0; i-- {
			d := deployments[i]
			id, _ := d["id"].(float64)
			if int64(id) <= base.DeploymentID {
				continue
			}
			delivery := "poll:deployment:" + repo + "#" + strconv.FormatInt(int64(id), 10)
			if p.seenBefore(delivery) {
				continue
			}
			// Only one without a final status is work (another runner may
			// have done it already).
			list, err := status.List(ctx, p.w.c, p.w.repo(repo), int64(id))
			if err != nil {
				return err
			}
			if len(list) > 0 && status.State(list[0].State).Final() {
				p.markSeen(delivery)
				continue
			}
			if p.deliver(ctx, delivery, "deployment", map[string]any{"action": "created", "deployment": d, "repository": repoJSON}) {
				p.markSeen(delivery)
			}
		}
	}
	if rules.CreateOnMerge {
		var pulls []map[string]any
		if err := p.get(ctx, "repos/"+repo+"/"+pullsQuery, &pulls); err != nil {
			return err
		}
		for i := len(pulls) - 1; i >= 0; i-- {
			pr := pulls[i]
			merged, _ := pr["merged_at"].(string)
			at, err := time.Parse(time.RFC3339, merged)
			n, _ := pr["number"].(float64)
			if err != nil || at.Before(base.MergedAt) || slices.Contains(base.Closed, int(n)) {
				continue // not merged, or history
			}
			delivery := "poll:merge:" + repo + "#" + strconv.Itoa(int(n))
			if p.seenBefore(delivery) {
				continue
			}
			pr["merged"] = true // the list leaves it out; merged_at says it
			if p.deliver(ctx, delivery, "pull_request", map[string]any{
				"action": "closed", "number": n, "pull_request": pr, "repository": repoJSON,
			}) {
				p.markSeen(delivery)
			}
		}
	}
	return nil
}

func (p *poller) seenBefore(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[id]
}

func (p *poller) markSeen(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[id] = true
}

// deliver hands what a poll found to the store as the intake would a
// delivery; it reports whether it is done with it (recorded, a duplicate,
// or not work).
func (p *poller) deliver(ctx context.Context, id, event string, payload map[string]any) bool {
	w := p.w
	body, err := json.Marshal(payload)
	if err != nil {
		return true
	}
	now := time.Now()
	dec, err := intake.Classify(event, body, w.o.rules(), now)
	if err != nil {
		w.log.Warn("poll: GitHub's answer is not a delivery the listener takes", "delivery", id, "err", err)
		return true
	}
	tell := func(result string) {
		if f := w.o.Hooks.Delivery; f != nil {
			f(event, result)
		}
	}
	if dec.Action != intake.Work {
		tell("ignored")
		return true
	}
	d := &store.Delivery{ID: id, Event: event, ReceivedAt: now, Job: dec.Job}
	dup, err := w.j.Append(ctx, d)
	if err != nil {
		tell("error")
		w.log.Error("poll: could not record what it found; trying again at the next poll", "delivery", id, "err", err)
		return false
	}
	if dup {
		tell("duplicate")
		return true
	}
	tell("accepted")
	attrs := append([]any{"delivery", id}, dec.Attrs...)
	w.log.Info("poll: "+dec.Message, attrs...)
	if d.Job != nil && !store.Feeds(w.j) {
		w.submit(d.Job)
	}
	return true
}
