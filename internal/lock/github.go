package lock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// lockCommitFields reads a lock branch's head commit and its lock.json in the same request.
const lockCommitFields = `fragment LockCommit on Commit { oid file(path: "lock.json") { object { ... on Blob { text } } } }`

// ReadQuery reads an environment's lock and the global lock (exported for the tests that validate it
// against GitHub's schema).
const ReadQuery = `query LockRead($owner: String!, $name: String!, $env: String!, $global: String!) {
  repository(owner: $owner, name: $name) {
    env: object(expression: $env) { ...LockCommit }
    global: object(expression: $global) { ...LockCommit }
    defaultBranchRef { name target { ... on Commit { oid tree { oid } } } }
  }
}
` + lockCommitFields

// ListQuery reads every lock branch with its lock.json, 100 a page.
const ListQuery = `query LockList($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    refs(refPrefix: "refs/heads/", query: "` + branchSuffix + `", first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { name target { ...LockCommit } }
    }
  }
}
` + lockCommitFields

type gqlLockCommit struct {
	Oid  string `json:"oid"`
	File *struct {
		Object *struct {
			Text *string `json:"text"`
		} `json:"object"`
	} `json:"file"`
}

// lock turns a lock branch's head into a Lock; nil when the branch does not exist or holds no lock.json
// (branch-deploy creates the branch a moment before it writes the file).
func (c *gqlLockCommit) lock(branch string) *Lock {
	if c == nil || c.Oid == "" || c.File == nil || c.File.Object == nil {
		return nil
	}
	text := ""
	if c.File.Object.Text != nil {
		text = *c.File.Object.Text
	}
	l := parse(branch, c.Oid, text)
	return &l
}

// State is what one read of the lock branches found.
type State struct {
	Env    *Lock // the environment's lock, nil when none (or when the read was for the global lock)
	Global *Lock
	// DefaultBranch and its head commit and tree, which a new lock's commit builds on.
	DefaultBranch, Head, Tree string
}

// Read returns the lock on environment ("" = only the global lock) and the global lock, in one request.
func Read(ctx context.Context, c *ghapi.Client, repo repository.Repository, environment string) (*State, error) {
	var data struct {
		Repository *struct {
			Env              *gqlLockCommit `json:"env"`
			Global           *gqlLockCommit `json:"global"`
			DefaultBranchRef *struct {
				Name   string `json:"name"`
				Target *struct {
					Oid  string `json:"oid"`
					Tree struct {
						Oid string `json:"oid"`
					} `json:"tree"`
				} `json:"target"`
			} `json:"defaultBranchRef"`
		} `json:"repository"`
	}
	branch := BranchName(environment)
	vars := map[string]any{"owner": repo.Owner, "name": repo.Name,
		"env": "refs/heads/" + branch + "", "global": "refs/heads/" + GlobalBranch}
	if err := c.GraphQL(ctx, ReadQuery, vars, &data); err != nil {
		return nil, fmt.Errorf("read locks: %w", err)
	}
	if data.Repository == nil {
		return nil, fmt.Errorf("read locks: %w", &ghapi.APIError{StatusCode: http.StatusNotFound, Message: "Could not resolve to a Repository",
			Hint: fmt.Sprintf("Not found: %s/%s does not exist, or the token cannot see it.", repo.Owner, repo.Name)})
	}
	st := &State{Global: data.Repository.Global.lock(GlobalBranch)}
	if environment != "" {
		st.Env = data.Repository.Env.lock(branch)
	}
	if ref := data.Repository.DefaultBranchRef; ref != nil && ref.Target != nil {
		st.DefaultBranch, st.Head, st.Tree = ref.Name, ref.Target.Oid, ref.Target.Tree.Oid
	}
	return st, nil
}

// List returns every lock of the repository, global first, then by environment (one request per 100).
func List(ctx context.Context, c *ghapi.Client, repo repository.Repository) ([]Lock, error) {
	var out []Lock
	vars := map[string]any{"owner": repo.Owner, "name": repo.Name}
	for {
		var data struct {
			Repository *struct {
				Refs struct {
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
					Nodes []struct {
						Name   string         `json:"name"`
						Target *gqlLockCommit `json:"target"`
					} `json:"nodes"`
				} `json:"refs"`
			} `json:"repository"`
		}
		if err := c.GraphQL(ctx, ListQuery, vars, &data); err != nil {
			return nil, fmt.Errorf("list locks: %w", err)
		}
		if data.Repository == nil {
			return nil, fmt.Errorf("list locks: %w", &ghapi.APIError{StatusCode: http.StatusNotFound, Message: "Could not resolve to a Repository",
				Hint: fmt.Sprintf("Not found: %s/%s does not exist, or the token cannot see it.", repo.Owner, repo.Name)})
		}
		for _, n := range data.Repository.Refs.Nodes {
			if !IsLockBranch(n.Name) {
				continue
			}
			if l := n.Target.lock(n.Name); l != nil {
				if l.Global {
					out = append([]Lock{*l}, out...)
				} else {
					out = append(out, *l)
				}
			}
		}
		if !data.Repository.Refs.PageInfo.HasNextPage {
			return out, nil
		}
		vars["after"] = data.Repository.Refs.PageInfo.EndCursor
	}
}

