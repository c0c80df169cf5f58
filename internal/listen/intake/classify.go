package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
)

// Rules decide which deliveries become work.
type Rules struct {
	// Base is a glob the merged pull request's base branch must match; ""
	// means the repository's default branch.
	Base string
	// CreateOnMerge creates a deployment for a merged pull request.
	CreateOnMerge bool
	// Exec is set when the listener runs deployments (--exec).
	Exec bool
	// EnvironmentFilter is a glob a deployment's environment must match to
	// be run here; "" means every environment.
	EnvironmentFilter string
}

// Validate reports a malformed glob.
func (r Rules) Validate() error {
	for name, g := range map[string]string{"--base": r.Base, "--environment-filter": r.EnvironmentFilter} {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("%s %q: %w", name, g, err)
		}
	}
	return nil
}

// Action is what the listener does with a delivery.
type Action int

const (
	Ignore Action = iota // 202, nothing recorded
	Ping                 // 200
	Record               // recorded (deduplicated, logged), no work
	Work                 // recorded with a job
)

// Decision is the outcome of Classify.
type Decision struct {
	Action Action
	Job    *journal.Job // for Work
	// Message says in a few words what the delivery is, for the log.
	Message string
	Attrs   []any
}

// ErrMalformed wraps every reason a payload is refused with 400.
var ErrMalformed = errors.New("malformed payload")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// fullNameRE is what GitHub allows in owner and repository names. The name
// ends up in API paths, so nothing else may pass (no "..", no slashes more).
var fullNameRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)

var shaRE = regexp.MustCompile(`^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$`)

