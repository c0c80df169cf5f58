package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds GitHub Actions workflow runs that wait for a review of a protected environment, and the
// pending-deployments API that lists and reviews them. Approving an environment creates its deployment (as
// GitHub does when the job starts); the run leaves `waiting` once every environment was reviewed, and a
// rejection ends it as a failure.

const docPendingDeployments = "https://docs.github.com/rest/actions/workflow-runs#review-pending-deployments-for-a-workflow-run"

type actionsState struct {
	runs []*workflowRun
}

type workflowRun struct {
	id, workflowID       int64
	number               int
	workflow, path       string
	branch, sha, event   string
	actor                string
	status, conclusion   string
	createdAt, updatedAt time.Time
	pending              []*pendingEnv
	reviews              []Review
}

type pendingEnv struct {
	env       *environment
	waitTimer int
	startedAt time.Time
	reviewers []string
	state     string // waiting, approved, rejected
}

// WaitingRun describes a workflow run that waits for required reviewers (AddWaitingRun).
type WaitingRun struct {
	Workflow     string   // default "deploy"
	Branch       string   // default: the default branch
	Environments []string // default ["production"]
	Reviewers    []string // logins who may approve; default ["octocat"]
	WaitTimer    int      // minutes
	Actor        string   // who triggered it; default "octocat"
}

// Review is one review a run received.
type Review struct {
	Environment string
	State       string // approved or rejected
	Comment     string
	User        string
}

// RunState is a snapshot of a workflow run, for tests.
type RunState struct {
	ID                 int64
	Status, Conclusion string
	Environments       map[string]string // name -> waiting, approved, rejected
	Reviews            []Review
}

func (r *Repo) actionsState() *actionsState {
	if r.actions == nil {
		r.actions = &actionsState{}
	}
	return r.actions
}

// AddWaitingRun adds a workflow run waiting for a review of its environments and returns its ID.
func (r *Repo) AddWaitingRun(w WaitingRun) int64 {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.Workflow == "" {
		w.Workflow = "deploy"
	}
	if w.Branch == "" {
		w.Branch = r.defaultBranch
	}
	if len(w.Environments) == 0 {
		w.Environments = []string{"production"}
	}
	if w.Reviewers == nil {
		w.Reviewers = []string{"octocat"}
	}
	if w.Actor == "" {
		w.Actor = "octocat"
	}
	a := r.actionsState()
	now := s.tick()
	run := &workflowRun{
		id: 30433642 + int64(len(a.runs))*1111, workflowID: 159038 + int64(len(w.Workflow)), number: len(a.runs) + 1,
		workflow: w.Workflow, path: ".github/workflows/" + strings.ToLower(strings.ReplaceAll(w.Workflow, " ", "-")) + ".yml",
		branch: w.Branch, sha: r.branches[w.Branch], event: "push", actor: w.Actor, status: "waiting",
		createdAt: now, updatedAt: now,
	}
	if run.sha == "" {
		run.sha = fakeSHA(r.FullName(), w.Branch)
	}
	for _, name := range w.Environments {
		run.pending = append(run.pending, &pendingEnv{env: r.env(name), waitTimer: w.WaitTimer, startedAt: now,
			reviewers: slices.Clone(w.Reviewers), state: "waiting"})
	}
	a.runs = append(a.runs, run)
	return run.id
}

// Run returns a snapshot of a workflow run.
func (r *Repo) Run(id int64) (RunState, bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	run := r.run(id)
	if run == nil {
		return RunState{}, false
	}
	st := RunState{ID: id, Status: run.status, Conclusion: run.conclusion, Environments: map[string]string{},
		Reviews: slices.Clone(run.reviews)}
	for _, p := range run.pending {
		st.Environments[p.env.name] = p.state
	}
	return st, true
}

func (r *Repo) run(id int64) *workflowRun {
	for _, run := range r.actionsState().runs {
		if run.id == id {
			return run
		}
	}
	return nil
}

func (s *Server) routesActions(m *http.ServeMux) {
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs", s.withRepo(s.listRuns, false))
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run_id}", s.withRepo(s.getRun, false))
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments", s.withRepo(s.getPending, false))
	m.HandleFunc("POST /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments", s.withRepo(s.reviewPending, false))
}

