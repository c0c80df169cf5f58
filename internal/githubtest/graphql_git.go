package githubtest

import (
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
)

// This file is the GraphQL side of the git database: Repository.object(expression:) ("branch:path" reads a
// file in one request), Repository.refs(refPrefix:, query:), Commit.tree and Commit.file, and the Blob, Tree and
// TreeEntry types, with the fields of GitHub's schema that deployctl asks for.

// gitGraphQLPrelude adds those types and fields, as GitHub's full schema names them, to the schema excerpt.
const gitGraphQLPrelude = `
interface GitObject {
  abbreviatedOid: String!
  id: ID!
  oid: GitObjectID!
}
type Blob implements GitObject & Node {
  abbreviatedOid: String!
  byteSize: Int!
  id: ID!
  isBinary: Boolean
  isTruncated: Boolean!
  oid: GitObjectID!
  text: String
}
type Tree implements GitObject & Node {
  abbreviatedOid: String!
  entries: [TreeEntry!]
  id: ID!
  oid: GitObjectID!
}
type TreeEntry {
  mode: Int!
  name: String!
  object: GitObject
  oid: GitObjectID!
  path: String
  type: String!
}
type RefConnection {
  nodes: [Ref]
  pageInfo: PageInfo!
  totalCount: Int!
}
extend type Commit implements GitObject {
  file(path: String!): TreeEntry
  tree: Tree!
}
extend type Repository {
  object(expression: String, oid: GitObjectID): GitObject
  refs(after: String, before: String, first: Int, last: Int, query: String, refPrefix: String!): RefConnection
}
`

func init() {
	implements["Blob"] = []string{"GitObject", "Node"}
	implements["Tree"] = []string{"GitObject", "Node"}
	implements["Commit"] = append(implements["Commit"], "GitObject")
}

type gitObjVal struct {
	r   *Repo
	sha string
	o   *gitObject
}

type treeEntryVal struct {
	r    *Repo
	path string
	e    gitEntry
}

// typedObject is the GraphQL value of a stored object (Commit values are SHAs, as elsewhere in the fake).
func typedObject(r *Repo, sha string) any {
	o := r.object(sha)
	switch {
	case o == nil:
		return nil
	case o.kind == "commit":
		return typed{"Commit", sha}
	case o.kind == "tree":
		return typed{"Tree", gitObjVal{r, sha, o}}
	default:
		return typed{"Blob", gitObjVal{r, sha, o}}
	}
}

// gitField resolves the fields of this file; handled is false for every other field.
func (c *gqlCtx) gitField(typ string, v any, f *ast.Field, a map[string]any) (val any, handled bool, err error) {
	switch typ {
	case "Repository":
		r := v.(*Repo)
		switch f.Name {
		case "object":
			if oid, _ := a["oid"].(string); oid != "" {
				return typedObject(r, oid), true, nil
			}
			expr, _ := a["expression"].(string)
			rev, path, hasPath := strings.Cut(expr, ":")
			sha, ok := "", false
			if m, name, qualified := r.refTarget(rev); qualified {
				sha, ok = m[name], m[name] != ""
			} else if strings.HasPrefix(rev, "refs/") {
				ok = false
			} else {
				sha, ok = r.resolveRef(rev)
			}
			if !ok {
				return nil, true, nil
			}
			if !hasPath {
				return typedObject(r, sha), true, nil
			}
			commit := r.commitObject(sha)
			if commit == nil {
				return nil, true, nil
			}
			e, ok := r.lookupPath(commit.tree, path)
			if !ok {
				return nil, true, nil
			}
			return typedObject(r, e.sha), true, nil
		case "refs":
			return c.refs(r, a), true, nil
		}
	case "Commit":
		sha := v.(string)
		switch f.Name {
		case "tree", "file":
			commit := c.currentRepoCommit(sha)
			if commit == nil {
				return nil, true, nil
			}
			r := commit.r
			if f.Name == "tree" {
				return typedObject(r, commit.c.tree), true, nil
			}
			path, _ := a["path"].(string)
			e, ok := r.lookupPath(commit.c.tree, path)
			if !ok {
				return nil, true, nil
			}
			return typed{"TreeEntry", treeEntryVal{r, strings.Trim(path, "/"), e}}, true, nil
		}
	case "Blob", "Tree":
		g := v.(gitObjVal)
		switch f.Name {
		case "oid":
			return g.sha, true, nil
		case "abbreviatedOid":
			return g.sha[:7], true, nil
		case "id":
			return base64.StdEncoding.EncodeToString([]byte(typ + ":" + g.sha)), true, nil
		case "byteSize":
			return len(g.o.data), true, nil
		case "isBinary":
			return !utf8.Valid(g.o.data), true, nil
		case "isTruncated":
			return false, true, nil
		case "text":
			if !utf8.Valid(g.o.data) {
				return nil, true, nil
			}
			return string(g.o.data), true, nil
		case "entries":
			out := make([]typed, 0, len(g.o.entries))
			for _, e := range g.o.entries {
				out = append(out, typed{"TreeEntry", treeEntryVal{g.r, e.name, e}})
			}
			return out, true, nil
		}
	case "TreeEntry":
		te := v.(treeEntryVal)
		switch f.Name {
		case "name":
			return te.path[strings.LastIndex(te.path, "/")+1:], true, nil
		case "path":
			return te.path, true, nil
		case "oid":
			return te.e.sha, true, nil
		case "type":
			return te.e.kind, true, nil
		case "mode":
			n := 0
			for _, ch := range te.e.mode {
				n = n*8 + int(ch-'0')
			}
			return n, true, nil
		case "object":
			return typedObject(te.r, te.e.sha), true, nil
		}
	case "RefConnection":
		cv := v.(connVal)
		switch f.Name {
		case "nodes":
			return cv.nodes, true, nil
		case "totalCount":
			return cv.total, true, nil
		case "pageInfo":
			return typed{"PageInfo", cv}, true, nil
		}
	}
	return nil, false, nil
}

type repoCommit struct {
	r *Repo
	c *gitCommit
}

// currentRepoCommit finds the commit in the repositories of the fake (a Commit value carries only its SHA).
func (c *gqlCtx) currentRepoCommit(sha string) *repoCommit {
	for _, r := range c.s.repos {
		if commit := r.commitObject(sha); commit != nil {
			return &repoCommit{r, commit}
		}
	}
	return nil
}

// refs lists the refs under refPrefix whose name contains query, sorted by name, paged by first/after.
func (c *gqlCtx) refs(r *Repo, a map[string]any) any {
	prefix, _ := a["refPrefix"].(string)
	query, _ := a["query"].(string)
	var m map[string]string
	switch prefix {
	case "refs/heads/":
		m = r.branches
	case "refs/tags/":
		m = r.tags
	}
	var names []string
	for name := range m {
		if strings.Contains(name, query) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	total := len(names)
	start := 0
	if after, _ := a["after"].(string); after != "" {
		if b, err := base64.StdEncoding.DecodeString(after); err == nil {
			start = slices.Index(names, string(b)) + 1
		}
	}
	first := total
	if n, ok := toInt(a["first"]); ok {
		first = n
	}
	end := min(start+first, total)
	cv := connVal{total: total, hasPrev: start > 0, hasNext: end < total}
	for _, name := range names[start:end] {
		cv.nodes = append(cv.nodes, typed{"Ref", refVal{r, name}})
		cv.cursors = append(cv.cursors, base64.StdEncoding.EncodeToString([]byte(name)))
	}
	return typed{"RefConnection", cv}
}
