package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// This file holds GitHub's REST rules for the git database (refs, blobs, trees, commits) and for repository
// contents. Creating a ref that exists answers 422 "Reference already exists", atomically (every handler runs
// under the state lock), which is what makes a ref a lock.

const (
	docGitRefs    = "https://docs.github.com/rest/git/refs"
	docGitCommits = "https://docs.github.com/rest/git/commits"
	docGitTrees   = "https://docs.github.com/rest/git/trees"
	docGitBlobs   = "https://docs.github.com/rest/git/blobs"
	docContents   = "https://docs.github.com/rest/repos/contents"
)

func (s *Server) routesGit(m *http.ServeMux) {
	m.HandleFunc("GET /repos/{owner}/{repo}/git/ref/{ref...}", s.withRepo(s.getRef, false))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/refs", s.withRepo(s.createRef, true))
	m.HandleFunc("PATCH /repos/{owner}/{repo}/git/refs/{ref...}", s.withRepo(s.updateRef, true))
	m.HandleFunc("DELETE /repos/{owner}/{repo}/git/refs/{ref...}", s.withRepo(s.deleteRef, true))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/blobs", s.withRepo(s.createBlob, true))
	m.HandleFunc("GET /repos/{owner}/{repo}/git/blobs/{sha}", s.withRepo(s.getBlob, false))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/trees", s.withRepo(s.createTree, true))
	m.HandleFunc("GET /repos/{owner}/{repo}/git/trees/{sha}", s.withRepo(s.getTree, false))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/commits", s.withRepo(s.createCommit, true))
	m.HandleFunc("GET /repos/{owner}/{repo}/git/commits/{sha}", s.withRepo(s.getCommit, false))
	m.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.withRepo(s.getContents, false))
	m.HandleFunc("PUT /repos/{owner}/{repo}/contents/{path...}", s.withRepo(s.putContents, true))
}

func (s *Server) refJSON(base string, r *Repo, full, sha string) obj {
	api := base + "/repos/" + r.FullName()
	return obj{
		"ref": full, "node_id": base64.StdEncoding.EncodeToString([]byte("Ref:" + r.FullName() + ":" + full)),
		"url":    api + "/git/" + full,
		"object": obj{"type": "commit", "sha": sha, "url": api + "/git/commits/" + sha},
	}
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	m, name, ok := repo.refTarget(r.PathValue("ref"))
	if !ok || m[name] == "" {
		writeError(w, http.StatusNotFound, "Not Found", docGitRefs+"#get-a-reference")
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(base(r), repo, "refs/"+strings.TrimPrefix(r.PathValue("ref"), "refs/"), m[name]))
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docGitRefs + "#create-a-reference"
	var req struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	body, _ := readAll(r)
	if json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	if req.Ref == nil || req.SHA == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" and \"sha\" are required.", doc)
		return
	}
	if !strings.HasPrefix(*req.Ref, "refs/") || strings.Count(*req.Ref, "/") < 2 {
		writeError(w, http.StatusUnprocessableEntity, "Reference name is invalid", doc)
		return
	}
	m, name, ok := repo.refTarget(*req.Ref)
	if !ok || strings.ContainsAny(name, " ~^:?*[\\") || strings.Contains(name, "..") {
		writeError(w, http.StatusUnprocessableEntity, "Reference name is invalid", doc)
		return
	}
	sha := strings.ToLower(*req.SHA)
	if repo.commitObject(sha) == nil {
		writeError(w, http.StatusUnprocessableEntity, "Object does not exist", doc)
		return
	}
	if _, exists := m[name]; exists {
		writeError(w, http.StatusUnprocessableEntity, "Reference already exists", doc)
		return
	}
	m[name] = sha
	out := s.refJSON(base(r), repo, *req.Ref, sha)
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) updateRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docGitRefs + "#update-a-reference"
	var req struct {
		SHA   *string `json:"sha"`
		Force bool    `json:"force"`
	}
	body, _ := readAll(r)
	if json.Unmarshal(body, &req) != nil || req.SHA == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"sha\" wasn't supplied.", doc)
		return
	}
	m, name, ok := repo.refTarget(r.PathValue("ref"))
	if !ok || m[name] == "" {
		writeError(w, http.StatusUnprocessableEntity, "Reference does not exist", doc)
		return
	}
	sha := strings.ToLower(*req.SHA)
	if repo.commitObject(sha) == nil {
		writeError(w, http.StatusUnprocessableEntity, "Object does not exist", doc)
		return
	}
	if !req.Force && !repo.isAncestor(m[name], sha) {
		writeError(w, http.StatusUnprocessableEntity, "Update is not a fast forward", doc)
		return
	}
	m[name] = sha
	writeJSON(w, http.StatusOK, s.refJSON(base(r), repo, "refs/"+strings.TrimPrefix(r.PathValue("ref"), "refs/"), sha))
}

