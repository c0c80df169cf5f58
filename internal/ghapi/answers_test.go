package ghapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func htmlAnswer(code int) func() *http.Response {
	return func() *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			Body: io.NopCloser(strings.NewReader("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"))}
	}
}

// TestAnswersThatAreNotGitHubs: a proxy's HTML error page says what it is
// (not an empty message), an HTML page with 200 is not fed to the JSON
// parser, and GraphQL's FORBIDDEN gets the permission hint.
func TestAnswersThatAreNotGitHubs(t *testing.T) {
	ctx := context.Background()
	tgt := target(t, "https://ghe.example.com/api/v3/")
	tgt.APIURLFromEnv = true
	rec := &recorder{script: []func() *http.Response{htmlAnswer(502), htmlAnswer(502), htmlAnswer(200), htmlAnswer(200),
		answer(200, nil, `{"data":null,"errors":[{"type":"FORBIDDEN","message":"Resource not accessible by integration"}]}`)}}
	c, err := NewClient(tgt, ClientOptions{Transport: rec, Retry: RetryPolicy{Attempts: 1}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", name, err, w)
			}
		}
	}

	req, _ := c.REST.NewRequest("GET", "repos/o/r/deployments", nil)
	_, err = c.REST.Do(ctx, req, nil)
	check("REST 502 HTML", Wrap(err, ""), "HTTP 502: Bad Gateway (an HTML page, not GitHub's JSON")
	check("GraphQL 502 HTML", c.GraphQL(ctx, "query{viewer{login}}", nil, &struct{}{}), "HTTP 502: Bad Gateway (an HTML page")

	req, _ = c.REST.NewRequest("GET", "repos/o/r/deployments", nil)
	var out []map[string]any
	_, err = c.REST.Do(ctx, req, &out)
	check("REST 200 HTML", Wrap(err, ""), "https://ghe.example.com answered HTTP 200 with an HTML page", "Check GITHUB_API_URL")
	err = c.GraphQL(ctx, "query{viewer{login}}", nil, &struct{}{})
	check("GraphQL 200 HTML", err, "answered HTTP 200 with an HTML page")
	if strings.Contains(err.Error(), "invalid character") {
		t.Errorf("a JSON parser's error: %v", err)
	}

	err = FromGraphQL(c.GraphQL(ctx, "query{viewer{login}}", nil, &struct{}{}), "o/r")
	check("GraphQL FORBIDDEN", err, "GraphQL FORBIDDEN: Resource not accessible by integration", "not allowed", "repo_deployment")
	if StatusCode(err) != 403 {
		t.Errorf("FORBIDDEN status %d", StatusCode(err))
	}
}
