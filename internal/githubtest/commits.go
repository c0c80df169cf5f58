package githubtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file is the fake's commit history and GitHub's compare API ("Compare two commits",
// GET /repos/{owner}/{repo}/compare/{basehead}). A repository starts with one root commit per branch; Commit
// adds commits on top of a branch, so tests build the history a deploy tool compares (main ahead of what
// staging runs, a hotfix branch that diverged, ...).

const docCompare = "https://docs.github.com/rest/commits/commits#compare-two-commits"

// Commit is one commit of the fake's history.
type Commit struct {
	SHA     string
	Parents []string
	Message string
	Author  string // the GitHub login of author and committer
	Date    time.Time
}

// commit returns the stored commit, or for a SHA the fake never stored (a branch's made-up starting point,
// an expanded short SHA) a root commit made up from it. Caller holds s.mu.
func (r *Repo) commit(sha string) *Commit {
	if c, ok := r.commits[sha]; ok {
		return c
	}
	return &Commit{SHA: sha, Message: "Initial commit", Author: r.owner, Date: epoch}
}

// Commit adds a commit with message by author on top of branch (created from the default branch if it does
// not exist), moves the branch to it and returns its SHA. Merge commits: see Merge.
func (r *Repo) Commit(branch, message, author string) string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	parent, ok := r.branches[branch]
	if !ok {
		parent = r.branches[r.defaultBranch]
	}
	return r.addCommitLocked(branch, message, author, parent)
}

// Merge adds a merge commit of from into branch (both branch names) and returns its SHA.
func (r *Repo) Merge(branch, from, author string) string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.addCommitLocked(branch, fmt.Sprintf("Merge branch '%s' into %s", from, branch), author, r.branches[branch], r.branches[from])
}

func (r *Repo) addCommitLocked(branch, message, author string, parents ...string) string {
	if r.commits == nil {
		r.commits = map[string]*Commit{}
	}
	c := &Commit{Parents: parents, Message: message, Author: author, Date: r.s.tick()}
	c.SHA = fakeSHA(append([]string{"commit", r.FullName(), message, author, c.Date.String()}, parents...)...)
	r.commits[c.SHA] = c
	r.branches[branch] = c.SHA
	return c.SHA
}

