// Package lock keeps deployment locks the way github/branch-deploy keeps them, so a team that types `.lock`
// in a pull request and a team that runs `deployctl lock` see and respect the same lock. A lock is the branch
// `<environment>-branch-deploy-lock` (or `global-branch-deploy-lock` for every environment) whose commit
// holds lock.json. Creating that branch is the claim: GitHub creates a ref once, and answers "Reference
// already exists" to everyone after, so of two racing claims exactly one wins.
//
// One Check decides for every way of deploying (create, run, promote, rollback, the listener) whether an
// environment is locked against the caller, in at most two requests.
package lock

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// The names branch-deploy uses (its lock-metadata).
const (
	branchSuffix = "branch-deploy-lock"
	// GlobalBranch is the branch of the lock on every environment.
	GlobalBranch = "global-" + branchSuffix
	// File is the lock's file on its branch.
	File = "lock.json"
	// CommitMessage is the message of a lock's commit ([skip ci] keeps CI off the lock branch).
	CommitMessage = "lock [skip ci]"
	// SchemaVersion is the lock.json format deployctl writes.
	SchemaVersion = 1
)

// BranchName is the lock branch of an environment ("" = the global lock). Whitespace becomes '-', as
// branch-deploy makes the name a valid ref.
func BranchName(environment string) string {
	if environment == "" {
		return GlobalBranch
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\ufeff' {
			return '-'
		}
		return r
	}, environment) + "-" + branchSuffix
}

// IsLockBranch reports whether a branch name is a lock's.
func IsLockBranch(name string) bool { return strings.HasSuffix(name, "-"+branchSuffix) }

