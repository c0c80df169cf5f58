package status

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Event is what a workflow triggered `on: deployment` knows about the
// deployment it runs for (from the file at GITHUB_EVENT_PATH).
type Event struct {
	DeploymentID int64
	Environment  string
	// Repo is OWNER/REPO of the event's repository.
	Repo string
	// Deployment is the event's deployment object, as GitHub sent it
	// (deploy.FromEvent reads it).
	Deployment json.RawMessage
}

// ErrNoDeploymentEvent means the event file holds no deployment.
var ErrNoDeploymentEvent = errors.New("the event is not a deployment event")

// ReadEvent reads a GitHub Actions event file and returns the deployment in it.
func ReadEvent(path string) (*Event, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read event file: %w", err)
	}
	var ev struct {
		Deployment       json.RawMessage  `json:"deployment"`
		DeploymentStatus *json.RawMessage `json:"deployment_status"`
		Repository       struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("event file %s is not JSON: %w", path, err)
	}
	var d struct {
		ID          int64  `json:"id"`
		Environment string `json:"environment"`
	}
	if len(ev.Deployment) > 0 {
		if err := json.Unmarshal(ev.Deployment, &d); err != nil {
			return nil, fmt.Errorf("event file %s: deployment: %w", path, err)
		}
	}
	if d.ID == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoDeploymentEvent)
	}
	return &Event{DeploymentID: d.ID, Environment: d.Environment, Repo: ev.Repository.FullName, Deployment: ev.Deployment}, nil
}