type repoJSON struct {
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

func (r *repoJSON) check() error {
	if !fullNameRE.MatchString(r.FullName) || strings.Contains(r.FullName, "..") {
		return malformed("repository.full_name %q is not OWNER/REPO", r.FullName)
	}
	return nil
}

type userJSON struct {
	Login string `json:"login"`
}

// Classify decodes a verified payload and decides what to do with it.
func Classify(event string, payload []byte, rules Rules, now time.Time) (Decision, error) {
	if !json.Valid(payload) {
		return Decision{}, malformed("not JSON")
	}
	if bytes.Contains(payload, []byte(`\u0000`)) {
		// A NUL cannot reach a command's environment; GitHub never sends one.
		return Decision{}, malformed("NUL character in payload")
	}
	switch event {
	case "ping":
		var p struct {
			Zen    string `json:"zen"`
			HookID int64  `json:"hook_id"`
		}
		if err := json.Unmarshal(payload, &p); err != nil {
			return Decision{}, malformed("%v", err)
		}
		return Decision{Action: Ping, Message: "ping", Attrs: []any{"hook_id", p.HookID, "zen", p.Zen}}, nil
	case "pull_request":
		return classifyPullRequest(payload, rules, now)
	case "deployment":
		return classifyDeployment(payload, rules, now)
	case "deployment_status":
		return classifyDeploymentStatus(payload)
	}
	return Decision{Action: Ignore, Message: "ignored event", Attrs: []any{"event", event}}, nil
}

func classifyPullRequest(payload []byte, rules Rules, now time.Time) (Decision, error) {
	var p struct {
		Action      string   `json:"action"`
		Number      int      `json:"number"`
		Repository  repoJSON `json:"repository"`
		PullRequest *struct {
			Number int      `json:"number"`
			Merged bool     `json:"merged"`
			User   userJSON `json:"user"`
			Head   struct {
				Ref string `json:"ref"`
				SHA string `json:"sha"`
			} `json:"head"`
			Base struct {
				Ref string `json:"ref"`
			} `json:"base"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return Decision{}, malformed("%v", err)
	}
	if p.PullRequest == nil {
		return Decision{}, malformed("pull_request event without pull_request")
	}
	pr := p.PullRequest
	if pr.Number == 0 {
		pr.Number = p.Number
	}
	attrs := []any{"repo", p.Repository.FullName, "pr", pr.Number}
	if p.Action != "closed" || !pr.Merged {
		return Decision{Action: Ignore, Message: "pull request not merged", Attrs: append(attrs, "action", p.Action)}, nil
	}
	if !rules.CreateOnMerge {
		return Decision{Action: Record, Message: "merged pull request (--no-create-on-merge)", Attrs: attrs}, nil
	}
	if err := p.Repository.check(); err != nil {
		return Decision{}, err
	}
	if !shaRE.MatchString(pr.Head.SHA) {
		return Decision{}, malformed("pull_request.head.sha %q is not a commit SHA", pr.Head.SHA)
	}
	attrs = append(attrs, "base", pr.Base.Ref)
	if rules.Base == "" {
		if pr.Base.Ref == "" || pr.Base.Ref != p.Repository.DefaultBranch {
			return Decision{Action: Record, Message: "merged pull request not into the default branch", Attrs: attrs}, nil
		}
	} else if ok, _ := path.Match(rules.Base, pr.Base.Ref); !ok {
		return Decision{Action: Record, Message: "merged pull request not into --base", Attrs: attrs}, nil
	}
	return Decision{
		Action:  Work,
		Message: "merged pull request",
		Attrs:   append(attrs, "sha", short(pr.Head.SHA), "author", pr.User.Login),
		Job: &journal.Job{
			Kind: journal.KindMerge, AcceptedAt: now, Progress: journal.Progress{Phase: journal.Pending},
			Merge: &journal.Merge{
				Repo: p.Repository.FullName, Number: pr.Number, HeadSHA: strings.ToLower(pr.Head.SHA),
				HeadRef: pr.Head.Ref, BaseRef: pr.Base.Ref, Author: pr.User.Login,
			},
		},
	}, nil
}

func classifyDeployment(payload []byte, rules Rules, now time.Time) (Decision, error) {
	var p struct {
		Action     string   `json:"action"`
		Repository repoJSON `json:"repository"`
		Deployment *struct {
			ID          int64           `json:"id"`
			SHA         string          `json:"sha"`
			Ref         string          `json:"ref"`
			Task        string          `json:"task"`
			Environment string          `json:"environment"`
			Description *string         `json:"description"`
			Creator     *userJSON       `json:"creator"`
			Payload     json.RawMessage `json:"payload"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return Decision{}, malformed("%v", err)
	}
	d := p.Deployment
	if d == nil || d.ID <= 0 {
		return Decision{}, malformed("deployment event without deployment.id")
	}
	if err := p.Repository.check(); err != nil {
		return Decision{}, err
	}
	attrs := []any{"repo", p.Repository.FullName, "deployment", d.ID, "environment", d.Environment, "ref", d.Ref}
	if p.Action != "" && p.Action != "created" {
		return Decision{Action: Record, Message: "deployment " + p.Action, Attrs: attrs}, nil
	}
	if !rules.Exec {
		return Decision{Action: Record, Message: "deployment received (no --exec: not run)", Attrs: attrs}, nil
	}
	if d.Environment == "" {
		return Decision{}, malformed("deployment without environment")
	}
	if rules.EnvironmentFilter != "" {
		if ok, _ := path.Match(rules.EnvironmentFilter, d.Environment); !ok {
			return Decision{Action: Record, Message: "deployment for another listener (--environment-filter)", Attrs: attrs}, nil
		}
	}
	dep := &journal.Deploy{
		ID: d.ID, Repo: p.Repository.FullName, Environment: d.Environment, Ref: d.Ref, SHA: d.SHA, Task: d.Task,
		Payload: normalizePayload(d.Payload),
	}
	if d.Description != nil {
		dep.Description = *d.Description
	}
	if d.Creator != nil {
		dep.Creator = d.Creator.Login
	}
	return Decision{
		Action: Work, Message: "deployment received", Attrs: attrs,
		Job: &journal.Job{Kind: journal.KindDeploy, AcceptedAt: now, Deploy: dep, Progress: journal.Progress{Phase: journal.Pending}},
	}, nil
}

func classifyDeploymentStatus(payload []byte) (Decision, error) {
	var p struct {
		Repository       repoJSON `json:"repository"`
		DeploymentStatus *struct {
			State       string `json:"state"`
			Description string `json:"description"`
			Environment string `json:"environment"`
		} `json:"deployment_status"`
		Deployment *struct {
			ID int64 `json:"id"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return Decision{}, malformed("%v", err)
	}
	if p.DeploymentStatus == nil || p.Deployment == nil {
		return Decision{}, malformed("deployment_status event without deployment_status and deployment")
	}
	return Decision{
		Action:  Record,
		Message: fmt.Sprintf("Deployment status for %d is %s", p.Deployment.ID, p.DeploymentStatus.State),
		Attrs: []any{"repo", p.Repository.FullName, "deployment", p.Deployment.ID, "state", p.DeploymentStatus.State,
			"environment", p.DeploymentStatus.Environment},
	}, nil
}

// normalizePayload keeps a deployment's payload as JSON text; GitHub sends an
// object, or a string when the creator passed one.
func normalizePayload(raw json.RawMessage) json.RawMessage {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 || string(s) == "null" {
		return json.RawMessage("{}")
	}
	return json.RawMessage(append([]byte(nil), s...))
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