// Lock is a lock as read from lock.json. The JSON names are the fields of `deployctl locks --json`.
type Lock struct {
	Environment string     `json:"environment"` // "" for the global lock
	Global      bool       `json:"global"`
	Reason      string     `json:"reason"`
	CreatedBy   string     `json:"createdBy"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	Link        string     `json:"link"`   // the pull request comment (branch-deploy) or workflow run that took it
	Branch      string     `json:"branch"` // the branch that asked for it (branch-deploy), "" when none
	// LockBranch is the lock's own branch (production-branch-deploy-lock).
	LockBranch    string `json:"lockBranch"`
	Sticky        bool   `json:"sticky"`
	UnlockCommand string `json:"unlockCommand"`
	ClaimID       string `json:"claimId"`
	// Commit is the lock branch's head (what a takeover of an expired lock must find unchanged).
	Commit string `json:"-"`
}

// Expired reports whether the lock has an expiry and it has passed.
func (l *Lock) Expired(now time.Time) bool { return l.ExpiresAt != nil && !now.Before(*l.ExpiresAt) }

// HeldBy reports whether login holds the lock (logins compare as GitHub does, ignoring case).
func (l *Lock) HeldBy(login string) bool { return login != "" && strings.EqualFold(l.CreatedBy, login) }

// LockOwner is who holds the lock (the LOCK column of `environments`).
func (l *Lock) LockOwner() string { return l.CreatedBy }

// Scope names what the lock covers: the environment, or "every environment".
func (l *Lock) Scope() string {
	if l.Global {
		return "every environment (global lock)"
	}
	return l.Environment
}

// file is lock.json as deployctl writes it: branch-deploy's fields, in its order, plus schema_version,
// claim_id and the optional expires_at.
type file struct {
	SchemaVersion int     `json:"schema_version"`
	Reason        *string `json:"reason"`
	Branch        *string `json:"branch"`
	CreatedAt     string  `json:"created_at"`
	CreatedBy     string  `json:"created_by"`
	Sticky        bool    `json:"sticky"`
	Environment   *string `json:"environment"`
	Global        bool    `json:"global"`
	UnlockCommand string  `json:"unlock_command"`
	Link          *string `json:"link"`
	ClaimID       string  `json:"claim_id"`
	ExpiresAt     *string `json:"expires_at,omitempty"`
}

func (l *Lock) marshal() []byte {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	f := file{
		SchemaVersion: SchemaVersion, Reason: opt(l.Reason), Branch: opt(l.Branch),
		CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339), CreatedBy: l.CreatedBy, Sticky: l.Sticky,
		Environment: opt(l.Environment), Global: l.Global, UnlockCommand: l.UnlockCommand, Link: opt(l.Link),
		ClaimID: l.ClaimID,
	}
	if l.ExpiresAt != nil {
		f.ExpiresAt = opt(l.ExpiresAt.UTC().Format(time.RFC3339))
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	return append(b, '\n')
}

// parse reads lock.json from a lock branch. branch-deploy writes reason, branch, environment and link as
// null or strings, created_at as JavaScript's toISOString, and no schema_version, claim_id or expires_at.
// A file that is not such JSON still locks (its branch exists): it is read as held by "unknown", with the
// problem as its reason, so nobody deploys past a lock they cannot read.
func parse(lockBranch, commit, text string) Lock {
	l := Lock{LockBranch: lockBranch, Commit: commit, Global: lockBranch == GlobalBranch}
	var raw struct {
		Reason        any    `json:"reason"`
		Branch        any    `json:"branch"`
		CreatedAt     string `json:"created_at"`
		CreatedBy     string `json:"created_by"`
		Sticky        *bool  `json:"sticky"`
		Environment   any    `json:"environment"`
		Global        *bool  `json:"global"`
		UnlockCommand string `json:"unlock_command"`
		Link          any    `json:"link"`
		ClaimID       string `json:"claim_id"`
		ExpiresAt     string `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		l.CreatedBy = "unknown"
		l.Reason = fmt.Sprintf("%s on %s is not valid JSON", File, lockBranch)
		l.Environment = strings.TrimSuffix(lockBranch, "-"+branchSuffix)
		return l
	}
	str := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case nil:
			return ""
		default:
			b, _ := json.Marshal(x)
			return string(b)
		}
	}
	l.Reason, l.Branch, l.Link = str(raw.Reason), str(raw.Branch), str(raw.Link)
	l.Environment, l.CreatedBy = str(raw.Environment), raw.CreatedBy
	l.UnlockCommand, l.ClaimID = raw.UnlockCommand, raw.ClaimID
	if raw.Global != nil {
		l.Global = *raw.Global
	}
	if raw.Sticky != nil {
		l.Sticky = *raw.Sticky
	}
	if t, err := time.Parse(time.RFC3339, raw.CreatedAt); err == nil {
		l.CreatedAt = t
	}
	if t, err := time.Parse(time.RFC3339, raw.ExpiresAt); err == nil {
		l.ExpiresAt = &t
	}
	if l.CreatedBy == "" {
		l.CreatedBy = "unknown"
	}
	if l.Global {
		l.Environment = ""
	} else if l.Environment == "" {
		l.Environment = strings.TrimSuffix(lockBranch, "-"+branchSuffix)
	}
	return l
}

// unlockCommand is what branch-deploy shows in a pull request to release the lock (its default triggers):
// the lock may be met there, and `.unlock ENV` releases a deployctl lock as well as its own.
func unlockCommand(environment string) string {
	if environment == "" {
		return ".unlock --global"
	}
	return ".unlock " + environment
}

// Age is how long ago the lock was taken, rounded for people.
func Age(now, since time.Time) string {
	if since.IsZero() {
		return "an unknown time"
	}
	return Duration(now.Sub(since))
}

// Duration rounds d for people: 45s, 12m, 3h5m, 2d4h.
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	default:
		days := int(d.Hours()) / 24
		if h := int(d.Hours()) % 24; h != 0 {
			return fmt.Sprintf("%dd%dh", days, h)
		}
		return fmt.Sprintf("%dd", days)
	}
}
