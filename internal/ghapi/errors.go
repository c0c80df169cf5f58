package ghapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cli/go-gh/v2/pkg/auth"
	"github.com/google/go-github/v60/github"
)

// APIError is an answer from GitHub that was not a success. It keeps
// GitHub's own message and adds a hint a user can act on.
type APIError struct {
	StatusCode int
	Method     string
	Path       string // request path, never the full URL (no query, no host)
	Message    string // GitHub's message
	Details    []string
	Hint       string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d: %s", e.StatusCode, e.Message)
	if len(e.Details) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Details, "; "))
	}
	if e.Method != "" {
		fmt.Fprintf(&b, " [%s %s]", e.Method, e.Path)
	}
	if e.Hint != "" {
		b.WriteString("\n")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// StatusCode returns the HTTP status of an API error in err's chain, or 0.
func StatusCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// Wrap turns go-github's errors into *APIError with a hint; other errors pass
// through. what names the object for 404 hints ("deployment 42").
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ge *github.ErrorResponse
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	switch {
	case errors.As(err, &rl):
		return withHint(&APIError{StatusCode: rl.Response.StatusCode, Method: rl.Response.Request.Method,
			Path: rl.Response.Request.URL.Path, Message: rl.Message}, rl.Response.Request.URL, rl.Response.Header, what)
	case errors.As(err, &ab):
		return withHint(&APIError{StatusCode: ab.Response.StatusCode, Method: ab.Response.Request.Method,
			Path: ab.Response.Request.URL.Path, Message: ab.Message}, ab.Response.Request.URL, ab.Response.Header, what)
	case errors.As(err, &ge):
		e := &APIError{StatusCode: ge.Response.StatusCode, Message: ge.Message}
		var u *url.URL
		if ge.Response.Request != nil {
			e.Method, e.Path, u = ge.Response.Request.Method, ge.Response.Request.URL.Path, ge.Response.Request.URL
		}
		for _, d := range ge.Errors {
			e.Details = append(e.Details, detail(d.Resource, d.Field, d.Code, d.Message))
		}
		return withHint(e, u, ge.Response.Header, what)
	}
	return err
}

func detail(resource, field, code, message string) string {
	if message != "" {
		return message
	}
	parts := []string{}
	for _, s := range []string{resource, field, code} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// errorFromBody builds an APIError from a raw non-2xx response (GraphQL path).
func errorFromBody(resp *http.Response, body []byte) error {
	var msg struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &msg)
	if msg.Message == "" {
		msg.Message = http.StatusText(resp.StatusCode)
	}
	return withHint(&APIError{StatusCode: resp.StatusCode, Method: resp.Request.Method,
		Path: resp.Request.URL.Path, Message: msg.Message}, resp.Request.URL, resp.Header, "")
}

// hostOfAPI is the GitHub host whose API u is on, for login hints:
// api.github.com is github.com's, a GHES host serves its own.
func hostOfAPI(u *url.URL) string {
	if u == nil {
		return ""
	}
	host := strings.ToLower(u.Host)
	if h, ok := strings.CutPrefix(host, "api."); ok && (h == "github.com" || h == "github.localhost" || auth.IsTenancy(h)) {
		return h
	}
	return host
}

func withHint(e *APIError, u *url.URL, h http.Header, what string) *APIError {
	msg := strings.ToLower(e.Message)
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		e.Hint = "GitHub rejected the token (expired or revoked?). " + LoginHint(hostOfAPI(u))
	case strings.Contains(msg, "rate limit"), h.Get("X-RateLimit-Remaining") == "0" && e.StatusCode == http.StatusForbidden,
		e.StatusCode == http.StatusTooManyRequests:
		e.Hint = "GitHub's API rate limit was hit; wait until it resets"
		if reset := h.Get("X-RateLimit-Reset"); reset != "" {
			e.Hint += " (X-RateLimit-Reset " + reset + ")"
		}
		e.Hint += " or use a token with a higher limit."
	case e.StatusCode == http.StatusForbidden && strings.Contains(msg, "not accessible"):
		e.Hint = "The token may not write deployments. It needs Deployments: read and write (fine-grained token or GitHub App), " +
			"the repo_deployment or repo scope (classic token), or `permissions: deployments: write` in a GitHub Actions workflow."
	case e.StatusCode == http.StatusForbidden:
		e.Hint = "The token is not allowed to do this; check its scopes (repo_deployment) and the repository's settings."
	case e.StatusCode == http.StatusNotFound:
		if what == "" {
			what = "the repository"
		}
		e.Hint = fmt.Sprintf("Not found: %s does not exist, or the token cannot see it (private repositories need the repo scope).", what)
	case e.StatusCode == http.StatusUnprocessableEntity:
		e.Hint = "GitHub refused the request as invalid; see its message above."
	}
	if s := h.Get("X-GitHub-Request-Id"); s != "" && e.StatusCode >= 500 {
		e.Hint = "GitHub had an internal error (request ID " + s + "); try again later."
	}
	return e
}
