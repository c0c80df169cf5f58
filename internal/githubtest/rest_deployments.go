package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// This file holds GitHub's REST rules for deployments, environments, repositories and the rate limit.

const (
	docCreateDeployment = "https://docs.github.com/rest/deployments/deployments#create-a-deployment"
	docDeleteDeployment = "https://docs.github.com/rest/deployments/deployments#delete-a-deployment"
	docGetDeployment    = "https://docs.github.com/rest/deployments/deployments#get-a-deployment"
	docGetRepo          = "https://docs.github.com/rest/repos/repos#get-a-repository"
	docGetEnvironment   = "https://docs.github.com/rest/deployments/environments#get-an-environment"
)

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /rate_limit", s.getRateLimit)
	m.HandleFunc("GET /repos/{owner}/{repo}", s.withRepo(s.getRepo, false))
	m.HandleFunc("GET /repos/{owner}/{repo}/deployments", s.withRepo(s.listDeployments, false))
	m.HandleFunc("POST /repos/{owner}/{repo}/deployments", s.withRepo(s.createDeployment, true))
	m.HandleFunc("GET /repos/{owner}/{repo}/deployments/{id}", s.withRepo(s.getDeployment, false))
	m.HandleFunc("DELETE /repos/{owner}/{repo}/deployments/{id}", s.withRepo(s.deleteDeployment, true))
	m.HandleFunc("GET /repos/{owner}/{repo}/deployments/{id}/statuses", s.withRepo(s.listStatuses, false))
	m.HandleFunc("POST /repos/{owner}/{repo}/deployments/{id}/statuses", s.withRepo(s.createStatus, true))
	m.HandleFunc("GET /repos/{owner}/{repo}/deployments/{id}/statuses/{status_id}", s.withRepo(s.getStatus, false))
	m.HandleFunc("GET /repos/{owner}/{repo}/environments", s.withRepo(s.listEnvironments, false))
	m.HandleFunc("GET /repos/{owner}/{repo}/environments/{env}", s.withRepo(s.getEnvironment, false))
	m.HandleFunc("GET /repos/{owner}/{repo}/compare/{basehead...}", s.withRepo(s.compare, false))
	m.HandleFunc("POST /graphql", s.serveGraphQL)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	})
}

type repoHandler func(w http.ResponseWriter, r *http.Request, repo *Repo)

// withRepo resolves {owner}/{repo} (404 if unknown), checks write access for writes (403), and runs h
// holding the state lock, so each request sees and changes the state atomically.
func (s *Server) withRepo(h repoHandler, write bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		repo := s.repo(r.PathValue("owner"), r.PathValue("repo"))
		if repo == nil {
			s.mu.Unlock()
			writeError(w, http.StatusNotFound, "Not Found", docGetRepo)
			return
		}
		if write && !currentUser(r).write {
			s.mu.Unlock()
			writeError(w, http.StatusForbidden, "Resource not accessible by integration", docCreateDeployment)
			return
		}
		var events []event
		s.pending = &events
		h(w, r, repo)
		s.pending = nil
		s.mu.Unlock()
		s.emit(events)
	}
}

func (s *Server) getRateLimit(w http.ResponseWriter, r *http.Request) {
	rem, _ := strconv.Atoi(w.Header().Get("X-RateLimit-Remaining"))
	reset, _ := strconv.ParseInt(w.Header().Get("X-RateLimit-Reset"), 10, 64)
	core := obj{"limit": rateLimit, "remaining": rem, "reset": reset, "used": rateLimit - rem, "resource": "core"}
	other := func(name string, limit int) obj {
		return obj{"limit": limit, "remaining": limit, "reset": reset, "used": 0, "resource": name}
	}
	writeJSON(w, http.StatusOK, obj{
		"resources": obj{
			"core": core, "graphql": other("graphql", rateLimit), "search": other("search", 30),
			"integration_manifest": other("integration_manifest", rateLimit),
		},
		"rate": core,
	})
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, repo *Repo) {
	writeJSON(w, http.StatusOK, s.repoJSON(base(r), repo))
}