// For returns the lock that applies to environment among locks: the global one first, else the
// environment's own; nil when none does.
func For(locks []Lock, environment string) *Lock {
	var own *Lock
	for i := range locks {
		switch {
		case locks[i].Global:
			return &locks[i]
		case own == nil && locks[i].LockBranch == BranchName(environment):
			own = &locks[i]
		}
	}
	return own
}

// ByEnvironment returns the lock in force at now for each of environments (absent: none), from one
// List. An expired lock is not in force (Check ignores it too), so a live global lock shows through an
// expired lock of the environment's own.
func ByEnvironment(ctx context.Context, c *ghapi.Client, repo repository.Repository, environments []string, now time.Time) (map[string]*Lock, error) {
	all, err := List(ctx, c, repo)
	if err != nil {
		return nil, err
	}
	var locks []Lock
	for _, l := range all {
		if !l.Expired(now) {
			locks = append(locks, l)
		}
	}
	out := map[string]*Lock{}
	for _, env := range environments {
		if l := For(locks, env); l != nil {
			out[env] = l
		}
	}
	return out, nil
}

// Whoami is the login deployctl acts as, for created_by and for "held by someone else": the token's user
// (GET /user). A GitHub App installation token (the GITHUB_TOKEN of a workflow run) has no user, and GitHub
// refuses GET /user; inside GitHub Actions the person who triggered the run (GITHUB_ACTOR) then owns what
// the run locks, as branch-deploy does, and outside it the app's bot does (github-actions[bot]).
func Whoami(ctx context.Context, c *ghapi.Client, getenv func(string) string) (string, error) {
	req, err := c.REST.NewRequest(http.MethodGet, "user", nil)
	if err != nil {
		return "", err
	}
	var u struct {
		Login string `json:"login"`
	}
	_, err = c.REST.Do(ctx, req, &u)
	var apiErr *ghapi.APIError
	if errors.As(ghapi.Wrap(err, "the token's user"), &apiErr) && apiErr.StatusCode == http.StatusForbidden &&
		strings.Contains(strings.ToLower(apiErr.Message), "not accessible by integration") {
		if getenv != nil && getenv("GITHUB_ACTIONS") == "true" && getenv("GITHUB_ACTOR") != "" {
			return getenv("GITHUB_ACTOR"), nil
		}
		return "github-actions[bot]", nil
	}
	if err != nil {
		return "", fmt.Errorf("who am I: %w", ghapi.Wrap(err, "the token's user"))
	}
	return u.Login, nil
}

// LockedError is a refusal: the environment (or every environment) is locked by someone else, and the
// lock has not expired. Check and Claim return it.
type LockedError struct {
	Lock Lock
	Now  time.Time
}

func (e *LockedError) Error() string {
	var b strings.Builder
	if e.Lock.Global {
		b.WriteString("every environment is locked (global lock)")
	} else {
		fmt.Fprintf(&b, "%s is locked", e.Lock.Environment)
	}
	fmt.Fprintf(&b, " by %s for %s", e.Lock.CreatedBy, Age(e.Now, e.Lock.CreatedAt))
	if e.Lock.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Lock.Reason)
	}
	if e.Lock.ExpiresAt != nil {
		fmt.Fprintf(&b, " (expires in %s)", Duration(e.Lock.ExpiresAt.Sub(e.Now)))
	}
	return b.String()
}

// Description is the refusal as a deployment status description: "locked by <owner>: <reason>".
func (e *LockedError) Description() string {
	d := "locked by " + e.Lock.CreatedBy
	if e.Lock.Reason != "" {
		d += ": " + e.Lock.Reason
	}
	if r := []rune(d); len(r) > 140 {
		d = string(r[:139]) + "…"
	}
	return d
}

// Hint says how a deploy can go on.
func (e *LockedError) Hint() string {
	return "Wait for it, " + e.UnlockHint() + ", or pass --ignore-lock."
}

// UnlockHint is who can release the lock, and how.
func (e *LockedError) UnlockHint() string {
	target := e.Lock.Environment
	if e.Lock.Global {
		target = "--global"
	}
	return "ask " + e.Lock.CreatedBy + " to run `deployctl unlock " + target + "`"
}

