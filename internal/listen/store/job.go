package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/deployctl/gh-deployctl/internal/status"
)

// Delivery is an accepted webhook delivery.
type Delivery struct {
	ID         string
	Event      string
	ReceivedAt time.Time
	// Job is the work the delivery asks for; nil when it is only recorded.
	Job *Job
}

// Kind is what a job does.
type Kind string

const (
	// KindMerge creates a deployment for a merged pull request.
	KindMerge Kind = "merge"
	// KindDeploy runs a deployment.
	KindDeploy Kind = "deploy"
)

// Phase is how far a job got. The phases are recorded before the step they
// name is taken, so after a crash the journal tells what may be half done.
type Phase string

const (
	Pending  Phase = "pending"  // accepted, nothing done yet
	Waiting  Phase = "waiting"  // a deployment waits for its environment ("queued" was posted)
	Starting Phase = "starting" // its turn came: "in_progress" posted or being posted, the command not started
	// Running is recorded before the command starts: from then on it may
	// have run, and a restart never runs it again.
	Running   Phase = "running"
	Finishing Phase = "finishing" // the final status is decided and being posted
	Done      Phase = "done"
)

// Job is one unit of work and its progress.
type Job struct {
	Seq        uint64    `json:"seq"`
	Kind       Kind      `json:"kind"`
	DeliveryID string    `json:"delivery_id,omitempty"`
	AcceptedAt time.Time `json:"accepted_at"`
	Merge      *Merge    `json:"merge,omitempty"`
	Deploy     *Deploy   `json:"deploy,omitempty"`
	Progress   Progress  `json:"progress"`
	// Recovered is set by the store on a job a previous run (or another
	// listener, now dead) left open: its last step may be half done.
	Recovered bool `json:"-"`
}

// Merge is a merged pull request to deploy.
type Merge struct {
	Repo    string `json:"repo"` // OWNER/REPO
	Number  int    `json:"number"`
	HeadSHA string `json:"head_sha"`
	HeadRef string `json:"head_ref"`
	BaseRef string `json:"base_ref"`
	Author  string `json:"author"`
}

// Deploy is a deployment to run, as the webhook described it.
type Deploy struct {
	ID          int64           `json:"id"`
	Repo        string          `json:"repo"` // OWNER/REPO
	Environment string          `json:"environment"`
	Ref         string          `json:"ref"`
	SHA         string          `json:"sha"`
	Task        string          `json:"task"`
	Description string          `json:"description"`
	Creator     string          `json:"creator"`
	Payload     json.RawMessage `json:"payload"`
}

// Key identifies the deployment across deliveries (deployment IDs are
// unique on a host; the repository's name may differ in case).
func (d *Deploy) Key() string { return fmt.Sprintf("%s#%d", strings.ToLower(d.Repo), d.ID) }

// Lane is the serialisation key: one deployment at a time per lane.
// GitHub compares repository and environment names without regard to case,
// so Staging and STAGING share a lane.
func (d *Deploy) Lane() string { return strings.ToLower(d.Repo + "\x00" + d.Environment) }

// Progress is what the worker recorded about a job.
type Progress struct {
	Phase    Phase `json:"phase"`
	Attempts int   `json:"attempts,omitempty"`
	// For a merge: the deployment created (0 until known).
	CreatedID int64 `json:"created_id,omitempty"`
	// For a deploy.
	LogToken   string       `json:"log_token,omitempty"`
	LogFile    string       `json:"log_file,omitempty"` // relative to the state dir
	StartedAt  time.Time    `json:"started_at,omitzero"`
	PGID       int          `json:"pgid,omitempty"`
	PStart     uint64       `json:"pstart,omitempty"` // the command's start time in clock ticks since boot
	Final      status.State `json:"final,omitempty"`  // the final state once decided
	FinalDesc  string       `json:"final_desc,omitempty"`
	EnvURL     string       `json:"env_url,omitempty"`
	FinishedAt time.Time    `json:"finished_at,omitzero"`
	LastError  string       `json:"last_error,omitempty"`
}
