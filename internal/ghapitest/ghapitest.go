// Package ghapitest connects deployctl's GitHub client to the fake GitHub (internal/githubtest) for the tests
// of packages that take a *ghapi.Client, with no environment or gh config read.
package ghapitest

import (
	"testing"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

// Client is a client of gh acting with token ("" = githubtest.DefaultToken).
func Client(tb testing.TB, gh *githubtest.Server, token string) *ghapi.Client {
	tb.Helper()
	if token == "" {
		token = githubtest.DefaultToken
	}
	t, err := ghapi.Resolve("github.com", func(k string) string {
		return map[string]string{"GITHUB_API_URL": gh.URL(), "GH_TOKEN": token}[k]
	})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := ghapi.NewClient(t, ghapi.ClientOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
