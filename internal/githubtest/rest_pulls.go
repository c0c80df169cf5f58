package githubtest

import (
	"net/http"
	"strings"
)

// Pull requests: GET /repos/{owner}/{repo}/pulls lists the pull requests MergePullRequest merged (state
// closed), newest update first as GitHub's sort=updated&direction=desc, for the listener's poll mode.

func (s *Server) routesPulls(m *http.ServeMux) {
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.withRepo(s.listPulls, false))
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	base := q.Get("base")
	var out []obj
	for i := len(repo.pulls) - 1; i >= 0; i-- { // newest first
		pr := repo.pulls[i]
		if state != "all" && pr["state"] != state {
			continue
		}
		if base != "" && pr["base"].(obj)["ref"] != base {
			continue
		}
		// The list's items leave out what only GET .../pulls/{number} says.
		item := obj{}
		for k, v := range pr {
			switch k {
			case "merged", "mergeable", "merged_by", "comments", "review_comments", "commits", "additions", "deletions", "changed_files":
			default:
				item[k] = v
			}
		}
		out = append(out, item)
	}
	items, ok := page(w, r, out)
	if !ok {
		return
	}
	if items == nil {
		items = []obj{}
	}
	writeJSON(w, http.StatusOK, items)
}

// PullRequests is how many pull requests the fake holds for repo (merged by MergePullRequest).
func (s *Server) PullRequests(repo string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[strings.ToLower(repo)]; r != nil {
		return len(r.pulls)
	}
	return 0
}
