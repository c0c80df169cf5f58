package ghapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	// Type is GitHub's GraphQL error type (NOT_FOUND, FORBIDDEN) when the
	// error came from GraphQL; StatusCode is then the HTTP status that
	// means the same, for callers, but the message does not claim it.
	Type string
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Type != "" {
		fmt.Fprintf(&b, "GraphQL %s: %s", e.Type, e.Message)
	} else {
		fmt.Fprintf(&b, "HTTP %d: %s", e.StatusCode, e.Message)
	}
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
	// No answer, or not GitHub's: the transport's own error says it best
	// (http.Client would repeat the URL around it).
	var ne *NetworkError
	if errors.As(err, &ne) {
		return ne
	}
	var na *NotAPIError
	if errors.As(err, &na) {
		return na
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
	if e.Message == "" {
		// A proxy's or load balancer's page (502 HTML), not GitHub's JSON.
		e.Message = http.StatusText(e.StatusCode)
		if isHTML(h) {
			e.Message += " (an HTML page, not GitHub's JSON: a proxy or load balancer answered)"
		}
	}
	msg := strings.ToLower(e.Message)
	limited := e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusTooManyRequests
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		e.Hint = "GitHub rejected the token (expired or revoked?). " + LoginHint(hostOfAPI(u))
		if h.Get(hintAPIFromEnv) != "" {
			e.Hint = "GitHub rejected the token from " + h.Get(hintTokenSource) + " (expired or revoked?). " + apiURLTokenHint
		}
	case limited && (strings.Contains(msg, "secondary rate limit") || h.Get("Retry-After") != "" && h.Get("X-RateLimit-Remaining") != "0"):
		// GitHub's docs: wait Retry-After seconds, else at least a minute.
		wait := "60"
		if ra := h.Get("Retry-After"); ra != "" {
			if _, err := strconv.Atoi(ra); err == nil {
				wait = ra
			}
		}
		e.Hint = "GitHub's secondary rate limit was hit (too many requests in a short time); retry in " + wait + " s."
	case limited && (h.Get("X-RateLimit-Remaining") == "0" || strings.Contains(msg, "rate limit")):
		e.Hint = "GitHub's API rate limit for this token is used up"
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			e.Hint += "; it resets at " + resetTime(reset, time.Now())
		}
		e.Hint += "."
	case e.StatusCode == http.StatusForbidden && h.Get("X-GitHub-SSO") != "":
		e.Hint = "The organization requires SAML single sign-on for this token"
		if sso := ssoURL(h.Get("X-GitHub-SSO")); sso != "" {
			e.Hint += ": authorize it at " + sso
		}
		e.Hint += ", then try again."
	case e.StatusCode == http.StatusForbidden && strings.Contains(msg, "not accessible"):
		e.Hint = "The token may not write deployments. It needs Deployments: read and write (fine-grained token or GitHub App), " +
			"the repo_deployment or repo scope (classic token), or `permissions: deployments: write` in a GitHub Actions workflow."
	case e.StatusCode == http.StatusForbidden:
		e.Hint = ForbiddenHint
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

// ssoURL takes the authorization URL out of X-GitHub-SSO
// ("required; url=https://github.com/orgs/o/sso?authorization_request=...").
func ssoURL(h string) string {
	for _, part := range strings.Split(h, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "url="); ok {
			if u, err := url.Parse(v); err == nil && u.Scheme == "https" {
				return v
			}
		}
	}
	return ""
}

// ForbiddenHint is the hint for a token that may not do what was asked.
const ForbiddenHint = "The token is not allowed to do this; check its scopes (repo_deployment) and the repository's settings."

// FromGraphQL turns GitHub's GraphQL NOT_FOUND and FORBIDDEN errors into
// *APIError with the hints REST errors get (labelled as GraphQL errors,
// with the HTTP status that means the same for callers); what names the
// object for NOT_FOUND ("octo/demo"). Other errors pass through.
func FromGraphQL(err error, what string) error {
	var gerr GraphQLErrors
	if !errors.As(err, &gerr) {
		return err
	}
	switch {
	case gerr.NotFound():
		if what == "" {
			what = "the repository"
		}
		return &APIError{StatusCode: http.StatusNotFound, Type: "NOT_FOUND", Message: gerr.messages(),
			Hint: fmt.Sprintf("Not found: %s does not exist, or the token cannot see it.", what)}
	case gerr.has("FORBIDDEN"):
		return &APIError{StatusCode: http.StatusForbidden, Type: "FORBIDDEN", Message: gerr.messages(), Hint: ForbiddenHint}
	}
	return err
}
