// Package approval reviews GitHub Actions runs that wait for a protected environment's required reviewers:
// it lists what waits (workflow runs with status=waiting and their pending deployments) and approves or
// rejects a run's pending deployments, the ones named or all that the caller may approve.
package approval

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// Pending is one environment a run waits for. The JSON names are the fields of `deployctl pending --json`.
type Pending struct {
	RunID         int64     `json:"runId"`
	Workflow      string    `json:"workflow"`
	Branch        string    `json:"branch"`
	SHA           string    `json:"sha"`
	Environment   string    `json:"environment"`
	EnvironmentID int64     `json:"environmentId"`
	WaitTimer     int       `json:"waitTimer"` // minutes
	WaitingSince  time.Time `json:"waitingSince"`
	CanApprove    bool      `json:"canApprove"`
	Reviewers     []string  `json:"reviewers"` // logins and team slugs
	URL           string    `json:"url"`
}

type run struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	HeadBranch   string    `json:"head_branch"`
	HeadSHA      string    `json:"head_sha"`
	HTMLURL      string    `json:"html_url"`
	CreatedAt    time.Time `json:"created_at"`
	RunStartedAt time.Time `json:"run_started_at"`
}

type pendingDeployment struct {
	Environment struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"environment"`
	WaitTimer          int        `json:"wait_timer"`
	WaitTimerStartedAt *time.Time `json:"wait_timer_started_at"`
	CanApprove         bool       `json:"current_user_can_approve"`
	Reviewers          []struct {
		Type     string `json:"type"`
		Reviewer struct {
			Login string `json:"login"`
			Slug  string `json:"slug"`
		} `json:"reviewer"`
	} `json:"reviewers"`
}

// maxPages bounds List: a thousand waiting runs is far beyond what anyone reviews by hand.
const maxPages = 10

func do(ctx context.Context, c *ghapi.Client, method, path string, body, out any) error {
	req, err := c.REST.NewRequest(method, path, body)
	if err != nil {
		return err
	}
	_, err = c.REST.Do(ctx, req, out)
	return err
}

// List returns what waits for a review, newest run first: one request per 100 waiting runs, plus one per
// run for its pending deployments (GitHub has no way to ask for several runs' at once).
func List(ctx context.Context, c *ghapi.Client, repo repository.Repository) ([]Pending, error) {
	var runs []run
	for page := 1; page <= maxPages; page++ {
		var body struct {
			TotalCount   int   `json:"total_count"`
			WorkflowRuns []run `json:"workflow_runs"`
		}
		q := url.Values{"status": {"waiting"}, "per_page": {"100"}, "page": {fmt.Sprint(page)}, "exclude_pull_requests": {"true"}}
		if err := do(ctx, c, http.MethodGet, fmt.Sprintf("repos/%s/%s/actions/runs?%s", repo.Owner, repo.Name, q.Encode()), nil, &body); err != nil {
			return nil, fmt.Errorf("list waiting runs: %w", ghapi.Wrap(err, repo.Owner+"/"+repo.Name))
		}
		runs = append(runs, body.WorkflowRuns...)
		if len(body.WorkflowRuns) < 100 || len(runs) >= body.TotalCount {
			break
		}
	}
	var out []Pending
	for _, r := range runs {
		pd, err := pendingOf(ctx, c, repo, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, toPending(r, pd)...)
	}
	return out, nil
}

func pendingOf(ctx context.Context, c *ghapi.Client, repo repository.Repository, runID int64) ([]pendingDeployment, error) {
	var pd []pendingDeployment
	if err := do(ctx, c, http.MethodGet, fmt.Sprintf("repos/%s/%s/actions/runs/%d/pending_deployments", repo.Owner, repo.Name, runID), nil, &pd); err != nil {
		return nil, fmt.Errorf("pending deployments of run %d: %w", runID, ghapi.Wrap(err, fmt.Sprintf("workflow run %d in %s/%s", runID, repo.Owner, repo.Name)))
	}
	return pd, nil
}

func toPending(r run, pd []pendingDeployment) []Pending {
	out := make([]Pending, 0, len(pd))
	for _, p := range pd {
		since := r.RunStartedAt
		if p.WaitTimerStartedAt != nil {
			since = *p.WaitTimerStartedAt
		}
		if since.IsZero() {
			since = r.CreatedAt
		}
		x := Pending{
			RunID: r.ID, Workflow: r.Name, Branch: r.HeadBranch, SHA: r.HeadSHA, Environment: p.Environment.Name,
			EnvironmentID: p.Environment.ID, WaitTimer: p.WaitTimer, WaitingSince: since, CanApprove: p.CanApprove,
			URL: r.HTMLURL, Reviewers: []string{},
		}
		for _, rv := range p.Reviewers {
			if rv.Type == "Team" {
				x.Reviewers = append(x.Reviewers, rv.Reviewer.Slug)
			} else {
				x.Reviewers = append(x.Reviewers, rv.Reviewer.Login)
			}
		}
		out = append(out, x)
	}
	return out
}

// Runs are the distinct run IDs of pending, in order, keeping those waiting for one of environments (all
// when none is named).
func Runs(pending []Pending, environments []string) []int64 {
	var out []int64
	for _, p := range pending {
		if len(environments) > 0 && !slices.Contains(environments, p.Environment) {
			continue
		}
		if !slices.Contains(out, p.RunID) {
			out = append(out, p.RunID)
		}
	}
	return out
}

// State is a review's verdict.
type State string

// The two verdicts GitHub takes.
const (
	Approve State = "approved"
	Reject  State = "rejected"
)

// ErrNothingPending means the run waits for no review (any more).
var ErrNothingPending = errors.New("nothing is waiting for a review")

// ReviewRequest is one review of a run's pending deployments.
type ReviewRequest struct {
	RunID        int64
	Environments []string // names; none = every one the caller may approve
	State        State
	Comment      string
}

// Review approves or rejects a run's pending deployments and returns the environments it reviewed. It
// costs two requests: the run's pending deployments (names to IDs, and who may approve), then the review.
func Review(ctx context.Context, c *ghapi.Client, repo repository.Repository, r ReviewRequest) ([]Pending, error) {
	pd, err := pendingOf(ctx, c, repo, r.RunID)
	if err != nil {
		return nil, err
	}
	if len(pd) == 0 {
		return nil, fmt.Errorf("run %d: %w", r.RunID, ErrNothingPending)
	}
	all := toPending(run{ID: r.RunID}, pd)
	var chosen []Pending
	if len(r.Environments) == 0 {
		for _, p := range all {
			if p.CanApprove {
				chosen = append(chosen, p)
			}
		}
		if len(chosen) == 0 {
			return nil, fmt.Errorf("run %d waits for %s, and you are not a required reviewer of any of them", r.RunID, describe(all))
		}
	} else {
		for _, name := range r.Environments {
			i := slices.IndexFunc(all, func(p Pending) bool { return p.Environment == name })
			if i < 0 {
				return nil, fmt.Errorf("run %d does not wait for %s; it waits for %s", r.RunID, name, describe(all))
			}
			if !all[i].CanApprove {
				return nil, fmt.Errorf("you are not a required reviewer of %s in run %d (reviewers: %s)", name, r.RunID, strings.Join(all[i].Reviewers, ", "))
			}
			chosen = append(chosen, all[i])
		}
	}
	ids := make([]int64, len(chosen))
	for i, p := range chosen {
		ids[i] = p.EnvironmentID
	}
	body := map[string]any{"environment_ids": ids, "state": string(r.State), "comment": r.Comment}
	err = do(ctx, c, http.MethodPost, fmt.Sprintf("repos/%s/%s/actions/runs/%d/pending_deployments", repo.Owner, repo.Name, r.RunID), body, nil)
	if err != nil {
		return nil, fmt.Errorf("review run %d: %w", r.RunID, ghapi.Wrap(err, fmt.Sprintf("workflow run %d in %s/%s", r.RunID, repo.Owner, repo.Name)))
	}
	return chosen, nil
}

func describe(pending []Pending) string {
	names := make([]string, len(pending))
	for i, p := range pending {
		names[i] = p.Environment
	}
	return strings.Join(names, ", ")
}
