package environment

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// Comparison is what head has that base does not, from GitHub's compare
// API. The JSON names are the fields of `diff --json`.
type Comparison struct {
	Base     string   `json:"base"`   // as compared: a SHA or a ref
	Head     string   `json:"head"`   // as compared: a SHA or a ref
	Status   string   `json:"status"` // ahead, behind, diverged or identical
	AheadBy  int      `json:"aheadBy"`
	BehindBy int      `json:"behindBy"`
	URL      string   `json:"url"` // the comparison on github.com
	Commits  []Commit `json:"commits"`
	// Total is how many commits head is ahead by; Commits holds at most the
	// newest 250 of them (the most GitHub lists in one answer).
	Total int `json:"-"`
}

// Counts says how far head is from base: "2 commits ahead, 0 behind".
func (c *Comparison) Counts() string {
	commits := "commits"
	if c.AheadBy == 1 {
		commits = "commit"
	}
	return fmt.Sprintf("%d %s ahead, %d behind", c.AheadBy, commits, c.BehindBy)
}

// Commit is one commit of a comparison.
type Commit struct {
	SHA     string `json:"sha"`
	Author  string `json:"author"` // the GitHub login, else the git author's name
	Message string `json:"message"`
	URL     string `json:"url"`
}

// Subject is the first line of the commit message.
func (c Commit) Subject() string {
	s, _, _ := strings.Cut(c.Message, "\n")
	return strings.TrimSpace(s)
}

type restComparison struct {
	HTMLURL      string `json:"html_url"`
	Status       string `json:"status"`
	AheadBy      int    `json:"ahead_by"`
	BehindBy     int    `json:"behind_by"`
	TotalCommits int    `json:"total_commits"`
	Commits      []struct {
		SHA     string `json:"sha"`
		HTMLURL string `json:"html_url"`
		Commit  struct {
			Message string `json:"message"`
			Author  *struct {
				Name string `json:"name"`
			} `json:"author"`
		} `json:"commit"`
		Author *struct {
			Login string `json:"login"`
		} `json:"author"`
	} `json:"commits"`
}

// escapeRef keeps a ref's slashes (GitHub reads BASE...HEAD from the rest of
// the path) and escapes everything else a path cannot hold.
func escapeRef(ref string) string {
	return strings.ReplaceAll(url.PathEscape(ref), "%2F", "/")
}

// Compare asks GitHub what head has that base does not (one request, at
// most 250 commits listed). base and head are SHAs, branches or tags.
func Compare(ctx context.Context, c *ghapi.Client, repo repository.Repository, base, head string) (*Comparison, error) {
	path := fmt.Sprintf("repos/%s/%s/compare/%s...%s", repo.Owner, repo.Name, escapeRef(base), escapeRef(head))
	req, err := c.REST.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var raw restComparison
	if _, err := c.REST.Do(ctx, req, &raw); err != nil {
		return nil, fmt.Errorf("compare %s...%s: %w", base, head, ghapi.Wrap(err, fmt.Sprintf("%s or %s in %s/%s", base, head, repo.Owner, repo.Name)))
	}
	out := &Comparison{Base: base, Head: head, Status: raw.Status, AheadBy: raw.AheadBy, BehindBy: raw.BehindBy,
		URL: raw.HTMLURL, Total: raw.TotalCommits, Commits: make([]Commit, 0, len(raw.Commits))}
	for _, rc := range raw.Commits {
		cm := Commit{SHA: rc.SHA, Message: rc.Commit.Message, URL: rc.HTMLURL}
		switch {
		case rc.Author != nil && rc.Author.Login != "":
			cm.Author = rc.Author.Login
		case rc.Commit.Author != nil:
			cm.Author = rc.Commit.Author.Name
		}
		out.Commits = append(out.Commits, cm)
	}
	return out, nil
}

// Diff is a comparison of an environment's active deployment with a target.
type Diff struct {
	Comparison
	Environment string             `json:"-"`
	Active      *deploy.Deployment `json:"-"` // what Environment runs: the base
	// Target is what was asked for: a ref, or "@ENV" for another
	// environment's active deployment (then TargetActive is it).
	Target       string             `json:"-"`
	TargetActive *deploy.Deployment `json:"-"`
}

// DiffOf compares env's active deployment (the base) with target: "" for the
// repository's default branch, "@ENV2" for what ENV2 runs now, else a ref or
// SHA. An environment without an active deployment is a *NoActiveError.
func DiffOf(ctx context.Context, c *ghapi.Client, repo repository.Repository, env, target string) (*Diff, error) {
	active, err := Active(ctx, c, repo, env)
	if err != nil {
		return nil, err
	}
	d := &Diff{Environment: env, Active: active, Target: target}
	head := target
	switch {
	case strings.HasPrefix(target, "@"):
		other, err := Active(ctx, c, repo, strings.TrimPrefix(target, "@"))
		if err != nil {
			return nil, err
		}
		d.TargetActive, head = other, other.SHA
	case target == "":
		if head, err = DefaultBranch(ctx, c, repo); err != nil {
			return nil, err
		}
		d.Target = head
	}
	cmp, err := Compare(ctx, c, repo, active.SHA, head)
	if err != nil {
		return nil, err
	}
	d.Comparison = *cmp
	return d, nil
}

// DefaultBranch is the repository's default branch (one REST request,
// revalidated with its ETag when asked again).
func DefaultBranch(ctx context.Context, c *ghapi.Client, repo repository.Repository) (string, error) {
	r, _, err := c.REST.Repositories.Get(ctx, repo.Owner, repo.Name)
	if err != nil {
		return "", fmt.Errorf("get repository: %w", ghapi.Wrap(err, repo.Owner+"/"+repo.Name))
	}
	return r.GetDefaultBranch(), nil
}
