package cmd_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
)

// TestErrorsSayWhatToDo: each of GitHub's refusals gets the hint that fits
// it (issue 10, finding 7).
func TestErrorsSayWhatToDo(t *testing.T) {
	s := cmdtest.NewSession(t)
	const create = "/repos/octo/demo/deployments"

	// A secondary rate limit: wait as GitHub says, not "a higher limit".
	s.GH.FailNext("POST", create, 1, 403, http.Header{"Retry-After": {"30"}})
	s.Run("create --ref main").WantExit(1).WantErrContains("secondary rate limit", "retry in 30 s")
	if strings.Contains(s.Err, "higher limit") {
		t.Errorf("secondary limit: %s", s.Err)
	}

	// The primary limit: when it resets, as a time.
	reset := time.Now().Add(12 * time.Minute).Unix()
	s.GH.FailNext("POST", create, 1, 403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(reset, 10)}})
	s.Run("create --ref main").WantExit(1).WantErrContains("rate limit for this token is used up",
		"resets at "+time.Unix(reset, 0).UTC().Format("15:04:05 UTC"))
	if strings.Contains(s.Err, strconv.FormatInt(reset, 10)) {
		t.Errorf("primary limit shows the raw epoch: %s", s.Err)
	}

	// SAML SSO: the URL that authorizes the token, as gh shows it.
	sso := "https://github.com/orgs/octo/sso?authorization_request=AAAA"
	s.GH.FailNextMessage("POST", create, 1, 403, http.Header{"X-Github-Sso": {"required; url=" + sso}},
		"Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.")
	s.Run("create --ref main").WantExit(1).WantErrContains("SAML", "authorize it at "+sso)

	// GraphQL's NOT_FOUND is not an HTTP 404.
	s.Run("list -R octo/missing").WantExit(1).WantErrContains("GraphQL NOT_FOUND", "octo/missing does not exist")
	if strings.Contains(s.Err, "HTTP 404") {
		t.Errorf("GraphQL NOT_FOUND labelled HTTP 404: %s", s.Err)
	}
	if n := len(s.GH.Deployments("octo/demo")); n != 0 {
		t.Errorf("%d deployments", n)
	}
}

// TestConnectionRefused: the API's URL once, and where it came from.
func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	s := cmdtest.NewSession(t)
	s.Env["GITHUB_API_URL"] = url
	for _, line := range []string{"list", "get 1", "create --ref main"} {
		s.Run(line).WantExit(1).WantErrContains("cannot reach "+url, "connection refused", "Check GITHUB_API_URL")
		if n := strings.Count(s.Err, l.Addr().String()); n != 1 {
			t.Errorf("%s: the URL shown %d times: %s", line, n, s.Err)
		}
	}
}
