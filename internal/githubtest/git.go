package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file is the fake's git object database: blobs, trees and commits named by their real git hashes, and
// refs (the repository's branches and tags). Branch heads the fake made up (AddRepo, AddBranch) get a
// synthetic root commit holding a README the first time something looks inside them.

type gitStore struct {
	objects map[string]*gitObject
}

type gitObject struct {
	kind    string // blob, tree, commit
	data    []byte
	entries []gitEntry // tree entries, sorted by name
	commit  *gitCommit
}

type gitEntry struct {
	name, mode, kind, sha string
}

type gitCommit struct {
	tree      string
	parents   []string
	message   string
	author    gitPerson
	committer gitPerson
}

type gitPerson struct {
	name, email string
	date        time.Time
}

// git returns the repository's object database. Caller holds s.mu.
func (r *Repo) git() *gitStore {
	if r.gitDB == nil {
		r.gitDB = &gitStore{objects: map[string]*gitObject{}}
	}
	return r.gitDB
}

func gitHash(kind string, body []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(body))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// putBlob stores content and returns its SHA. Caller holds s.mu.
func (r *Repo) putBlob(content []byte) string {
	sha := gitHash("blob", content)
	r.git().objects[sha] = &gitObject{kind: "blob", data: append([]byte(nil), content...)}
	return sha
}

// putTree stores a tree (entries in any order) and returns its SHA. Caller holds s.mu.
func (r *Repo) putTree(entries []gitEntry) string {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b gitEntry) int { return strings.Compare(a.name, b.name) })
	var body []byte
	for _, e := range entries {
		raw, _ := hex.DecodeString(e.sha)
		body = fmt.Appendf(body, "%s %s\x00", strings.TrimPrefix(e.mode, "0"), e.name)
		body = append(body, raw...)
	}
	sha := gitHash("tree", body)
	r.git().objects[sha] = &gitObject{kind: "tree", entries: entries}
	return sha
}

// putCommit stores a commit and returns its SHA. Caller holds s.mu.
func (r *Repo) putCommit(c gitCommit) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", c.tree)
	for _, p := range c.parents {
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	fmt.Fprintf(&b, "author %s <%s> %d +0000\n", c.author.name, c.author.email, c.author.date.Unix())
	fmt.Fprintf(&b, "committer %s <%s> %d +0000\n\n%s", c.committer.name, c.committer.email, c.committer.date.Unix(), c.message)
	sha := gitHash("commit", []byte(b.String()))
	cc := c
	cc.parents = slices.Clone(c.parents)
	r.git().objects[sha] = &gitObject{kind: "commit", commit: &cc}
	return sha
}

// object returns a stored object. A commit of the fake's history (commits.go: a branch's made-up start, or
// one added with Repo.Commit) becomes a commit object the first time something looks inside it, with its
// parents and message and a tree holding a README. Caller holds s.mu.
func (r *Repo) object(sha string) *gitObject {
	sha = strings.ToLower(sha)
	if o := r.git().objects[sha]; o != nil {
		return o
	}
	if _, known := r.commits[sha]; !known && !r.isHead(sha) {
		return nil
	}
	h := r.commit(sha)
	readme := r.putBlob([]byte("# " + r.name + "\n"))
	tree := r.putTree([]gitEntry{{name: "README.md", mode: "100644", kind: "blob", sha: readme}})
	who := gitPerson{name: h.Author, email: h.Author + "@users.noreply.github.com", date: h.Date}
	o := &gitObject{kind: "commit", commit: &gitCommit{tree: tree, parents: slices.Clone(h.Parents), message: h.Message, author: who, committer: who}}
	r.git().objects[sha] = o
	return o
}

func (r *Repo) isHead(sha string) bool {
	for _, m := range []map[string]string{r.branches, r.tags} {
		for _, h := range m {
			if h == sha {
				return true
			}
		}
	}
	return false
}

// commitObject returns the commit with that SHA, or nil. Caller holds s.mu.
func (r *Repo) commitObject(sha string) *gitCommit {
	if o := r.object(sha); o != nil && o.kind == "commit" {
		return o.commit
	}
	return nil
}

