package cmdutil

import (
	"context"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// APIOptions are the dependencies of every command that talks to GitHub.
// Tests fill them directly; NewCmd* fill them from the Factory.
type APIOptions struct {
	// Context is the command's (set in RunE from ContextOf): Ctrl-C
	// cancels it.
	Context context.Context
	IO      *iostreams.IOStreams
	Getenv  func(string) string
	// LookupEnv tells set-but-empty from unset (GH_PAGER=""); may be nil.
	LookupEnv func(string) (string, bool)
	Now       func() time.Time
	RepoFlag  string
	// BaseRepo resolves the repository (after flags and config are applied).
	BaseRepo func() (repository.Repository, error)
	// Client builds the API client for a host.
	Client func(host string) (*ghapi.Client, error)
}

// NewAPIOptions takes the dependencies from the Factory; Bind adds --repo.
func NewAPIOptions(f *Factory) APIOptions {
	return APIOptions{Context: context.Background(), IO: f.IOStreams, Getenv: f.Getenv, LookupEnv: f.Lookup, Now: f.Now, Client: f.Client}
}

// Bind adds -R/--repo to c and makes BaseRepo read it.
func (o *APIOptions) Bind(f *Factory, c *cobra.Command) {
	c.Flags().StringVarP(&o.RepoFlag, "repo", "R", "", "Select another repository using the `[HOST/]OWNER/REPO` format")
	o.BaseRepo = func() (repository.Repository, error) { return f.Repo(o.RepoFlag) }
}

// Connect resolves the repository and a client for its host: both errors
// (usage, auth) come before any request.
func (o *APIOptions) Connect() (repository.Repository, *ghapi.Client, error) {
	repo, err := o.BaseRepo()
	if err != nil {
		return repo, nil, err
	}
	c, err := o.Client(repo.Host)
	return repo, c, err
}

// ContextOf is the command's context (Background when run without one, as
// tests do).
func ContextOf(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
