// Package deploy creates, reads and deletes GitHub deployments. Commands and
// the webhook listener share it, so a deployment is created the same way
// from a terminal and from a merged pull request.
package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/google/go-github/v60/github"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// Deployment is a deployment as deployctl shows it. The JSON names are the
// fields of --json.
type Deployment struct {
	ID             int64           `json:"id"`
	Environment    string          `json:"environment"`
	Ref            string          `json:"ref"`
	SHA            string          `json:"sha"`
	Task           string          `json:"task"`
	Description    string          `json:"description"`
	Payload        json.RawMessage `json:"payload"`
	Creator        string          `json:"creator"`
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"`
	State          string          `json:"state"` // of the latest status; "" when it has none ("none" in JSON)
	LogURL         string          `json:"logUrl"`
	EnvironmentURL string          `json:"environmentUrl"`
	Transient      bool            `json:"transient"`
	Production     bool            `json:"production"`
	URL            string          `json:"url"`
	NodeID         string          `json:"nodeId"`
}

// StateNone is the state of a deployment without any status, in tables
// and JSON alike.
const StateNone = "none"

// Detail is a deployment with its statuses, newest first.
type Detail struct {
	Deployment
	Statuses []status.Status `json:"statuses"`
}

// deploymentJSON is Deployment without its MarshalJSON.
type deploymentJSON Deployment

// MarshalJSON writes State "none" for a deployment without statuses, as
// the tables show it.
func (d Deployment) MarshalJSON() ([]byte, error) {
	j := deploymentJSON(d)
	if j.State == "" {
		j.State = StateNone
	}
	return json.Marshal(j)
}

// MarshalJSON keeps the statuses (Deployment's MarshalJSON would be
// promoted and drop them).
func (d Detail) MarshalJSON() ([]byte, error) {
	j := struct {
		deploymentJSON
		Statuses []status.Status `json:"statuses"`
	}{deploymentJSON(d.Deployment), d.Statuses}
	if j.State == "" {
		j.State = StateNone
	}
	return json.Marshal(j)
}

// applyLatest copies the latest status's state and URLs onto d.
func (d *Deployment) applyLatest(s *status.Status) {
	if s == nil {
		return
	}
	d.State, d.LogURL, d.EnvironmentURL = s.State, s.LogURL, s.EnvironmentURL
}

