package githubtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file holds GitHub's REST rules for deployment statuses.

const docCreateStatus = "https://docs.github.com/rest/deployments/statuses#create-a-deployment-status"

var statusStates = []string{"error", "failure", "inactive", "in_progress", "queued", "pending", "success"}

type statusRequest struct {
	State          json.RawMessage `json:"state"`
	TargetURL      json.RawMessage `json:"target_url"`
	LogURL         json.RawMessage `json:"log_url"`
	Description    json.RawMessage `json:"description"`
	Environment    json.RawMessage `json:"environment"`
	EnvironmentURL json.RawMessage `json:"environment_url"`
	AutoInactive   json.RawMessage `json:"auto_inactive"`
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request, repo *Repo) {
	d := deploymentFromPath(w, r, repo)
	if d == nil {
		return
	}
	body, _ := readAll(r)
	var req statusRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docCreateStatus)
		return
	}
	f := &fieldDecoder{resource: "DeploymentStatus"}
	st := Status{Creator: currentUser(r).login}
	if len(req.State) == 0 || string(req.State) == "null" {
		f.errs = append(f.errs, obj{"resource": "DeploymentStatus", "field": "state", "code": "missing_field"})
	} else if f.decode("state", req.State, &st.State, "string") && !slices.Contains(statusStates, st.State) {
		f.errs = append(f.errs, obj{"resource": "DeploymentStatus", "field": "state", "code": "invalid", "value": st.State})
	}
	var targetURL string
	f.decode("target_url", req.TargetURL, &targetURL, "string")
	if !f.decode("log_url", req.LogURL, &st.LogURL, "string") {
		st.LogURL = targetURL // log_url replaces target_url; either sets both
	}
	f.decode("description", req.Description, &st.Description, "string")
	if utf8.RuneCountInString(st.Description) > 140 {
		f.errs = append(f.errs, obj{"resource": "DeploymentStatus", "field": "description", "code": "custom",
			"message": "description is too long (maximum is 140 characters)"})
	}
	f.decode("environment", req.Environment, &st.Environment, "string")
	f.decode("environment_url", req.EnvironmentURL, &st.EnvironmentURL, "string")
	autoInactive := true
	f.decode("auto_inactive", req.AutoInactive, &autoInactive, "boolean")
	if len(f.errs) > 0 {
		writeValidation(w, docCreateStatus, f.errs...)
		return
	}
	if st.Environment == "" && len(d.Statuses) > 0 {
		st.Environment = d.Statuses[len(d.Statuses)-1].Environment
	}
	st = s.addStatusLocked(repo, d, st)

	if st.State == "success" && autoInactive {
		// GitHub's docs say "non-transient, non-production", but GitHub does retire earlier production
		// deployments too; what it skips are transient ones (they are destroyed, not superseded).
		for _, other := range repo.deployments {
			if other.ID < d.ID && other.Environment == st.Environment && !other.Transient && other.latestState() == "success" {
				s.addStatusLocked(repo, other, Status{State: "inactive", Environment: st.Environment, Creator: st.Creator})
			}
		}
	}

	out := s.statusJSON(base(r), repo, d, st)
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
	s.queueEvent("deployment_status", obj{
		"action": "created", "deployment_status": s.statusJSON(s.URL(), repo, d, st),
		"deployment": s.deploymentJSON(s.URL(), repo, d),
		"repository": s.repoJSON(s.URL(), repo), "sender": s.userJSON(s.URL(), st.Creator),
	})
}

func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request, repo *Repo) {
	d := deploymentFromPath(w, r, repo)
	if d == nil {
		return
	}
	list := slices.Clone(d.Statuses)
	slices.Reverse(list)
	list, ok := page(w, r, list)
	if !ok {
		return
	}
	out := make([]obj, 0, len(list))
	for _, st := range list {
		out = append(out, s.statusJSON(base(r), repo, d, st))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request, repo *Repo) {
	d := deploymentFromPath(w, r, repo)
	if d == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("status_id"), 10, 64)
	for _, st := range d.Statuses {
		if st.ID == id {
			writeJSON(w, http.StatusOK, s.statusJSON(base(r), repo, d, st))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", docCreateStatus)
}