func (s *Server) runJSON(base string, repo *Repo, run *workflowRun) obj {
	api := base + "/repos/" + repo.FullName()
	runURL := api + "/actions/runs/" + strconv.FormatInt(run.id, 10)
	var conclusion any
	if run.conclusion != "" {
		conclusion = run.conclusion
	}
	author := obj{"name": run.actor, "email": run.actor + "@users.noreply.github.com"}
	tree := ""
	if c := repo.commitObject(run.sha); c != nil {
		tree = c.tree
	}
	return obj{
		"id": run.id, "name": run.workflow, "node_id": nodeID("WorkflowRun", run.id), "head_branch": run.branch,
		"head_sha": run.sha, "path": run.path, "display_title": run.workflow, "run_number": run.number,
		"run_attempt": 1, "event": run.event, "status": run.status, "conclusion": conclusion,
		"workflow_id": run.workflowID, "check_suite_id": run.id + 7, "check_suite_node_id": nodeID("CheckSuite", run.id+7),
		"url": runURL, "html_url": "https://github.com/" + repo.FullName() + "/actions/runs/" + strconv.FormatInt(run.id, 10),
		"pull_requests": []any{}, "created_at": ts(run.createdAt), "updated_at": ts(run.updatedAt),
		"run_started_at": ts(run.createdAt), "actor": s.userJSON(base, run.actor), "triggering_actor": s.userJSON(base, run.actor),
		"jobs_url": runURL + "/jobs", "logs_url": runURL + "/logs", "check_suite_url": api + "/check-suites/" + strconv.FormatInt(run.id+7, 10),
		"artifacts_url": runURL + "/artifacts", "cancel_url": runURL + "/cancel", "rerun_url": runURL + "/rerun",
		"previous_attempt_url": nil, "workflow_url": api + "/actions/workflows/" + strconv.FormatInt(run.workflowID, 10),
		"head_commit": obj{"id": run.sha, "tree_id": tree, "message": "Commit " + run.sha[:7], "timestamp": ts(epoch),
			"author": author, "committer": author},
		"repository": s.repoJSON(base, repo), "head_repository": s.repoJSON(base, repo), "head_repository_id": repo.id,
	}
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	var list []*workflowRun
	for _, run := range slices.Backward(repo.actionsState().runs) {
		if v := q.Get("status"); v != "" && v != run.status && v != run.conclusion {
			continue
		}
		if v := q.Get("branch"); v != "" && v != run.branch {
			continue
		}
		if v := q.Get("event"); v != "" && v != run.event {
			continue
		}
		if v := q.Get("actor"); v != "" && v != run.actor {
			continue
		}
		list = append(list, run)
	}
	total := len(list)
	list, ok := page(w, r, list)
	if !ok {
		return
	}
	out := make([]obj, 0, len(list))
	for _, run := range list {
		out = append(out, s.runJSON(base(r), repo, run))
	}
	writeJSON(w, http.StatusOK, obj{"total_count": total, "workflow_runs": out})
}

func runFromPath(w http.ResponseWriter, r *http.Request, repo *Repo) *workflowRun {
	id, err := strconv.ParseInt(r.PathValue("run_id"), 10, 64)
	var run *workflowRun
	if err == nil {
		run = repo.run(id)
	}
	if run == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run")
	}
	return run
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request, repo *Repo) {
	if run := runFromPath(w, r, repo); run != nil {
		writeJSON(w, http.StatusOK, s.runJSON(base(r), repo, run))
	}
}

func (s *Server) getPending(w http.ResponseWriter, r *http.Request, repo *Repo) {
	run := runFromPath(w, r, repo)
	if run == nil {
		return
	}
	login := currentUser(r).login
	out := []obj{}
	for _, p := range run.pending {
		if p.state != "waiting" || run.status != "waiting" {
			continue // a rejected run ended: what it still waited for is no longer pending
		}
		reviewers := make([]obj, 0, len(p.reviewers))
		for _, rv := range p.reviewers {
			reviewers = append(reviewers, obj{"type": "User", "reviewer": s.userJSON(base(r), rv)})
		}
		var started any
		if p.waitTimer > 0 {
			started = ts(p.startedAt)
		}
		out = append(out, obj{
			"environment": obj{
				"id": p.env.id, "node_id": nodeID("Environment", p.env.id), "name": p.env.name,
				"url":      base(r) + "/repos/" + repo.FullName() + "/environments/" + p.env.name,
				"html_url": "https://github.com/" + repo.FullName() + "/deployments/activity_log?environments_filter=" + p.env.name,
			},
			"wait_timer": p.waitTimer, "wait_timer_started_at": started,
			"current_user_can_approve": slices.Contains(p.reviewers, login), "reviewers": reviewers,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) reviewPending(w http.ResponseWriter, r *http.Request, repo *Repo) {
	run := runFromPath(w, r, repo)
	if run == nil {
		return
	}
	var req struct {
		EnvironmentIDs []int64 `json:"environment_ids"`
		State          string  `json:"state"`
		Comment        *string `json:"comment"`
	}
	body, _ := readAll(r)
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docPendingDeployments)
		return
	}
	if req.State != "approved" && req.State != "rejected" {
		writeValidation(w, docPendingDeployments, obj{"resource": "DeploymentReview", "field": "state", "code": "invalid"})
		return
	}
	if len(req.EnvironmentIDs) == 0 || req.Comment == nil {
		writeValidation(w, docPendingDeployments, obj{"resource": "DeploymentReview", "field": "environment_ids", "code": "missing_field"})
		return
	}
	login := currentUser(r).login
	var chosen []*pendingEnv
	for _, id := range req.EnvironmentIDs {
		i := slices.IndexFunc(run.pending, func(p *pendingEnv) bool { return p.env.id == id && p.state == "waiting" && run.status == "waiting" })
		if i < 0 {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("No pending deployment requests to approve or reject for environment %d.", id), docPendingDeployments)
			return
		}
		if !slices.Contains(run.pending[i].reviewers, login) {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("%s is not a required reviewer of environment %s.", login, run.pending[i].env.name), docPendingDeployments)
			return
		}
		chosen = append(chosen, run.pending[i])
	}
	out := []obj{}
	for _, p := range chosen {
		p.state = req.State
		run.reviews = append(run.reviews, Review{Environment: p.env.name, State: req.State, Comment: *req.Comment, User: login})
		if req.State == "approved" {
			d := s.createDeploymentLocked(repo, &Deployment{
				Ref: run.branch, SHA: run.sha, Task: "deploy", Environment: p.env.name, OriginalEnv: p.env.name,
				Payload: json.RawMessage(`{}`), Production: p.env.name == "production", Creator: "github-actions[bot]",
				refIsName: true,
			})
			out = append(out, s.deploymentJSON(base(r), repo, d))
		}
	}
	run.updatedAt = s.tick()
	waiting := slices.ContainsFunc(run.pending, func(p *pendingEnv) bool { return p.state == "waiting" })
	switch {
	case req.State == "rejected":
		run.status, run.conclusion = "completed", "failure"
	case !waiting:
		run.status = "in_progress"
	}
	writeJSON(w, http.StatusOK, out)
}
