// Package pinned is what promote and rollback share: create's flags but
// --ref and -e, --yes, --wait, the summary and question on a terminal, and
// the new deployment printed (and waited for) as create does it.
package pinned

import (
	"context"
	"errors"
	"fmt"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/create"
	"github.com/deployctl/gh-deployctl/cmd/deployment/wait"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/environment"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/promote"
)

// Options are the inputs promote and rollback share.
type Options struct {
	cmdutil.APIOptions
	create.Flags
	// Yes skips the question on a terminal.
	Yes bool
	// After is --wait: follow the new deployment to a final state.
	After wait.After
	// Request is create's flags as a request (Check): ref and environment
	// are the plan's.
	Request  deploy.CreateRequest
	Exporter *output.Exporter
}

// AddFlags adds the shared flags to c.
func (o *Options) AddFlags(c *cobra.Command) {
	o.Flags.AddFlags(c, create.FlagRef, create.FlagEnvironment)
	o.Flags.Terminal = o.IO // --payload - on a terminal is announced
	c.Flags().BoolVarP(&o.Yes, "yes", "y", false, "Do not ask for confirmation on a terminal")
	o.After.AddFlags(c)
	cmdutil.AddJSONFlags(c, &o.Exporter, output.FieldsOf(deploy.Deployment{}))
}

// Check settles the flags in RunE: every usage error before anything is
// sent.
func (o *Options) Check(c *cobra.Command) error {
	if err := o.Flags.Check(c); err != nil {
		return err
	}
	if err := o.After.Check(c); err != nil {
		return err
	}
	req, err := o.PinnedRequest(o.IO.In)
	if err != nil {
		return err
	}
	if err := promote.CheckPayload(req.Payload); err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	o.Request = req
	return nil
}

// Planner makes the plan of a promote or a rollback.
type Planner func(ctx context.Context, c *ghapi.Client, repo repository.Repository) (*promote.Plan, error)

// Wording is how a plan is shown on a terminal: the summary's first half
// (what runs where; the comparison of the environment's active SHA with the
// plan's follows) and the question.
type Wording func(p *promote.Plan) (summary, question string)

// Run makes the plan, shows its summary and asks (on a terminal, unless
// --yes), then creates the deployment and prints it as create does.
// Nothing to promote or roll back to, or a no, creates nothing (exit 1; 2
// for a no, as a cancelled gh prompt).
func (o *Options) Run(plan Planner, wording Wording) error {
	repo, client, err := o.Connect()
	if err != nil {
		return err
	}
	p, err := plan(o.Context, client, repo)
	var nothing *promote.NothingError
	if errors.As(err, &nothing) {
		return fmt.Errorf("%w; nothing was created", err)
	}
	if err != nil {
		return err
	}
	// Admission: the deployment to p.Environment is admitted here, before
	// anything is created or asked (a locked environment: no question).
	if err := create.Admit(o.Context, &o.APIOptions, client, repo, p.Request.Environment, o.IgnoreLock); err != nil {
		return err
	}
	ios := o.IO
	if cmdutil.CanPrompt(ios) && !o.Yes {
		summary, question := wording(p)
		if p.Active != nil {
			cmp, err := environment.Compare(o.Context, client, repo, p.Active.SHA, p.Source.SHA)
			if err != nil {
				return err
			}
			summary += ": " + comparison(cmp)
		}
		fmt.Fprintln(ios.ErrOut, summary)
		if !cmdutil.Confirm(ios, question) {
			fmt.Fprintln(ios.ErrOut, "Cancelled: nothing was created.")
			return &cmdutil.SilentError{Code: cmdutil.ExitUsage}
		}
	}
	d, err := create.Submit(o.Context, &o.APIOptions, client, repo, p.Request)
	if d == nil {
		return err // nothing was created
	}
	return create.Conclude(&o.APIOptions, &o.After, o.Exporter, client, repo, d, err)
}

// Describe names a deployment in a summary: its short SHA and ID.
func Describe(d *deploy.Deployment) string {
	return fmt.Sprintf("%s (deployment %d)", deploy.ShortSHA(d.SHA), d.ID)
}

// comparison is a summary's second half: how far head is from base and
// where to see it.
func comparison(cmp *environment.Comparison) string {
	return fmt.Sprintf("%s\n  %s", cmp.Counts(), cmp.URL)
}
