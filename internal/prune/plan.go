// Package prune cleans up deployments. A Plan is pure: from the deployments and their latest states it
// decides which to keep (the newest N of each environment, and always the environment's active one) and
// what each of the others needs, and nothing more: a deployment already inactive is deleted without a
// status first and is not deactivated again. An Executor sends a plan's writes one at a time, paced the way
// GitHub asks of mutative requests, and waits out secondary rate limits. Because the plan is recomputed
// from GitHub's state, a run that was interrupted is finished by running it again.
package prune

import (
	"cmp"
	"slices"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
)

// Action is what happened (or, in a dry run, would happen) to a deployment.
type Action string

// The actions of `deployctl prune --json`.
const (
	Kept        Action = "kept"
	Deactivated Action = "deactivated"
	Deleted     Action = "deleted"
)

// Write is one request a deployment needs.
type Write int

// The two writes of a cleanup.
const (
	// SetInactive posts an inactive status.
	SetInactive Write = iota
	// Delete deletes the deployment.
	Delete
)

// Item is one deployment of a plan and its outcome. The JSON names are the fields of `prune --json`.
type Item struct {
	ID          int64     `json:"id"`
	Environment string    `json:"environment"`
	Ref         string    `json:"ref"`
	SHA         string    `json:"sha"`
	State       string    `json:"state"` // its latest status when planned ("" = none)
	CreatedAt   time.Time `json:"createdAt"`
	Action      Action    `json:"action"`
	Reason      string    `json:"reason"` // why it is kept
	Error       string    `json:"error"`
	// Writes are the requests the action needs, in order.
	Writes []Write `json:"-"`
	// Done is true once every write of the item went through (at once for one that needs none).
	Done bool `json:"-"`
}

// Options choose what a plan cleans.
type Options struct {
	Environment string // "" = every environment
	Ref         string // only deployments of this ref ("" = any)
	Keep        int    // newest deployments kept in each environment
	OlderThan   time.Duration
	Now         time.Time // for OlderThan
	Delete      bool      // delete, not only deactivate
}

// Plan is what a cleanup does.
type Plan struct {
	Items []Item
	// AlreadyInactive counts deployments beyond the kept ones that need nothing (deactivating only).
	AlreadyInactive int
}

// Writes counts the requests the plan sends.
func (p Plan) Writes() int {
	n := 0
	for _, it := range p.Items {
		n += len(it.Writes)
	}
	return n
}

// Count counts the items with an action.
func (p Plan) Count(a Action) int {
	n := 0
	for _, it := range p.Items {
		if it.Action == a {
			n++
		}
	}
	return n
}

// NeedsInactiveToDelete reports whether GitHub refuses to delete a deployment in this state until it has a
// non-successful status: "you can only delete inactive deployments", and one with no status yet, or whose
// latest status is success, is not inactive.
func NeedsInactiveToDelete(state string) bool { return state == "" || state == "success" }

// NewPlan decides what happens to each deployment. deps are every deployment of the environments
// concerned (any order) with their latest states; an environment's active deployment is its newest whose
// latest status is success, and it is always kept.
func NewPlan(deps []deploy.Deployment, o Options) Plan {
	deps = slices.Clone(deps)
	slices.SortStableFunc(deps, func(a, b deploy.Deployment) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	active := map[string]int64{}
	for _, d := range deps {
		if _, ok := active[d.Environment]; !ok && d.State == "success" {
			active[d.Environment] = d.ID
		}
	}
	var p Plan
	seen := map[string]int{}
	for _, d := range deps {
		if o.Environment != "" && d.Environment != o.Environment {
			continue
		}
		if o.Ref != "" && d.Ref != o.Ref {
			continue
		}
		it := Item{ID: d.ID, Environment: d.Environment, Ref: d.Ref, SHA: d.SHA, State: d.State, CreatedAt: d.CreatedAt}
		seen[d.Environment]++
		switch {
		case seen[d.Environment] <= o.Keep:
			it.Action, it.Reason = Kept, "newest"
		case active[d.Environment] == d.ID:
			it.Action, it.Reason = Kept, "active"
		case o.OlderThan > 0 && o.Now.Sub(d.CreatedAt) <= o.OlderThan:
			it.Action, it.Reason = Kept, "recent"
		case o.Delete:
			it.Action = Deleted
			if NeedsInactiveToDelete(d.State) {
				it.Writes = append(it.Writes, SetInactive)
			}
			it.Writes = append(it.Writes, Delete)
		case d.State == "inactive":
			p.AlreadyInactive++
			continue
		default:
			it.Action, it.Writes = Deactivated, []Write{SetInactive}
		}
		p.Items = append(p.Items, it)
	}
	return p
}

// ForIDs plans the deactivation (or deletion) of exactly these deployments, whatever they are; states
// maps an ID to its latest state. Already-inactive ones are not deactivated again.
func ForIDs(ids []int64, states map[int64]deploy.Deployment, del bool) Plan {
	var p Plan
	for _, id := range ids {
		d := states[id]
		it := Item{ID: id, Environment: d.Environment, Ref: d.Ref, SHA: d.SHA, State: d.State, CreatedAt: d.CreatedAt}
		switch {
		case del:
			it.Action = Deleted
			if NeedsInactiveToDelete(d.State) {
				it.Writes = append(it.Writes, SetInactive)
			}
			it.Writes = append(it.Writes, Delete)
		case d.State == "inactive":
			it.Action, it.Reason = Deactivated, "already inactive"
		default:
			it.Action, it.Writes = Deactivated, []Write{SetInactive}
		}
		p.Items = append(p.Items, it)
	}
	return p
}
