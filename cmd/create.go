package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// CreateOptions are the inputs of `deployctl create`.
type CreateOptions struct {
	apiOptions
	Ref              string
	Environment      string
	Task             string
	Description      string
	Payload          string
	AutoMerge        bool
	RequiredContexts []string
	SkipChecks       bool
	Transient        *bool
	Production       *bool
	Exporter         *output.Exporter
	// CurrentBranch is the ref used when neither --ref nor GITHUB_SHA is set.
	CurrentBranch func() (string, error)
}

// NewCmdCreate builds `deployctl create`.
func NewCmdCreate(f *Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{apiOptions: newAPIOptions(f), CurrentBranch: gitCurrentBranch}
	var transient, production bool
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
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("transient") {
				opts.Transient = &transient
			}
			if c.Flags().Changed("production") {
				opts.Production = &production
			}
			if opts.SkipChecks && c.Flags().Changed("required-contexts") {
				// One given on the command line (or in the environment)
				// overrides the other's default from the config file.
				switch skip, contexts := flagSource(c, "skip-checks"), flagSource(c, "required-contexts"); {
				case skip > contexts:
					opts.RequiredContexts = nil
				case contexts > skip:
					opts.SkipChecks = false
				default:
					return usageErrorf("specify only one of `--skip-checks` or `--required-contexts`")
				}
			}
			if runF != nil {
				return runF(contextOf(c), opts)
			}
			return createRun(contextOf(c), opts)
		},
	}
	opts.bind(f, c)
	fl := c.Flags()
	fl.StringVar(&opts.Ref, "ref", "", "The `ref` to deploy: a branch, tag or SHA (default: GITHUB_SHA in Actions, else the current branch)")
	fl.StringVarP(&opts.Environment, "environment", "e", "production", "Target `environment`")
	fl.StringVar(&opts.Task, "task", "deploy", "The `task` to run, e.g. deploy or deploy:migrations")
	fl.StringVarP(&opts.Description, "description", "d", "", "Short `description` of the deployment")
	fl.StringVar(&opts.Payload, "payload", "", "Extra `JSON` for the deployment system (@FILE reads a file, - reads stdin)")
	fl.BoolVar(&opts.AutoMerge, "auto-merge", false, "Let GitHub merge the default branch into the ref before deploying")
	fl.StringSliceVar(&opts.RequiredContexts, "required-contexts", nil, "Status `contexts` that must pass (default: all)")
	fl.BoolVar(&opts.SkipChecks, "skip-checks", false, "Deploy without checking commit statuses (sends required_contexts: [])")
	fl.BoolVar(&transient, "transient", false, "Mark the environment as transient (sent only when given)")
	fl.BoolVar(&production, "production", false, "Mark the environment as a production environment (sent only when given)")
	addJSONFlags(c, &opts.Exporter, output.FieldsOf(deploy.Deployment{}))
	return c
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	req, err := opts.request()
	if err != nil {
		return err
	}
	repo, client, err := opts.connect()
	if err != nil {
		return err
	}
	ios := opts.IO
	req.OnAutoMerge = func(msg string) {
		fmt.Fprintf(ios.ErrOut, "GitHub answered 202: %s. Creating the deployment once more.\n", msg)
	}
	d, err := deploy.Create(ctx, client, repo, req)
	var apiErr *ghapi.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusConflict {
		apiErr.Hint = "To deploy anyway, use --skip-checks, or name the contexts that must pass with --required-contexts."
		return fmt.Errorf("create deployment: %w", apiErr)
	}
	if err != nil {
		return err
	}
	if err := writeGitHubOutput(opts.Getenv, d.ID); err != nil {
		return err
	}
	switch {
	case opts.Exporter != nil:
		return opts.Exporter.Write(ios, d)
	case ios.IsStdoutTTY():
		cs := ios.ColorScheme()
		_, err = fmt.Fprintf(ios.Out, "%s Created deployment %s of %s (%s) to %s in %s/%s\n", cs.SuccessIcon(),
			cs.Bold(fmt.Sprint(d.ID)), d.Ref, output.ShortSHA(d.SHA), d.Environment, repo.Owner, repo.Name)
	default:
		_, err = fmt.Fprintln(ios.Out, d.ID)
	}
	return err
}

// request turns the options into a deployment request; every problem is a
// usage error found before anything is sent.
func (opts *CreateOptions) request() (deploy.CreateRequest, error) {
	req := deploy.CreateRequest{
		Ref:         opts.Ref,
		Task:        opts.Task,
		Environment: opts.Environment,
		Description: opts.Description,
		AutoMerge:   opts.AutoMerge,
		Transient:   opts.Transient,
		Production:  opts.Production,
	}
	switch {
	case opts.SkipChecks:
		req.RequiredContexts = &[]string{}
	case opts.RequiredContexts != nil:
		req.RequiredContexts = &opts.RequiredContexts
	}
	if opts.Payload != "" {
		p, err := readPayload(opts.Payload, opts.IO.In)
		if err != nil {
			return req, &UsageError{Err: err}
		}
		req.Payload = p
	}
	if req.Ref == "" {
		ref, err := defaultRef(opts.Getenv, opts.CurrentBranch)
		if err != nil {
			return req, err
		}
		req.Ref = ref
	}
	if err := req.Validate(); err != nil {
		return req, &UsageError{Err: err}
	}
	return req, nil
}

func readPayload(arg string, stdin io.Reader) (json.RawMessage, error) {
	var raw []byte
	var err error
	source := "--payload"
	switch {
	case arg == "-":
		raw, err = io.ReadAll(stdin)
		source = "--payload from stdin"
	case strings.HasPrefix(arg, "@"):
		raw, err = os.ReadFile(arg[1:])
		source = "--payload file " + arg[1:]
	default:
		raw = []byte(arg)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", source, err)
	}
	compact, _ := json.Marshal(v)
	return compact, nil
}

// defaultRef is GITHUB_SHA inside GitHub Actions, else the current branch.
func defaultRef(getenv func(string) string, currentBranch func() (string, error)) (string, error) {
	if getenv("GITHUB_ACTIONS") == "true" && getenv("GITHUB_SHA") != "" {
		return getenv("GITHUB_SHA"), nil
	}
	if currentBranch != nil {
		if b, err := currentBranch(); err == nil && b != "" && b != "HEAD" {
			return b, nil
		}
	}
	return "", usageErrorf("no ref to deploy: pass --ref (there is no GITHUB_SHA and no current git branch)")
}

func gitCurrentBranch() (string, error) {
	out, err := exec.Command("git", "symbolic-ref", "--quiet", "--short", "HEAD").Output()
	return strings.TrimSpace(string(out)), err
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