// CheckOptions tune Check.
type CheckOptions struct {
	// Actor is who deploys ("" = Whoami): the listener passes the deployment's creator.
	Actor  string
	Getenv func(string) string // for Whoami
	Now    time.Time           // zero = time.Now()
}

// Checked is what Check found that did not stop the deploy.
type Checked struct {
	// Expired are locks past their expires_at, ignored; callers say so on stderr.
	Expired []Lock
	// Own are unexpired locks the actor holds.
	Own []Lock
}

// Notes are the lines callers print about ignored locks.
func (c *Checked) Notes(now time.Time) []string {
	var out []string
	for _, l := range c.Expired {
		out = append(out, fmt.Sprintf("note: ignoring the lock on %s by %s: it expired %s ago", l.Scope(), l.CreatedBy, Duration(now.Sub(*l.ExpiresAt))))
	}
	return out
}

// Check decides whether actor may deploy to environment: it may not while the environment's lock or the
// global lock is held by someone else and has not expired (a *LockedError). One request reads both locks;
// the caller's login is asked for (a second request) only when a live lock exists and no Actor was given.
func Check(ctx context.Context, c *ghapi.Client, repo repository.Repository, environment string, o CheckOptions) (*Checked, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	st, err := Read(ctx, c, repo, environment)
	if err != nil {
		return nil, err
	}
	out := &Checked{}
	for _, l := range []*Lock{st.Global, st.Env} {
		if l == nil {
			continue
		}
		if l.Expired(o.Now) {
			out.Expired = append(out.Expired, *l)
			continue
		}
		if o.Actor == "" {
			if o.Actor, err = Whoami(ctx, c, o.Getenv); err != nil {
				return nil, err
			}
		}
		if !l.HeldBy(o.Actor) {
			return out, &LockedError{Lock: *l, Now: o.Now}
		}
		out.Own = append(out.Own, *l)
	}
	return out, nil
}

// ClaimRequest is a lock to take.
type ClaimRequest struct {
	Environment string // "" = the global lock
	Reason      string
	TTL         time.Duration // 0 = no expiry
	Actor       string        // "" = Whoami
	Getenv      func(string) string
	Link        string // the workflow run taking it, if any
	Now         time.Time
}

// ClaimResult is a lock the caller now holds.
type ClaimResult struct {
	Lock Lock
	// Already is true when the caller held it before (nothing was written).
	Already bool
	// Replaced is the expired lock this claim took over, if any.
	Replaced *Lock
}

// Claim takes a lock: a commit `lock [skip ci]` holding lock.json on top of the default branch's head,
// then the lock branch pointing at it. Creating the branch is the atomic claim. An expired lock is taken
// over with a fast-forward of its branch (the new commit's second parent is the old lock's), so two
// takeovers racing cannot both win either. Costs: GET /user (unless Actor), one read, three writes.
func Claim(ctx context.Context, c *ghapi.Client, repo repository.Repository, r ClaimRequest) (*ClaimResult, error) {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	if r.Actor == "" {
		var err error
		if r.Actor, err = Whoami(ctx, c, r.Getenv); err != nil {
			return nil, err
		}
	}
	st, err := Read(ctx, c, repo, r.Environment)
	if err != nil {
		return nil, err
	}
	if g := st.Global; g != nil && r.Environment != "" && !g.Expired(r.Now) && !g.HeldBy(r.Actor) {
		return nil, &LockedError{Lock: *g, Now: r.Now}
	}
	current := st.Env
	if r.Environment == "" {
		current = st.Global
	}
	if current != nil && !current.Expired(r.Now) {
		if current.HeldBy(r.Actor) {
			return &ClaimResult{Lock: *current, Already: true}, nil
		}
		return nil, &LockedError{Lock: *current, Now: r.Now}
	}
	if st.Head == "" {
		return nil, fmt.Errorf("lock: %s/%s has no default branch to build the lock on", repo.Owner, repo.Name)
	}
	l := Lock{
		Environment: r.Environment, Global: r.Environment == "", Reason: r.Reason, CreatedBy: r.Actor,
		CreatedAt: r.Now.UTC().Truncate(time.Second), Link: r.Link, LockBranch: BranchName(r.Environment), Sticky: true,
		UnlockCommand: unlockCommand(r.Environment), ClaimID: claimID(),
	}
	if r.TTL > 0 {
		exp := l.CreatedAt.Add(r.TTL)
		l.ExpiresAt = &exp
	}
	parents := []string{st.Head}
	if current != nil {
		parents = append(parents, current.Commit)
	}
	sha, err := writeCommit(ctx, c, repo, st.Tree, parents, l.marshal())
	if err != nil {
		return nil, err
	}
	l.Commit = sha
	if current == nil {
		err = createRef(ctx, c, repo, l.LockBranch, sha)
	} else {
		err = fastForward(ctx, c, repo, l.LockBranch, sha)
	}
	if errors.Is(err, errLost) {
		// Somebody else claimed it between the read and the write: say who.
		again, rerr := Read(ctx, c, repo, r.Environment)
		if rerr != nil {
			return nil, rerr
		}
		winner := again.Env
		if r.Environment == "" {
			winner = again.Global
		}
		if winner == nil {
			return nil, errors.New("lock: somebody claimed and released the lock meanwhile; try again")
		}
		if winner.HeldBy(r.Actor) {
			return &ClaimResult{Lock: *winner, Already: true}, nil
		}
		return nil, &LockedError{Lock: *winner, Now: r.Now}
	}
	if err != nil {
		return nil, err
	}
	return &ClaimResult{Lock: l, Replaced: current}, nil
}

