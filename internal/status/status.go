// Package status is the trail of deployment statuses: the state vocabulary
// GitHub accepts, creating a status and listing them. It knows GitHub and
// nothing of terminals or flags.
package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/google/go-github/v60/github"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// State is a deployment status state in GitHub's REST words.
type State string

const (
	Error      State = "error"
	Failure    State = "failure"
	Inactive   State = "inactive"
	InProgress State = "in_progress"
	Queued     State = "queued"
	Pending    State = "pending"
	Success    State = "success"
)

// States is every state GitHub accepts when creating a status.
var States = []State{Error, Failure, Inactive, InProgress, Queued, Pending, Success}

// StateNames is States as strings, for help text and completion.
func StateNames() []string {
	names := make([]string, len(States))
	for i, s := range States {
		names[i] = string(s)
	}
	return names
}

// ParseState accepts a state in any letter case ("IN_PROGRESS" as GraphQL
// spells it, too).
func ParseState(s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(States, st) {
		return st, nil
	}
	return "", fmt.Errorf("invalid state %q: must be one of %s", s, strings.Join(StateNames(), ", "))
}

// Final reports whether a deployment in this state is done (no further
// status is expected from whoever runs it).
func (s State) Final() bool {
	switch s {
	case Success, Failure, Error, Inactive:
		return true
	}
	return false
}

// MaxDescription is GitHub's limit on a status description, in characters.
const MaxDescription = 140

// CheckDescription returns an error when GitHub would refuse d.
func CheckDescription(d string) error {
	if n := len([]rune(d)); n > MaxDescription {
		return fmt.Errorf("description is %d characters long; GitHub allows at most %d", n, MaxDescription)
	}
	return nil
}

// FitDescription shortens d to what GitHub accepts, ending it with "…" when
// it had to cut.
func FitDescription(d string) string {
	if r := []rune(d); len(r) > MaxDescription {
		return string(r[:MaxDescription-1]) + "…"
	}
	return d
}

// Status is one deployment status as deployctl shows it. The JSON names are
// the fields of --json.
type Status struct {
	ID             int64     `json:"id"`
	DeploymentID   int64     `json:"deploymentId"`
	State          string    `json:"state"`
	Description    string    `json:"description"`
	Environment    string    `json:"environment"`
	LogURL         string    `json:"logUrl"`
	EnvironmentURL string    `json:"environmentUrl"`
	Creator        string    `json:"creator"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	URL            string    `json:"url"`
}

// FromREST converts go-github's status.
func FromREST(deploymentID int64, s *github.DeploymentStatus) Status {
	out := Status{
		ID:             s.GetID(),
		DeploymentID:   deploymentID,
		State:          strings.ToLower(s.GetState()),
		Description:    s.GetDescription(),
		Environment:    s.GetEnvironment(),
		LogURL:         s.GetLogURL(),
		EnvironmentURL: s.GetEnvironmentURL(),
		Creator:        s.GetCreator().GetLogin(),
		CreatedAt:      s.GetCreatedAt().Time,
		UpdatedAt:      s.GetUpdatedAt().Time,
		URL:            s.GetURL(),
	}
	if out.LogURL == "" {
		out.LogURL = s.GetTargetURL()
	}
	return out
}

// SetRequest is a new status. Empty strings are not sent; AutoInactive is
// sent only when non-nil (GitHub's default is true).
type SetRequest struct {
	State          State
	Description    string
	LogURL         string
	EnvironmentURL string
	Environment    string
	AutoInactive   *bool
}

// Validate checks what GitHub would refuse, before anything is sent.
func (r SetRequest) Validate() error {
	if _, err := ParseState(string(r.State)); err != nil {
		return err
	}
	return CheckDescription(r.Description)
}

// Set creates a status on deployment id.
func Set(ctx context.Context, c *ghapi.Client, repo repository.Repository, id int64, r SetRequest) (*Status, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	req := &github.DeploymentStatusRequest{State: github.String(string(r.State)), AutoInactive: r.AutoInactive}
	if r.Description != "" {
		req.Description = &r.Description
	}
	if r.LogURL != "" {
		req.LogURL = &r.LogURL
	}
	if r.EnvironmentURL != "" {
		req.EnvironmentURL = &r.EnvironmentURL
	}
	if r.Environment != "" {
		req.Environment = &r.Environment
	}
	s, _, err := c.REST.Repositories.CreateDeploymentStatus(ctx, repo.Owner, repo.Name, id, req)
	if err != nil {
		return nil, fmt.Errorf("set status of deployment %d: %w", id, ghapi.Wrap(err, fmt.Sprintf("deployment %d in %s/%s", id, repo.Owner, repo.Name)))
	}
	out := FromREST(id, s)
	return &out, nil
}

// List returns every status of deployment id, newest first.
func List(ctx context.Context, c *ghapi.Client, repo repository.Repository, id int64) ([]Status, error) {
	return ListN(ctx, c, repo, id, 0)
}

// ListN is List stopped after the newest limit statuses (0: all).
func ListN(ctx context.Context, c *ghapi.Client, repo repository.Repository, id int64, limit int) ([]Status, error) {
	var out []Status
	opts := &github.ListOptions{PerPage: 100}
	if limit > 0 && limit < opts.PerPage {
		opts.PerPage = limit
	}
	for {
		page, resp, err := c.REST.Repositories.ListDeploymentStatuses(ctx, repo.Owner, repo.Name, id, opts)
		if err != nil {
			return nil, fmt.Errorf("list statuses of deployment %d: %w", id, ghapi.Wrap(err, fmt.Sprintf("deployment %d in %s/%s", id, repo.Owner, repo.Name)))
		}
		for _, s := range page {
			if limit > 0 && len(out) == limit {
				return out, nil
			}
			out = append(out, FromREST(id, s))
		}
		if resp.NextPage == 0 || (limit > 0 && len(out) == limit) {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}