func (s *Server) deleteRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docGitRefs + "#delete-a-reference"
	m, name, ok := repo.refTarget(r.PathValue("ref"))
	if !ok || m[name] == "" {
		writeError(w, http.StatusUnprocessableEntity, "Reference does not exist", doc)
		return
	}
	if strings.HasPrefix(strings.TrimPrefix(r.PathValue("ref"), "refs/"), "heads/") && name == repo.defaultBranch {
		writeError(w, http.StatusUnprocessableEntity, "Cannot delete the default branch", doc)
		return
	}
	delete(m, name)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) createBlob(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docGitBlobs + "#create-a-blob"
	var req struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	body, _ := readAll(r)
	if json.Unmarshal(body, &req) != nil || req.Content == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"content\" wasn't supplied.", doc)
		return
	}
	data := []byte(*req.Content)
	switch req.Encoding {
	case "", "utf-8":
	case "base64":
		var err error
		if data, err = base64.StdEncoding.DecodeString(*req.Content); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\ncontent is not valid Base64.", doc)
			return
		}
	default:
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nencoding must be utf-8 or base64.", doc)
		return
	}
	sha := repo.putBlob(data)
	writeJSON(w, http.StatusCreated, obj{"url": base(r) + "/repos/" + repo.FullName() + "/git/blobs/" + sha, "sha": sha})
}

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request, repo *Repo) {
	o := repo.object(r.PathValue("sha"))
	if o == nil || o.kind != "blob" {
		writeError(w, http.StatusNotFound, "Not Found", docGitBlobs+"#get-a-blob")
		return
	}
	sha := strings.ToLower(r.PathValue("sha"))
	writeJSON(w, http.StatusOK, obj{
		"sha": sha, "node_id": base64.StdEncoding.EncodeToString([]byte("Blob:" + sha)), "size": len(o.data),
		"url": base(r) + "/repos/" + repo.FullName() + "/git/blobs/" + sha, "content": wrap60(o.data), "encoding": "base64",
	})
}

// wrap60 is GitHub's base64: a newline after every 60 characters.
func wrap60(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

func (s *Server) treeJSON(base string, repo *Repo, sha string) obj {
	api := base + "/repos/" + repo.FullName()
	o := repo.object(sha)
	entries := make([]obj, 0, len(o.entries))
	for _, e := range o.entries {
		x := obj{"path": e.name, "mode": e.mode, "type": e.kind, "sha": e.sha}
		switch e.kind {
		case "blob":
			x["size"] = len(repo.object(e.sha).data)
			x["url"] = api + "/git/blobs/" + e.sha
		case "tree":
			x["url"] = api + "/git/trees/" + e.sha
		}
		entries = append(entries, x)
	}
	return obj{"sha": sha, "url": api + "/git/trees/" + sha, "tree": entries, "truncated": false}
}

func (s *Server) createTree(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docGitTrees + "#create-a-tree"
	var req struct {
		BaseTree *string `json:"base_tree"`
		Tree     []struct {
			Path    string          `json:"path"`
			Mode    string          `json:"mode"`
			Type    string          `json:"type"`
			SHA     json.RawMessage `json:"sha"`
			Content *string         `json:"content"`
		} `json:"tree"`
	}
	body, _ := readAll(r)
	if json.Unmarshal(body, &req) != nil || req.Tree == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"tree\" wasn't supplied.", doc)
		return
	}
	tree := ""
	if req.BaseTree != nil {
		if o := repo.object(*req.BaseTree); o == nil || o.kind != "tree" {
			writeError(w, http.StatusUnprocessableEntity, "base_tree is not a valid tree oid", doc)
			return
		}
		tree = strings.ToLower(*req.BaseTree)
	}
	for _, e := range req.Tree {
		if e.Path == "" || !slices.Contains([]string{"100644", "100755", "040000", "160000", "120000"}, e.Mode) ||
			!slices.Contains([]string{"blob", "tree", "commit"}, e.Type) {
			writeError(w, http.StatusUnprocessableEntity, "Invalid tree info", doc)
			return
		}
		var entry *gitEntry
		switch {
		case e.Content != nil && len(e.SHA) > 0:
			writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nOnly one of \"sha\" or \"content\" may be given.", doc)
			return
		case e.Content != nil:
			entry = &gitEntry{mode: e.Mode, kind: "blob", sha: repo.putBlob([]byte(*e.Content))}
		case string(e.SHA) == "null":
			// nil entry: delete the path
		default:
			var sha string
			if json.Unmarshal(e.SHA, &sha) != nil || repo.object(sha) == nil {
				writeError(w, http.StatusUnprocessableEntity, "Invalid tree info", doc)
				return
			}
			entry = &gitEntry{mode: e.Mode, kind: e.Type, sha: strings.ToLower(sha)}
		}
		next, err := repo.withPath(tree, e.Path, entry)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n"+err.Error(), doc)
			return
		}
		tree = next
	}
	if tree == "" {
		tree = repo.putTree(nil)
	}
	out := s.treeJSON(base(r), repo, tree)
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) getTree(w http.ResponseWriter, r *http.Request, repo *Repo) {
	if o := repo.object(r.PathValue("sha")); o == nil || o.kind != "tree" {
		writeError(w, http.StatusNotFound, "Not Found", docGitTrees+"#get-a-tree")
		return
	}
	writeJSON(w, http.StatusOK, s.treeJSON(base(r), repo, strings.ToLower(r.PathValue("sha"))))
}

type personRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

func (p *personRequest) person(def gitPerson) gitPerson {
	if p == nil || p.Name == "" {
		return def
	}
	out := gitPerson{name: p.Name, email: p.Email, date: def.date}
	if t, err := time.Parse(time.RFC3339, p.Date); err == nil {
		out.date = t
	}
	return out
}

func (s *Server) userPerson(u *user) gitPerson {
	return gitPerson{name: u.login, email: u.login + "@users.noreply.github.com", date: s.tick()}
}

func (s *Server) gitCommitJSON(base string, repo *Repo, sha string) obj {
	api := base + "/repos/" + repo.FullName()
	web := "https://github.com/" + repo.FullName()
	c := repo.commitObject(sha)
	person := func(p gitPerson) obj { return obj{"name": p.name, "email": p.email, "date": ts(p.date)} }
	parents := make([]obj, 0, len(c.parents))
	for _, p := range c.parents {
		parents = append(parents, obj{"sha": p, "url": api + "/git/commits/" + p, "html_url": web + "/commit/" + p})
	}
	return obj{
		"sha": sha, "node_id": nodeID("Commit", int64(len(sha))) + sha[:8], "url": api + "/git/commits/" + sha,
		"html_url": web + "/commit/" + sha, "author": person(c.author), "committer": person(c.committer),
		"message": c.message, "tree": obj{"sha": c.tree, "url": api + "/git/trees/" + c.tree}, "parents": parents,
		"verification": obj{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
	}
}

func (s *Server) createCommit(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docGitCommits + "#create-a-commit"
	var req struct {
		Message   *string        `json:"message"`
		Tree      *string        `json:"tree"`
		Parents   []string       `json:"parents"`
		Author    *personRequest `json:"author"`
		Committer *personRequest `json:"committer"`
	}
	body, _ := readAll(r)
	if json.Unmarshal(body, &req) != nil || req.Message == nil || req.Tree == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"message\" and \"tree\" are required.", doc)
		return
	}
	if o := repo.object(*req.Tree); o == nil || o.kind != "tree" {
		writeError(w, http.StatusUnprocessableEntity, "Tree SHA does not exist", doc)
		return
	}
	parents := make([]string, 0, len(req.Parents))
	for _, p := range req.Parents {
		if repo.commitObject(p) == nil {
			writeError(w, http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object", doc)
			return
		}
		parents = append(parents, strings.ToLower(p))
	}
	author := req.Author.person(s.userPerson(currentUser(r)))
	committer := req.Committer.person(author)
	sha := repo.putCommit(gitCommit{tree: strings.ToLower(*req.Tree), parents: parents, message: *req.Message,
		author: author, committer: committer})
	out := s.gitCommitJSON(base(r), repo, sha)
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request, repo *Repo) {
	if repo.commitObject(r.PathValue("sha")) == nil {
		writeError(w, http.StatusNotFound, "Not Found", docGitCommits+"#get-a-commit-object")
		return
	}
	writeJSON(w, http.StatusOK, s.gitCommitJSON(base(r), repo, strings.ToLower(r.PathValue("sha"))))
}