func claimID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// errLost means the ref changed under the claim.
var errLost = errors.New("lock taken meanwhile")

func do(ctx context.Context, c *ghapi.Client, method, path string, body, out any) error {
	req, err := c.REST.NewRequest(method, path, body)
	if err != nil {
		return err
	}
	_, err = c.REST.Do(ctx, req, out)
	return err
}

func writeCommit(ctx context.Context, c *ghapi.Client, repo repository.Repository, baseTree string, parents []string, content []byte) (string, error) {
	base := fmt.Sprintf("repos/%s/%s/git/", repo.Owner, repo.Name)
	var tree struct {
		SHA string `json:"sha"`
	}
	err := do(ctx, c, http.MethodPost, base+"trees", map[string]any{
		"base_tree": baseTree,
		"tree":      []map[string]any{{"path": File, "mode": "100644", "type": "blob", "content": string(content)}},
	}, &tree)
	if err != nil {
		return "", fmt.Errorf("lock: create tree: %w", ghapi.Wrap(err, repo.Owner+"/"+repo.Name))
	}
	var commit struct {
		SHA string `json:"sha"`
	}
	err = do(ctx, c, http.MethodPost, base+"commits", map[string]any{"message": CommitMessage, "tree": tree.SHA, "parents": parents}, &commit)
	if err != nil {
		return "", fmt.Errorf("lock: create commit: %w", ghapi.Wrap(err, repo.Owner+"/"+repo.Name))
	}
	return commit.SHA, nil
}

func isRefConflict(err error, messages ...string) bool {
	var apiErr *ghapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, m := range messages {
		if strings.Contains(apiErr.Message, m) {
			return true
		}
	}
	return false
}

func createRef(ctx context.Context, c *ghapi.Client, repo repository.Repository, branch, sha string) error {
	err := do(ctx, c, http.MethodPost, fmt.Sprintf("repos/%s/%s/git/refs", repo.Owner, repo.Name),
		map[string]any{"ref": "refs/heads/" + branch, "sha": sha}, nil)
	err = ghapi.Wrap(err, repo.Owner+"/"+repo.Name)
	if isRefConflict(err, "Reference already exists") {
		return errLost
	}
	if err != nil {
		return fmt.Errorf("lock: create branch %s: %w", branch, err)
	}
	return nil
}

func fastForward(ctx context.Context, c *ghapi.Client, repo repository.Repository, branch, sha string) error {
	err := do(ctx, c, http.MethodPatch, fmt.Sprintf("repos/%s/%s/git/refs/heads/%s", repo.Owner, repo.Name, branch),
		map[string]any{"sha": sha, "force": false}, nil)
	err = ghapi.Wrap(err, repo.Owner+"/"+repo.Name)
	if isRefConflict(err, "not a fast forward", "Reference does not exist") {
		return errLost
	}
	if err != nil {
		return fmt.Errorf("lock: move branch %s: %w", branch, err)
	}
	return nil
}

// ErrNotLocked means there was no lock to release.
var ErrNotLocked = errors.New("not locked")

// Release removes the lock on environment ("" = the global lock) by deleting its branch, and returns the
// lock it removed (nil when the branch held no lock.json). Costs one read and one write.
func Release(ctx context.Context, c *ghapi.Client, repo repository.Repository, environment string) (*Lock, error) {
	st, err := Read(ctx, c, repo, environment)
	if err != nil {
		return nil, err
	}
	l := st.Env
	if environment == "" {
		l = st.Global
	}
	err = do(ctx, c, http.MethodDelete, fmt.Sprintf("repos/%s/%s/git/refs/heads/%s", repo.Owner, repo.Name, BranchName(environment)), nil, nil)
	err = ghapi.Wrap(err, repo.Owner+"/"+repo.Name)
	if isRefConflict(err, "Reference does not exist") {
		return nil, ErrNotLocked
	}
	if err != nil {
		return nil, fmt.Errorf("unlock: delete branch %s: %w", BranchName(environment), err)
	}
	return l, nil
}