// ancestors is sha and every commit reachable from it, newest first by breadth. Caller holds s.mu.
func (r *Repo) ancestors(sha string) []string {
	seen := map[string]bool{sha: true}
	out := []string{sha}
	for i := 0; i < len(out); i++ {
		for _, p := range r.commit(out[i]).Parents {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// commitByPrefix finds a stored commit, or a parent of one, by an abbreviated SHA. Caller holds s.mu.
func (r *Repo) commitByPrefix(prefix string) (string, bool) {
	for sha, c := range r.commits {
		for _, x := range append([]string{sha}, c.Parents...) {
			if strings.HasPrefix(x, prefix) {
				return x, true
			}
		}
	}
	return "", false
}

// resolveCommitish is resolveRef for compare, which also takes "owner:ref" of the same repository.
func (r *Repo) resolveCommitish(ref string) (string, bool) {
	if owner, rest, ok := strings.Cut(ref, ":"); ok {
		if !strings.EqualFold(owner, r.owner) {
			return "", false // forks are not modelled
		}
		ref = rest
	}
	return r.resolveRef(ref)
}

func (s *Server) compare(w http.ResponseWriter, r *http.Request, repo *Repo) {
	basehead := r.PathValue("basehead")
	baseRef, headRef, ok := strings.Cut(basehead, "...")
	if !ok {
		// GitHub also accepts BASE..HEAD; both mean the three-dot (merge base) comparison here.
		baseRef, headRef, ok = strings.Cut(basehead, "..")
	}
	if !ok || baseRef == "" || headRef == "" {
		writeError(w, http.StatusNotFound, "Not Found", docCompare)
		return
	}
	baseSHA, okb := repo.resolveCommitish(baseRef)
	head, okh := repo.resolveCommitish(headRef)
	if !okb || !okh {
		writeError(w, http.StatusNotFound, "Not Found", docCompare)
		return
	}
	fromBase := repo.ancestors(baseSHA)
	fromHead := repo.ancestors(head)
	inBase := map[string]bool{}
	for _, c := range fromBase {
		inBase[c] = true
	}
	inHead := map[string]bool{}
	for _, c := range fromHead {
		inHead[c] = true
	}
	mergeBase := ""
	for _, c := range fromHead {
		if inBase[c] {
			mergeBase = c
			break
		}
	}
	if mergeBase == "" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("No common ancestor between %s and %s.", baseRef, headRef), docCompare)
		return
	}
	var ahead []*Commit
	for _, c := range fromHead {
		if !inBase[c] {
			ahead = append(ahead, repo.commit(c))
		}
	}
	behind := 0
	for _, c := range fromBase {
		if !inHead[c] {
			behind++
		}
	}
	// Chronological order, oldest first, as the API lists them (git log BASE..HEAD, reversed).
	slices.SortStableFunc(ahead, func(a, b *Commit) int { return a.Date.Compare(b.Date) })
	status := "identical"
	switch {
	case len(ahead) > 0 && behind > 0:
		status = "diverged"
	case len(ahead) > 0:
		status = "ahead"
	case behind > 0:
		status = "behind"
	}
	// Without paging parameters GitHub lists at most 250 commits (the last one the newest); with them, pages.
	list := ahead
	q := r.URL.Query()
	if q.Has("page") || q.Has("per_page") {
		var ok bool
		if list, ok = page(w, r, ahead); !ok {
			return
		}
	} else if len(list) > 250 {
		list = list[len(list)-250:]
	}
	b := base(r)
	web := "https://github.com/" + repo.FullName()
	commits := make([]obj, 0, len(list))
	for _, c := range list {
		commits = append(commits, s.commitJSON(b, repo, c))
	}
	writeJSON(w, http.StatusOK, obj{
		"url":               b + "/repos/" + repo.FullName() + "/compare/" + basehead,
		"html_url":          web + "/compare/" + basehead,
		"permalink_url":     web + "/compare/" + repo.owner + ":" + baseSHA + "..." + repo.owner + ":" + head,
		"diff_url":          web + "/compare/" + basehead + ".diff",
		"patch_url":         web + "/compare/" + basehead + ".patch",
		"base_commit":       s.commitJSON(b, repo, repo.commit(baseSHA)),
		"merge_base_commit": s.commitJSON(b, repo, repo.commit(mergeBase)),
		"status":            status,
		"ahead_by":          len(ahead),
		"behind_by":         behind,
		"total_commits":     len(ahead),
		"commits":           commits,
		"files":             []obj{},
	})
}

// commitJSON is the "Commit" object of the commits API.
func (s *Server) commitJSON(base string, r *Repo, c *Commit) obj {
	api := base + "/repos/" + r.FullName()
	web := "https://github.com/" + r.FullName()
	parents := make([]obj, 0, len(c.Parents))
	for _, p := range c.Parents {
		parents = append(parents, obj{"sha": p, "url": api + "/commits/" + p, "html_url": web + "/commit/" + p})
	}
	who := obj{"name": c.Author, "email": c.Author + "@users.noreply.github.com", "date": ts(c.Date)}
	return obj{
		"url": api + "/commits/" + c.SHA, "sha": c.SHA, "node_id": base64.StdEncoding.EncodeToString([]byte("Commit:" + c.SHA)),
		"html_url": web + "/commit/" + c.SHA, "comments_url": api + "/commits/" + c.SHA + "/comments",
		"commit": obj{
			"url": api + "/git/commits/" + c.SHA, "author": who, "committer": who, "message": c.Message,
			"comment_count": 0, "tree": obj{"sha": fakeSHA("tree", c.SHA), "url": api + "/git/trees/" + fakeSHA("tree", c.SHA)},
			"verification": obj{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
		},
		"author": s.userJSON(base, c.Author), "committer": s.userJSON(base, c.Author),
		"parents": parents,
		"stats":   obj{"additions": 0, "deletions": 0, "total": 0},
		"files":   []obj{},
	}
}