// lookupPath finds the object at path ("" = the tree itself) in a tree. Caller holds s.mu.
func (r *Repo) lookupPath(tree, path string) (gitEntry, bool) {
	cur := gitEntry{mode: "040000", kind: "tree", sha: tree}
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		o := r.object(cur.sha)
		if o == nil || o.kind != "tree" {
			return gitEntry{}, false
		}
		i := slices.IndexFunc(o.entries, func(e gitEntry) bool { return e.name == part })
		if i < 0 {
			return gitEntry{}, false
		}
		cur = o.entries[i]
	}
	return cur, true
}

// withPath returns a new tree: base (may be "") with the entry at path set, or removed when e is nil.
// Caller holds s.mu.
func (r *Repo) withPath(base, path string, e *gitEntry) (string, error) {
	var entries []gitEntry
	if base != "" {
		o := r.object(base)
		if o == nil || o.kind != "tree" {
			return "", fmt.Errorf("tree %s does not exist", base)
		}
		entries = slices.Clone(o.entries)
	}
	name, rest, nested := strings.Cut(strings.Trim(path, "/"), "/")
	i := slices.IndexFunc(entries, func(x gitEntry) bool { return x.name == name })
	if nested {
		sub := ""
		if i >= 0 && entries[i].kind == "tree" {
			sub = entries[i].sha
		}
		sha, err := r.withPath(sub, rest, e)
		if err != nil {
			return "", err
		}
		e = &gitEntry{mode: "040000", kind: "tree", sha: sha}
	}
	switch {
	case e == nil && i < 0:
		return "", fmt.Errorf("path %s does not exist", path)
	case e == nil:
		entries = slices.Delete(entries, i, i+1)
	case i >= 0:
		entries[i] = gitEntry{name: name, mode: e.mode, kind: e.kind, sha: e.sha}
	default:
		entries = append(entries, gitEntry{name: name, mode: e.mode, kind: e.kind, sha: e.sha})
	}
	return r.putTree(entries), nil
}

// isAncestor reports whether old is new or one of its ancestors. Caller holds s.mu.
func (r *Repo) isAncestor(old, new string) bool {
	seen := map[string]bool{}
	queue := []string{new}
	for len(queue) > 0 {
		sha := queue[0]
		queue = queue[1:]
		if sha == old {
			return true
		}
		if seen[sha] {
			continue
		}
		seen[sha] = true
		if c := r.commitObject(sha); c != nil {
			queue = append(queue, c.parents...)
		}
	}
	return false
}

// refTarget splits "heads/x" or "tags/x" (with or without "refs/") into its map and name. Caller holds s.mu.
func (r *Repo) refTarget(ref string) (map[string]string, string, bool) {
	ref = strings.TrimPrefix(ref, "refs/")
	if name, ok := strings.CutPrefix(ref, "heads/"); ok && name != "" {
		return r.branches, name, true
	}
	if name, ok := strings.CutPrefix(ref, "tags/"); ok && name != "" {
		return r.tags, name, true
	}
	return nil, "", false
}

// BranchFile returns the content of path on a branch's head commit, and whether it exists.
func (r *Repo) BranchFile(branch, path string) ([]byte, bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	c := r.commitObject(r.branches[branch])
	if c == nil {
		return nil, false
	}
	e, ok := r.lookupPath(c.tree, path)
	if !ok || e.kind != "blob" {
		return nil, false
	}
	return append([]byte(nil), r.git().objects[e.sha].data...), true
}

// Branches lists the repository's branch names, sorted.
func (r *Repo) Branches() []string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []string
	for name := range r.branches {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// GitCommit is a commit object of the fake's git database, as tests inspect it.
type GitCommit struct {
	SHA     string
	Tree    string
	Parents []string
	Message string
	Author  string // name
}

// GitCommitOf returns the commit object a branch points at.
func (r *Repo) GitCommitOf(branch string) (GitCommit, bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	sha := r.branches[branch]
	c := r.commitObject(sha)
	if c == nil {
		return GitCommit{}, false
	}
	return GitCommit{SHA: sha, Tree: c.tree, Parents: slices.Clone(c.parents), Message: c.message, Author: c.author.name}, true
}
