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
		Deployment *struct {
			ID          int64  `json:"id"`
			Environment string `json:"environment"`
		} `json:"deployment"`
		DeploymentStatus *json.RawMessage `json:"deployment_status"`
		Repository       struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("event file %s is not JSON: %w", path, err)
	}
	if ev.Deployment == nil || ev.Deployment.ID == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoDeploymentEvent)
	}
	return &Event{DeploymentID: ev.Deployment.ID, Environment: ev.Deployment.Environment, Repo: ev.Repository.FullName}, nil
}