// deploymentRequest is the create body. Fields are raw so that wrong types give GitHub's 422, not a decode error.
type deploymentRequest struct {
	Ref                   json.RawMessage `json:"ref"`
	Task                  json.RawMessage `json:"task"`
	AutoMerge             json.RawMessage `json:"auto_merge"`
	RequiredContexts      json.RawMessage `json:"required_contexts"`
	Payload               json.RawMessage `json:"payload"`
	Environment           json.RawMessage `json:"environment"`
	Description           json.RawMessage `json:"description"`
	TransientEnvironment  json.RawMessage `json:"transient_environment"`
	ProductionEnvironment json.RawMessage `json:"production_environment"`
}

// fieldDecoder collects GitHub-style validation errors while decoding optional fields.
type fieldDecoder struct {
	resource string
	errs     []obj
}

func (f *fieldDecoder) decode(name string, raw json.RawMessage, dst any, typ string) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		e := obj{"resource": f.resource, "field": name, "code": "invalid", "message": fmt.Sprintf("%s is not a %s.", name, typ)}
		var v any
		_ = json.Unmarshal(raw, &v)
		switch v.(type) {
		case string, float64: // GitHub's error schema allows only these (or a list of strings)
			e["value"] = v
		}
		f.errs = append(f.errs, e)
		return false
	}
	return true
}

func (s *Server) createDeployment(w http.ResponseWriter, r *http.Request, repo *Repo) {
	body, _ := readAll(r)
	var req deploymentRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docCreateDeployment)
		return
	}
	f := &fieldDecoder{resource: "Deployment"}
	var ref string
	if len(req.Ref) == 0 || string(req.Ref) == "null" {
		f.errs = append(f.errs, obj{"resource": "Deployment", "field": "ref", "code": "missing_field"})
	} else {
		f.decode("ref", req.Ref, &ref, "string")
	}
	d := &Deployment{Task: "deploy", Environment: "production", AutoMerge: true, Creator: currentUser(r).login}
	f.decode("task", req.Task, &d.Task, "string")
	f.decode("auto_merge", req.AutoMerge, &d.AutoMerge, "boolean")
	var contexts []string
	explicitContexts := f.decode("required_contexts", req.RequiredContexts, &contexts, "array of strings")
	if explicitContexts && contexts == nil {
		contexts = []string{}
	}
	f.decode("environment", req.Environment, &d.Environment, "string")
	d.hasDescription = f.decode("description", req.Description, &d.Description, "string")
	f.decode("transient_environment", req.TransientEnvironment, &d.Transient, "boolean")
	d.Production = d.Environment == "production"
	f.decode("production_environment", req.ProductionEnvironment, &d.Production, "boolean")
	if p := bytes.TrimSpace(req.Payload); len(p) > 0 && string(p) != "null" {
		switch p[0] {
		case '{':
			d.Payload = compact(p)
		case '"':
			// A JSON object sent as a string is stored as that object, as GitHub does; other text stays a string.
			var str string
			_ = json.Unmarshal(p, &str)
			var o map[string]any
			if json.Unmarshal([]byte(str), &o) == nil {
				d.Payload = compact([]byte(str))
			} else {
				d.Payload = compact(p)
			}
		default:
			f.errs = append(f.errs, obj{"resource": "Deployment", "field": "payload", "code": "invalid",
				"message": "payload is not an object or a string."})
		}
	}
	if len(f.errs) > 0 {
		writeValidation(w, docCreateDeployment, f.errs...)
		return
	}
	if d.Task == "" {
		d.Task = "deploy"
	}
	if d.Environment == "" {
		d.Environment = "production"
	}
	sha, ok := repo.resolveRef(ref)
	if !ok {
		writeJSON(w, http.StatusUnprocessableEntity, obj{
			"message": "No ref found for: " + ref, "documentation_url": docCreateDeployment, "status": "422",
		})
		return
	}
	d.Ref, d.SHA, d.refIsName, d.OriginalEnv = ref, sha, repo.isNamedRef(ref), d.Environment
	if explicitContexts {
		d.RequiredContexts = contexts
	}

	if d.AutoMerge && repo.behind[ref] {
		delete(repo.behind, ref)
		repo.branches[ref] = fakeSHA("merge", repo.defaultBranch, ref, sha)
		writeJSON(w, http.StatusAccepted, obj{
			"message": fmt.Sprintf("Auto-merged %s into %s on deployment.", repo.defaultBranch, ref),
		})
		return
	}
	if bad := repo.contextsFailing(sha, d.RequiredContexts); len(bad) > 0 {
		writeJSON(w, http.StatusConflict, obj{
			"message":           "Conflict: Commit status checks failed for " + ref + ".",
			"errors":            []obj{{"contexts": bad, "resource": "Deployment", "field": "required_contexts", "code": "invalid"}},
			"documentation_url": docCreateDeployment, "status": "409",
		})
		return
	}
	s.createDeploymentLocked(repo, d)
	out := s.deploymentJSON(base(r), repo, d)
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
	s.queueEvent("deployment", obj{
		"action": "created", "deployment": s.deploymentJSON(s.URL(), repo, d),
		"repository": s.repoJSON(s.URL(), repo), "sender": s.userJSON(s.URL(), d.Creator),
	})
}

