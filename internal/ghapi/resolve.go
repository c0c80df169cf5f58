// Package ghapi decides where deployctl talks to and as whom, and hands out the
// clients that do the talking: a go-github REST client and a small GraphQL
// client that share one http.Client. The rules follow gh (host, token, gh's
// stored login via go-gh) and GitHub Actions (GITHUB_API_URL, GITHUB_TOKEN).
package ghapi

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/cli/go-gh/v2/pkg/auth"
)

// Target is a resolved API endpoint and the credentials for it.
type Target struct {
	// Host is the GitHub host the repository lives on (github.com, or a GHES
	// host that may carry a port).
	Host string
	// RESTURL is the REST base URL, always ending in a slash.
	RESTURL *url.URL
	// GraphQLURL is the GraphQL endpoint.
	GraphQLURL *url.URL
	// Token is the credential. It must never be printed.
	Token string
	// TokenSource names where the token came from (e.g. "GH_TOKEN"), for messages.
	TokenSource string
	// APIURLFromEnv is true when GITHUB_API_URL chose the API.
	APIURLFromEnv bool
}

// String describes the target without the token.
func (t Target) String() string {
	return fmt.Sprintf("%s (token from %s)", t.RESTURL, t.TokenSource)
}

// GoString keeps the token out of %#v output too.
func (t Target) GoString() string { return "ghapi.Target{" + t.String() + "}" }

// Env looks up an environment variable. It is os.Getenv outside tests.
type Env func(string) string

// Resolve works out the API URLs and the token for host. An empty host means
// gh's default host (GH_HOST, else github.com).
func Resolve(host string, getenv Env) (Target, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if host == "" {
		host = defaultHost(getenv)
	}
	host = strings.ToLower(host)

	t := Target{Host: host}
	rest := getenv("GITHUB_API_URL")
	if rest == "" {
		rest = defaultRESTURL(host)
	}
	u, err := parseBaseURL("GITHUB_API_URL", rest)
	if err != nil {
		return Target{}, err
	}
	t.RESTURL = u
	t.APIURLFromEnv = getenv("GITHUB_API_URL") != ""

	gql := getenv("GITHUB_GRAPHQL_URL")
	if gql == "" {
		gql = graphQLFromREST(u)
	}
	if t.GraphQLURL, err = parseBaseURL("GITHUB_GRAPHQL_URL", gql); err != nil {
		return Target{}, err
	}
	t.GraphQLURL.Path = strings.TrimSuffix(t.GraphQLURL.Path, "/")

	// In GitHub Actions (and anything else that sets GITHUB_API_URL) the
	// workflow's token is the token for that API, whatever its host.
	if getenv("GITHUB_API_URL") != "" {
		for _, name := range []string{"GH_TOKEN", "GITHUB_TOKEN"} {
			if v := getenv(name); v != "" {
				t.Token, t.TokenSource = v, name
				return t, nil
			}
		}
	}
	t.Token, t.TokenSource = tokenForHost(host, getenv)
	if t.Token == "" {
		return Target{}, &AuthError{Host: host, Reason: "no token found", APIURLFromEnv: t.APIURLFromEnv}
	}
	return t, nil
}

func defaultRESTURL(host string) string {
	switch {
	case host == "github.com":
		return "https://api.github.com/"
	case host == "github.localhost":
		return "http://api.github.localhost/"
	case auth.IsTenancy(host):
		return "https://api." + host + "/"
	default:
		return "https://" + host + "/api/v3/"
	}
}

// graphQLFromREST derives the GraphQL endpoint the way GitHub lays them out:
// GHES serves /api/v3 and /api/graphql, everything else <base>/graphql.
func graphQLFromREST(rest *url.URL) string {
	g := *rest
	p := strings.TrimSuffix(g.Path, "/")
	if strings.HasSuffix(p, "/api/v3") {
		g.Path = strings.TrimSuffix(p, "/v3") + "/graphql"
	} else {
		g.Path = p + "/graphql"
	}
	return g.String()
}

func parseBaseURL(name, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: %q is not an http(s) URL", name, raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// AuthError means there is no usable credential, or GitHub rejected it.
// Commands exit with code 4 on it.
type AuthError struct {
	Host   string
	Reason string
	// APIURLFromEnv: GITHUB_API_URL chose the API, so GH_TOKEN or
	// GITHUB_TOKEN is its token whatever the host.
	APIURLFromEnv bool
}

func (e *AuthError) Error() string {
	hint := LoginHint(e.Host)
	if e.APIURLFromEnv {
		hint = apiURLTokenHint
	}
	return fmt.Sprintf("authentication required for %s: %s\n%s", e.Host, e.Reason, hint)
}

// apiURLTokenHint is the login hint when GITHUB_API_URL is set: then only
// GH_TOKEN or GITHUB_TOKEN count for that API (GH_ENTERPRISE_TOKEN does not).
const apiURLTokenHint = "GITHUB_API_URL is set, so GH_TOKEN or GITHUB_TOKEN is the token for that API: set one to a valid token " +
	"(in GitHub Actions: GITHUB_TOKEN: ${{ github.token }}), or unset both to use gh's login (`gh auth login`)."

// LoginHint says how to get a token for host, in the words gh users know.
func LoginHint(host string) string {
	if host == "" || host == "github.com" {
		return "Run `gh auth login`, or set GH_TOKEN (GITHUB_TOKEN in GitHub Actions)."
	}
	return fmt.Sprintf("Run `gh auth login --hostname %s`, or set GH_ENTERPRISE_TOKEN (GH_TOKEN or GITHUB_TOKEN together with GITHUB_API_URL).", host)
}

// IsAuth reports whether err means missing or rejected credentials.
func IsAuth(err error) bool {
	var ae *AuthError
	if errors.As(err, &ae) {
		return true
	}
	var api *APIError
	return errors.As(err, &api) && api.StatusCode == 401
}
