package cmd

import (
	"context"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// apiOptions are the dependencies of every command that talks to GitHub.
// Tests fill them directly; NewCmd* fill them from the Factory.
type apiOptions struct {
	IO       *iostreams.IOStreams
	Getenv   func(string) string
	Now      func() time.Time
	RepoFlag string
	// BaseRepo resolves the repository (after flags and config are applied).
	BaseRepo func() (repository.Repository, error)
	// Client builds the API client for a host.
	Client func(host string) (*ghapi.Client, error)
}

func newAPIOptions(f *Factory) apiOptions {
	return apiOptions{IO: f.IOStreams, Getenv: f.Getenv, Now: f.Now, Client: f.Client}
}

// bind adds --repo and makes BaseRepo read it.
func (o *apiOptions) bind(f *Factory, c *cobra.Command) {
	c.Flags().StringVarP(&o.RepoFlag, "repo", "R", "", "Select another repository using the `[HOST/]OWNER/REPO` format")
	o.BaseRepo = func() (repository.Repository, error) { return f.Repo(o.RepoFlag) }
}

// connect resolves the repository and a client for its host: both errors
// (usage, auth) come before any request.
func (o *apiOptions) connect() (repository.Repository, *ghapi.Client, error) {
	repo, err := o.BaseRepo()
	if err != nil {
		return repo, nil, err
	}
	c, err := o.Client(repo.Host)
	return repo, c, err
}

func contextOf(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
