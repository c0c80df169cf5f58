package githubtest

import "net/http"

// This file holds GET /user: the token's user, or GitHub's 403 for a GitHub App installation token (the
// GITHUB_TOKEN of a workflow run), which acts for no user.

func (s *Server) routesUser(m *http.ServeMux) {
	m.HandleFunc("GET /user", s.getUser)
}

// AddAppToken registers a GitHub App installation token with write access: it acts as github-actions[bot],
// and GET /user refuses it, as GitHub does.
func (s *Server) AddAppToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(token, "github-actions[bot]", true)
	s.users[token].app = true
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if u.app {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration",
			"https://docs.github.com/rest/users/users#get-the-authenticated-user")
		return
	}
	s.mu.Lock()
	o := s.userJSON(base(r), u.login)
	s.mu.Unlock()
	created := ts(epoch)
	for k, v := range map[string]any{
		"name": nil, "company": nil, "blog": "", "location": nil, "email": nil, "hireable": nil, "bio": nil,
		"twitter_username": nil, "public_repos": 1, "public_gists": 0, "followers": 0, "following": 0,
		"created_at": created, "updated_at": created,
	} {
		o[k] = v
	}
	writeJSON(w, http.StatusOK, o)
}