func compact(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return append(json.RawMessage(nil), b...)
	}
	return buf.Bytes()
}

func (s *Server) listDeployments(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	var list []*Deployment
	for _, d := range slices.Backward(repo.deployments) {
		if v := q.Get("sha"); v != "" && v != d.SHA {
			continue
		}
		if v := q.Get("ref"); v != "" && v != d.Ref {
			continue
		}
		if v := q.Get("task"); v != "" && v != d.Task {
			continue
		}
		if v := q.Get("environment"); v != "" && v != d.Environment {
			continue
		}
		list = append(list, d)
	}
	list, ok := page(w, r, list)
	if !ok {
		return
	}
	out := make([]obj, 0, len(list))
	for _, d := range list {
		out = append(out, s.deploymentJSON(base(r), repo, d))
	}
	writeJSON(w, http.StatusOK, out)
}

// deploymentFromPath finds {id}, answering 404 when there is none.
func deploymentFromPath(w http.ResponseWriter, r *http.Request, repo *Repo) *Deployment {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var d *Deployment
	if err == nil {
		d = repo.deployment(id)
	}
	if d == nil {
		writeError(w, http.StatusNotFound, "Not Found", docGetDeployment)
	}
	return d
}

func (s *Server) getDeployment(w http.ResponseWriter, r *http.Request, repo *Repo) {
	if d := deploymentFromPath(w, r, repo); d != nil {
		writeJSON(w, http.StatusOK, s.deploymentJSON(base(r), repo, d))
	}
}

// deleteDeployment follows GitHub: the only deployment of a repository can always go; otherwise only an
// inactive one (its latest status is not success: "add any non-successful deployment status").
func (s *Server) deleteDeployment(w http.ResponseWriter, r *http.Request, repo *Repo) {
	d := deploymentFromPath(w, r, repo)
	if d == nil {
		return
	}
	if st := d.latestState(); len(repo.deployments) > 1 && (st == "" || st == "success") {
		writeJSON(w, http.StatusUnprocessableEntity, obj{
			"message":           "We cannot delete an active deployment unless it is the only deployment in a given environment.",
			"documentation_url": docDeleteDeployment, "status": "422",
		})
		return
	}
	repo.deployments = slices.DeleteFunc(repo.deployments, func(x *Deployment) bool { return x == d })
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request, repo *Repo) {
	envs := slices.Clone(repo.envs)
	slices.SortFunc(envs, func(a, b *environment) int { return strings.Compare(a.name, b.name) })
	total := len(envs)
	envs, ok := page(w, r, envs)
	if !ok {
		return
	}
	out := make([]obj, 0, len(envs))
	for _, e := range envs {
		out = append(out, s.environmentJSON(base(r), repo, e))
	}
	writeJSON(w, http.StatusOK, obj{"total_count": total, "environments": out})
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, repo *Repo) {
	e := repo.findEnv(r.PathValue("env"))
	if e == nil {
		writeError(w, http.StatusNotFound, "Not Found", docGetEnvironment)
		return
	}
	writeJSON(w, http.StatusOK, s.environmentJSON(base(r), repo, e))
}
