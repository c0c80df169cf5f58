package githubtest

import "net/http"

// FailNextMessage is FailNext with the message GitHub gives for that
// failure, e.g. a 409 "Conflict merging main into topic." or a 403 for SAML
// enforcement with its X-GitHub-SSO header.
func (s *Server) FailNextMessage(method, pathPrefix string, n int, status int, header http.Header, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{method: method, prefix: pathPrefix, n: n, status: status, header: header.Clone(), message: message})
}