// contentJSON describes a file or directory entry the way the contents API does.
func (s *Server) contentJSON(base string, repo *Repo, ref, path string, e gitEntry, withContent bool) obj {
	api := base + "/repos/" + repo.FullName()
	web := "https://github.com/" + repo.FullName()
	self := api + "/contents/" + path + "?ref=" + url.QueryEscape(ref)
	kind, gitURL, htmlURL := "file", api+"/git/blobs/"+e.sha, web+"/blob/"+ref+"/"+path
	var download any = "https://raw.githubusercontent.com/" + repo.FullName() + "/" + ref + "/" + path
	size := 0
	if e.kind == "tree" {
		kind, gitURL, htmlURL, download = "dir", api+"/git/trees/"+e.sha, web+"/tree/"+ref+"/"+path, nil
	} else {
		size = len(repo.object(e.sha).data)
	}
	name := path[strings.LastIndex(path, "/")+1:]
	o := obj{
		"type": kind, "size": size, "name": name, "path": path, "sha": e.sha, "url": self, "git_url": gitURL,
		"html_url": htmlURL, "download_url": download, "_links": obj{"self": self, "git": gitURL, "html": htmlURL},
	}
	if withContent && kind == "file" {
		o["content"] = wrap60(repo.object(e.sha).data)
		o["encoding"] = "base64"
	}
	return o
}

func (s *Server) getContents(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docContents + "#get-repository-content"
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = repo.defaultBranch
	}
	sha, ok := repo.resolveRef(ref)
	c := repo.commitObject(sha)
	if !ok || c == nil {
		writeError(w, http.StatusNotFound, "No commit found for the ref "+ref, doc)
		return
	}
	path := strings.Trim(r.PathValue("path"), "/")
	e, ok := repo.lookupPath(c.tree, path)
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	if e.kind == "blob" {
		writeJSON(w, http.StatusOK, s.contentJSON(base(r), repo, ref, path, e, true))
		return
	}
	list := []obj{}
	for _, child := range repo.object(e.sha).entries {
		p := child.name
		if path != "" {
			p = path + "/" + child.name
		}
		list = append(list, s.contentJSON(base(r), repo, ref, p, child, false))
	}
	writeJSON(w, http.StatusOK, list)
}

// putContents commits one file onto a branch (its head moves), as branch-deploy writes lock.json.
func (s *Server) putContents(w http.ResponseWriter, r *http.Request, repo *Repo) {
	doc := docContents + "#create-or-update-file-contents"
	var req struct {
		Message   *string        `json:"message"`
		Content   *string        `json:"content"`
		SHA       *string        `json:"sha"`
		Branch    string         `json:"branch"`
		Author    *personRequest `json:"author"`
		Committer *personRequest `json:"committer"`
	}
	body, _ := readAll(r)
	if json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	if req.Message == nil || req.Content == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"message\" and \"content\" are required.", doc)
		return
	}
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(*req.Content, "\n", ""))
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "content is not valid Base64", doc)
		return
	}
	branch := req.Branch
	if branch == "" {
		branch = repo.defaultBranch
	}
	head, ok := repo.branches[branch]
	if !ok {
		writeError(w, http.StatusNotFound, "Branch "+branch+" not found", doc)
		return
	}
	parent := repo.commitObject(head)
	path := strings.Trim(r.PathValue("path"), "/")
	old, exists := repo.lookupPath(parent.tree, path)
	switch {
	case exists && old.kind != "blob":
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n"+path+" is a directory.", doc)
		return
	case exists && req.SHA == nil:
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"sha\" wasn't supplied.", doc)
		return
	case exists && !strings.EqualFold(*req.SHA, old.sha):
		writeError(w, http.StatusConflict, path+" does not match "+*req.SHA, doc)
		return
	}
	blob := repo.putBlob(data)
	tree, err := repo.withPath(parent.tree, path, &gitEntry{mode: "100644", kind: "blob", sha: blob})
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n"+err.Error(), doc)
		return
	}
	committer := req.Committer.person(s.userPerson(currentUser(r)))
	author := req.Author.person(committer)
	sha := repo.putCommit(gitCommit{tree: tree, parents: []string{head}, message: *req.Message, author: author, committer: committer})
	repo.branches[branch] = sha
	e, _ := repo.lookupPath(tree, path)
	status := http.StatusCreated
	if exists {
		status = http.StatusOK
	}
	writeJSON(w, status, obj{"content": s.contentJSON(base(r), repo, branch, path, e, false), "commit": s.gitCommitJSON(base(r), repo, sha)})
}
