// Package create is `deployctl create`: create a deployment. Its flags
// (Flags) are shared by the commands that create deployments too.
package create

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// CreateOptions are the inputs of `deployctl create`.
type CreateOptions struct {
	cmdutil.APIOptions
	Flags
	Exporter *output.Exporter
}

// NewCmdCreate builds `deployctl create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a deployment",
		Long: heredoc.Doc(`
			Create a deployment of a ref to an environment.

			The ref defaults to GITHUB_SHA inside GitHub Actions, else the current git
			branch. Off a terminal the new deployment's ID is printed alone; inside
			GitHub Actions it is also written to $GITHUB_OUTPUT as deployment-id.
		`),
		Example: heredoc.Doc(`
			$ deployctl create --ref main --environment staging
			$ deployctl create --ref v1.2.0 --payload '{"migrate": true}' --skip-checks
			$ id=$(deployctl create --ref "$GITHUB_SHA")
		`),
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Flags.Check(c); err != nil {
				return err
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	opts.Bind(f, c)
	opts.AddFlags(c)
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(deploy.Deployment{}))
	return c
}

// Request is the deployment request the options stand for.
func (opts *CreateOptions) Request() (deploy.CreateRequest, error) {
	return opts.Flags.Request(opts.Getenv, opts.IO.In)
}

func createRun(opts *CreateOptions) error {
	req, err := opts.Request()
	if err != nil {
		return err
	}
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	d, err := Submit(opts.Context, &opts.APIOptions, client, repo, req)
	if err != nil {
		return err
	}
	ios := opts.IO
	switch {
	case opts.Exporter != nil:
		return opts.Exporter.Write(ios, d)
	case ios.IsStdoutTTY():
		cs := ios.ColorScheme()
		_, err = fmt.Fprintf(ios.Out, "%s Created deployment %s of %s (%s) to %s in %s/%s\n", cs.SuccessIcon(),
			cs.Bold(fmt.Sprint(d.ID)), d.Ref, deploy.ShortSHA(d.SHA), d.Environment, repo.Owner, repo.Name)
	default:
		_, err = fmt.Fprintln(ios.Out, d.ID)
	}
	return err
}

// Submit creates the deployment as create does, for every command that
// creates one: GitHub's 202 (auto-merge) said on stderr, a 409 with the
// hint that can fix it, deployment-id in $GITHUB_OUTPUT inside Actions.
func Submit(ctx context.Context, opts *cmdutil.APIOptions, client *ghapi.Client, repo repository.Repository, req deploy.CreateRequest) (*deploy.Deployment, error) {
	req.OnAutoMerge = func(msg string) {
		fmt.Fprintf(opts.IO.ErrOut, "GitHub answered 202: %s. Creating the deployment once more.\n", msg)
	}
	d, err := deploy.Create(ctx, client, repo, req)
	var apiErr *ghapi.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusConflict {
		apiErr.Hint = "To deploy anyway, use --skip-checks, or name the contexts that must pass with --required-contexts."
		return nil, fmt.Errorf("create deployment: %w", apiErr)
	}
	if err != nil {
		return nil, err
	}
	if err := writeGitHubOutput(opts.Getenv, d.ID); err != nil {
		return d, err
	}
	return d, nil
}

// writeGitHubOutput sets the step output deployment-id inside GitHub Actions.
func writeGitHubOutput(getenv func(string) string, id int64) error {
	path := getenv("GITHUB_OUTPUT")
	if getenv("GITHUB_ACTIONS") != "true" || path == "" {
		return nil
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write GITHUB_OUTPUT: %w", err)
	}
	_, err = fmt.Fprintf(fh, "deployment-id=%d\n", id)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write GITHUB_OUTPUT: %w", err)
	}
	return nil
}
