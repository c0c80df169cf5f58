// Package promote plans the deployments that `promote` and `rollback`
// create: pinned to an exact SHA (the request's ref is the SHA, so what was
// tested is what ships, whatever a branch points at by then), with a
// payload key that says where it came from.
package promote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/environment"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// Payload keys naming the deployment a promotion or a rollback came from.
const (
	KeyPromotedFrom = "promoted_from"
	KeyRollbackOf   = "rollback_of"
)

// Plan is a deployment about to be created.
type Plan struct {
	// Environment receives the new deployment.
	Environment string
	// Source is the deployment whose SHA is deployed (FROM's active one,
	// or the one rolled back to).
	Source *deploy.Deployment
	// Active is what Environment runs now; nil when nothing.
	Active *deploy.Deployment
	// Request is ready to send: ref = Source's SHA, the payload key merged.
	Request deploy.CreateRequest
}

// NothingError says there is nothing to promote or roll back to; nothing
// is created.
type NothingError struct{ Reason string }

func (e *NothingError) Error() string { return e.Reason }

// CheckPayload reports a --payload the key cannot be merged into: it must
// be a JSON object (or absent).
func CheckPayload(raw json.RawMessage) error {
	if raw == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return errors.New("--payload must be a JSON object here (its keys are kept, and promoted_from or rollback_of is added)")
	}
	return nil
}

// withKey merges {key: id} into the payload object raw (nil: none).
func withKey(raw json.RawMessage, key string, id int64) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if raw != nil {
		if err := CheckPayload(raw); err != nil {
			return nil, err
		}
		_ = json.Unmarshal(raw, &m)
	}
	m[key] = json.RawMessage(fmt.Sprint(id))
	return json.Marshal(m)
}

// Promote plans a deployment to `to` of the exact SHA that `from`'s active
// deployment runs. req holds create's other flags; its ref and environment
// are set here.
func Promote(ctx context.Context, c *ghapi.Client, repo repository.Repository, from, to string, req deploy.CreateRequest) (*Plan, error) {
	src, err := environment.Active(ctx, c, repo, from)
	var none *environment.NoActiveError
	if errors.As(err, &none) {
		return nil, &NothingError{Reason: "nothing to promote: " + none.Error()}
	}
	if err != nil {
		return nil, err
	}
	active, err := activeOrNil(ctx, c, repo, to)
	if err != nil {
		return nil, err
	}
	return plan(to, src, active, KeyPromotedFrom, src.ID, req)
}

// Rollback plans a deployment to env of the SHA of deployment toID, or (0)
// of the newest deployment older than env's active one, of a different
// SHA, that succeeded. req holds create's other flags.
func Rollback(ctx context.Context, c *ghapi.Client, repo repository.Repository, env string, toID int64, req deploy.CreateRequest) (*Plan, error) {
	active, err := environment.Active(ctx, c, repo, env)
	var none *environment.NoActiveError
	if errors.As(err, &none) {
		return nil, &NothingError{Reason: "nothing to roll back: " + none.Error()}
	}
	if err != nil {
		return nil, err
	}
	var target *deploy.Deployment
	if toID != 0 {
		if target, err = deploy.Fetch(ctx, c, repo, toID); err != nil {
			return nil, err
		}
		if target.SHA == active.SHA {
			return nil, &NothingError{Reason: fmt.Sprintf("nothing to roll back: %s already runs %s (deployment %d)", env, deploy.ShortSHA(active.SHA), active.ID)}
		}
	} else {
		older, err := deploy.List(ctx, c, repo, deploy.ListOptions{Environment: env, Limit: RollbackSearch})
		if err != nil {
			return nil, err
		}
		target, err = RollbackTarget(older, *active, func(d deploy.Deployment) (bool, error) { return everSucceeded(ctx, c, repo, d) })
		if err != nil {
			return nil, err
		}
		if target == nil {
			return nil, &NothingError{Reason: fmt.Sprintf("nothing to roll back to: no deployment to %s older than the active one (%d, %s) succeeded with another SHA", env, active.ID, deploy.ShortSHA(active.SHA))}
		}
	}
	return plan(env, target, active, KeyRollbackOf, active.ID, req)
}

// RollbackSearch is how many of an environment's newest deployments
// rollback looks through.
const RollbackSearch = 100

// RollbackTarget is the rollback rule: among deployments (newest first),
// the newest one older than active whose SHA differs from active's and that
// succeeded (succeeded is asked only about those candidates, in order).
// Nil when there is none.
func RollbackTarget(deployments []deploy.Deployment, active deploy.Deployment, succeeded func(deploy.Deployment) (bool, error)) (*deploy.Deployment, error) {
	for _, d := range deployments {
		if !olderThan(d, active) || d.SHA == active.SHA {
			continue
		}
		ok, err := succeeded(d)
		if err != nil {
			return nil, err
		}
		if ok {
			return &d, nil
		}
	}
	return nil, nil
}

func olderThan(d, active deploy.Deployment) bool {
	if d.CreatedAt.Equal(active.CreatedAt) {
		return d.ID < active.ID
	}
	return d.CreatedAt.Before(active.CreatedAt)
}

// everSucceeded reports whether d had a success status: its latest one, or
// an earlier one when a later deployment's success made it inactive (one
// request then).
func everSucceeded(ctx context.Context, c *ghapi.Client, repo repository.Repository, d deploy.Deployment) (bool, error) {
	switch status.State(d.State) {
	case status.Success:
		return true, nil
	case status.Inactive:
	default:
		return false, nil
	}
	sts, err := status.List(ctx, c, repo, d.ID)
	if err != nil {
		return false, err
	}
	for _, s := range sts {
		if status.State(s.State) == status.Success {
			return true, nil
		}
	}
	return false, nil
}

func activeOrNil(ctx context.Context, c *ghapi.Client, repo repository.Repository, env string) (*deploy.Deployment, error) {
	d, err := environment.Active(ctx, c, repo, env)
	var none *environment.NoActiveError
	if errors.As(err, &none) {
		return nil, nil
	}
	return d, err
}

func plan(env string, src, active *deploy.Deployment, key string, id int64, req deploy.CreateRequest) (*Plan, error) {
	payload, err := withKey(req.Payload, key, id)
	if err != nil {
		return nil, err
	}
	req.Ref, req.Environment, req.Payload = src.SHA, env, payload
	return &Plan{Environment: env, Source: src, Active: active, Request: req}, nil
}
