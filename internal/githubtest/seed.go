package githubtest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SeedHistory creates n deployments of the default branch in repo, cycling through envs (default
// "production"), the way a deploy history looks on GitHub: every deployment got a success status, which
// marked the environment's previous successful one inactive (auto_inactive), except every seventh, which
// failed. So each environment has one active deployment, and most others are inactive. No webhook events.
func (s *Server) SeedHistory(repo string, n int, envs ...string) {
	if len(envs) == 0 {
		envs = []string{"production"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(repo)]
	if r == nil {
		r = s.addRepoLocked(repo, "main")
	}
	lastSuccess := map[string]*Deployment{}
	for i := 0; i < n; i++ {
		e := envs[i%len(envs)]
		d := s.createDeploymentLocked(r, &Deployment{
			Ref: r.defaultBranch, SHA: r.branches[r.defaultBranch], Task: "deploy", Environment: e, OriginalEnv: e,
			Payload: json.RawMessage(`{}`), Production: e == "production", Creator: s.users[DefaultToken].login,
			refIsName: true, Description: fmt.Sprintf("deployment %d", i+1), hasDescription: true,
		})
		if (i+1)%7 == 0 {
			s.addStatusLocked(r, d, Status{State: "failure", Creator: d.Creator})
			continue
		}
		s.addStatusLocked(r, d, Status{State: "success", Creator: d.Creator})
		if prev := lastSuccess[e]; prev != nil {
			s.addStatusLocked(r, prev, Status{State: "inactive", Environment: e, Creator: d.Creator})
		}
		lastSuccess[e] = d
	}
}