// restDeployment is GitHub's REST deployment object. go-github's type lacks
// transient_environment and production_environment.
type restDeployment struct {
	ID          int64           `json:"id"`
	NodeID      string          `json:"node_id"`
	URL         string          `json:"url"`
	SHA         string          `json:"sha"`
	Ref         string          `json:"ref"`
	Task        string          `json:"task"`
	Payload     json.RawMessage `json:"payload"`
	Environment string          `json:"environment"`
	Description *string         `json:"description"`
	Creator     *struct {
		Login string `json:"login"`
	} `json:"creator"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Transient  bool      `json:"transient_environment"`
	Production bool      `json:"production_environment"`
}

func (d *restDeployment) toDeployment() Deployment {
	out := Deployment{
		ID:          d.ID,
		Environment: d.Environment,
		Ref:         d.Ref,
		SHA:         d.SHA,
		Task:        d.Task,
		Payload:     NormalizePayload(d.Payload),
		CreatedAt:   d.CreatedAt,
		UpdatedAt:   d.UpdatedAt,
		Transient:   d.Transient,
		Production:  d.Production,
		URL:         d.URL,
		NodeID:      d.NodeID,
	}
	if d.Description != nil {
		out.Description = *d.Description
	}
	if d.Creator != nil {
		out.Creator = d.Creator.Login
	}
	return out
}

// restDo sends one REST request through go-github (its error types, rate
// limit bookkeeping) and decodes the answer into out.
func restDo(ctx context.Context, c *ghapi.Client, method, path string, body, out any) (*github.Response, error) {
	req, err := c.REST.NewRequest(method, path, body)
	if err != nil {
		return nil, err
	}
	return c.REST.Do(ctx, req, out)
}

// CreateRequest is a new deployment. Nil pointers are left to GitHub's
// defaults; AutoMerge is always sent, because GitHub's default (true) merges
// the default branch into the ref, which nobody expects from a deploy tool.
type CreateRequest struct {
	Ref              string
	Task             string
	Environment      string
	Description      string
	AutoMerge        bool
	RequiredContexts *[]string       // nil: every context must pass; empty: skip checks
	Payload          json.RawMessage // nil: none
	Transient        *bool
	Production       *bool
	// OnAutoMerge is told GitHub's message when it answered 202 (it merged
	// the default branch into Ref instead of deploying); Create then tries
	// once more.
	OnAutoMerge func(message string)
}

// Validate checks what GitHub would refuse, before anything is sent.
func (r CreateRequest) Validate() error {
	if strings.TrimSpace(r.Ref) == "" {
		return errors.New("a ref is required")
	}
	if r.Payload != nil && !json.Valid(r.Payload) {
		return errors.New("payload is not valid JSON")
	}
	return nil
}

// Create creates a deployment.
func Create(ctx context.Context, c *ghapi.Client, repo repository.Repository, r CreateRequest) (*Deployment, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	req := &github.DeploymentRequest{
		Ref:                   &r.Ref,
		AutoMerge:             &r.AutoMerge,
		RequiredContexts:      r.RequiredContexts,
		TransientEnvironment:  r.Transient,
		ProductionEnvironment: r.Production,
	}
	if r.Task != "" {
		req.Task = &r.Task
	}
	if r.Environment != "" {
		req.Environment = &r.Environment
	}
	if r.Description != "" {
		req.Description = &r.Description
	}
	if r.Payload != nil {
		req.Payload = r.Payload
	}
	// A 202 means GitHub merged and deployed nothing; one more try deploys
	// the merged ref. A second 202 is reported, not looped on.
	for attempt := 0; ; attempt++ {
		var d restDeployment
		_, err := restDo(ctx, c, http.MethodPost, fmt.Sprintf("repos/%s/%s/deployments", repo.Owner, repo.Name), req, &d)
		var accepted *github.AcceptedError
		if errors.As(err, &accepted) && attempt == 0 {
			if r.OnAutoMerge != nil {
				r.OnAutoMerge(acceptedMessage(accepted.Raw))
			}
			continue
		}
		if err != nil {
			// A 409 (failed required contexts, or a merge conflict) keeps
			// its status code for callers to explain.
			return nil, fmt.Errorf("create deployment: %w", ghapi.Wrap(err, repo.Owner+"/"+repo.Name))
		}
		out := d.toDeployment()
		return &out, nil
	}
}

func acceptedMessage(raw []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &m) == nil && m.Message != "" {
		return m.Message
	}
	return "GitHub merged the default branch into the ref"
}

// Fetch returns a deployment without its statuses (one request; State and
// the URLs of the latest status are left empty).
func Fetch(ctx context.Context, c *ghapi.Client, repo repository.Repository, id int64) (*Deployment, error) {
	var d restDeployment
	_, err := restDo(ctx, c, http.MethodGet, fmt.Sprintf("repos/%s/%s/deployments/%d", repo.Owner, repo.Name, id), nil, &d)
	if err != nil {
		return nil, fmt.Errorf("get deployment %d: %w", id, ghapi.Wrap(err, fmt.Sprintf("deployment %d in %s/%s", id, repo.Owner, repo.Name)))
	}
	out := d.toDeployment()
	return &out, nil
}

// FromEvent reads the deployment object of a webhook or GitHub Actions
// event (status.Event.Deployment), which has the REST API's shape.
func FromEvent(raw json.RawMessage) (*Deployment, error) {
	var d restDeployment
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("the event's deployment: %w", err)
	}
	if d.ID == 0 {
		return nil, errors.New("the event's deployment has no ID")
	}
	out := d.toDeployment()
	return &out, nil
}

// Get returns a deployment and all its statuses (two requests, more only for
// a deployment with over 100 statuses).
func Get(ctx context.Context, c *ghapi.Client, repo repository.Repository, id int64) (*Detail, error) {
	d, err := Fetch(ctx, c, repo, id)
	if err != nil {
		return nil, err
	}
	statuses, err := status.List(ctx, c, repo, id)
	if err != nil {
		return nil, err
	}
	out := &Detail{Deployment: *d, Statuses: statuses}
	if statuses == nil {
		out.Statuses = []status.Status{}
	}
	if len(statuses) > 0 {
		out.applyLatest(&statuses[0])
		// GitHub shows the last environment URL that was set, also when a
		// later status (inactive, say) came without one.
		for _, s := range statuses {
			if s.EnvironmentURL != "" {
				out.EnvironmentURL = s.EnvironmentURL
				break
			}
		}
	}
	return out, nil
}

// Delete deletes a deployment. GitHub only deletes inactive ones (or the
// last one of a repository); set an inactive status first.
func Delete(ctx context.Context, c *ghapi.Client, repo repository.Repository, id int64) error {
	_, err := c.REST.Repositories.DeleteDeployment(ctx, repo.Owner, repo.Name, id)
	if err != nil {
		return fmt.Errorf("delete deployment %d: %w", id, ghapi.Wrap(err, fmt.Sprintf("deployment %d in %s/%s", id, repo.Owner, repo.Name)))
	}
	return nil
}

func quoteJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
