// Package ghapitest gives tests a ghapi.Client for the fake GitHub
// (internal/githubtest), resolved as deployctl resolves a real one
// (GITHUB_API_URL and GH_TOKEN) without reading the developer's
// environment.
package ghapitest

import (
	"testing"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

// Client is a client of gh with its DefaultToken.
func Client(tb testing.TB, gh *githubtest.Server) *ghapi.Client {
	tb.Helper()
	t, err := ghapi.Resolve("github.com", func(k string) string {
		return map[string]string{"GITHUB_API_URL": gh.URL(), "GH_TOKEN": githubtest.DefaultToken}[k]
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
