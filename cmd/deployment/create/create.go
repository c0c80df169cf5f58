// Package create is `deployctl create`: create a deployment. Its flags
// (Flags) are shared by the commands that create deployments too.
package create

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/wait"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// CreateOptions are the inputs of `deployctl create`.
type CreateOptions struct {
	cmdutil.APIOptions
	Flags
	// After is --wait: follow the new deployment to a final state.
	After    wait.After
	Exporter *output.Exporter
}

// NewCmdCreate builds `deployctl create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{APIOptions: cmdutil.NewAPIOptions(f)}
	opts.Flags.Terminal = f.IOStreams
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
			$ deployctl create --ref main -e staging --wait --timeout 15m
		`),
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Flags.Check(c); err != nil {
				return err
			}
			if err := opts.After.Check(c); err != nil {
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
	opts.After.AddFlags(c)
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(deploy.Deployment{}))
	cmdutil.MarkWrite(c, "--ref main")
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
	if err := Admit(opts.Context, &opts.APIOptions, client, repo, req.Environment, opts.IgnoreLock); err != nil {
		return err
	}
	d, err := Submit(opts.Context, &opts.APIOptions, client, repo, req)
	if d == nil {
		return err // nothing was created
	}
	return Conclude(&opts.APIOptions, &opts.After, opts.Exporter, client, repo, d, err)
}

// Conclude is what create does once Submit created d (err: Submit's
// error), for every command that creates a deployment: print it whatever
// failed after, and with --wait follow it (--json then prints the
// deployment when the wait ends).
func Conclude(opts *cmdutil.APIOptions, after *wait.After, exporter *output.Exporter, client *ghapi.Client, repo repository.Repository, d *deploy.Deployment, err error) error {
	if !after.Wait || err != nil {
		return Report(opts.IO, exporter, repo, d, err)
	}
	if exporter == nil {
		if err := Report(opts.IO, nil, repo, d, nil); err != nil {
			return err
		}
	}
	return after.Follow(opts, client, repo, d, exporter)
}

// Report prints a deployment that Submit created, as create does, and
// returns Submit's error, or one that names the deployment when printing
// failed: GitHub has it whatever failed after.
func Report(ios *iostreams.IOStreams, exporter *output.Exporter, repo repository.Repository, d *deploy.Deployment, submitErr error) error {
	err := Print(ios, exporter, repo, d)
	if submitErr != nil {
		return submitErr
	}
	return cmdutil.AfterWrite(created(d, repo), err)
}

// Print shows a new deployment as create does: the --json fields, a line
// naming it on a TTY, its ID alone off one.
func Print(ios *iostreams.IOStreams, exporter *output.Exporter, repo repository.Repository, d *deploy.Deployment) error {
	var err error
	switch {
	case exporter != nil:
		err = exporter.Write(ios, d)
	case ios.IsStdoutTTY():
		cs := ios.ColorScheme()
		_, err = fmt.Fprintf(ios.Out, "%s Created deployment %s of %s to %s in %s/%s\n", cs.SuccessIcon(),
			cs.Bold(fmt.Sprint(d.ID)), deploy.RefAndSHA(d.Ref, d.SHA), d.Environment, repo.Owner, repo.Name)
	default:
		_, err = fmt.Fprintln(ios.Out, d.ID)
	}
	return err
}

// conflictHint answers GitHub's two 409s: failed commit status checks
// ("Conflict: Commit status checks failed for main.") can be skipped; a
// merge conflict of --auto-merge ("Conflict merging main into topic.")
// cannot, and skipping checks would not help.
func conflictHint(message, ref string) string {
	if strings.Contains(strings.ToLower(message), "merging") {
		return fmt.Sprintf("GitHub could not merge the default branch into %s (--auto-merge): resolve the conflict in %s, or deploy without --auto-merge.", ref, ref)
	}
	return "To deploy anyway, use --skip-checks, or name the contexts that must pass with --required-contexts."
}

func created(d *deploy.Deployment, repo repository.Repository) string {
	return fmt.Sprintf("created deployment %d in %s/%s", d.ID, repo.Owner, repo.Name)
}

// Submit creates the deployment as create does, for every command that
// creates one: GitHub's 202 (auto-merge) said on stderr, a 409 with the
// hint that can fix it, deployment-id in $GITHUB_OUTPUT inside Actions.
//
// $GITHUB_OUTPUT is checked before the request. When GitHub created the
// deployment and a later step failed, it returns the deployment and an
// error that names it.
func Submit(ctx context.Context, opts *cmdutil.APIOptions, client *ghapi.Client, repo repository.Repository, req deploy.CreateRequest) (*deploy.Deployment, error) {
	ghOutput := cmdutil.NewGitHubOutput(opts.Getenv)
	if err := ghOutput.Check(); err != nil {
		return nil, err
	}
	req.OnAutoMerge = func(msg string) {
		fmt.Fprintf(opts.IO.ErrOut, "GitHub answered 202: %s. Creating the deployment once more.\n", msg)
	}
	d, err := deploy.Create(ctx, client, repo, req)
	var apiErr *ghapi.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusConflict {
		apiErr.Hint = conflictHint(apiErr.Message, req.Ref)
		return nil, fmt.Errorf("create deployment: %w", apiErr)
	}
	if err != nil {
		return nil, err
	}
	if err := ghOutput.Set("deployment-id", fmt.Sprint(d.ID)); err != nil {
		return d, cmdutil.AfterWrite(created(d, repo), err)
	}
	return d, nil
}
