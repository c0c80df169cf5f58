// Package pinned is what promote and rollback share: create's flags but
// --ref and -e, --yes, the summary and question on a terminal, and the new
// deployment printed as create prints it.
package pinned

import (
	"fmt"

	"github.com/cli/go-gh/v2/pkg/repository"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/cmd/deployment/create"
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
	// Request is create's flags as a request (Check): ref and environment
	// are the plan's.
	Request  deploy.CreateRequest
	Exporter *output.Exporter
}

// AddFlags adds the shared flags to c.
func (o *Options) AddFlags(c *cobra.Command) {
	o.Flags.AddFlags(c, create.FlagRef, create.FlagEnvironment)
	c.Flags().BoolVarP(&o.Yes, "yes", "y", false, "Do not ask for confirmation on a terminal")
	cmdutil.AddJSONFlags(c, &o.Exporter, output.FieldsOf(deploy.Deployment{}))
}

// Check settles the flags in RunE: every usage error before anything is
// sent.
func (o *Options) Check(c *cobra.Command) error {
	if err := o.Flags.Check(c); err != nil {
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

// Finish shows the plan's summary and asks (on a terminal, unless --yes),
// then creates the deployment and prints it. Declining creates nothing
// (exit 2, as a cancelled gh prompt).
func (o *Options) Finish(repo repository.Repository, client *ghapi.Client, plan *promote.Plan, summary func() (string, error), question string) error {
	ios := o.IO
	if cmdutil.CanPrompt(ios) && !o.Yes {
		text, err := summary()
		if err != nil {
			return err
		}
		fmt.Fprintln(ios.ErrOut, text)
		if !cmdutil.Confirm(ios, question) {
			fmt.Fprintln(ios.ErrOut, "Cancelled: nothing was created.")
			return &cmdutil.SilentError{Code: cmdutil.ExitUsage}
		}
	}
	// Admission: the deployment to plan.Environment is admitted here,
	// before anything is created.
	d, err := create.Submit(o.Context, &o.APIOptions, client, repo, plan.Request)
	if d == nil {
		return err // nothing was created
	}
	return create.Report(ios, o.Exporter, repo, d, err)
}

// Describe names a deployment in a summary: its short SHA and ID.
func Describe(d *deploy.Deployment) string {
	return fmt.Sprintf("%s (deployment %d)", deploy.ShortSHA(d.SHA), d.ID)
}

// Comparison is a summary's second half: how far head is from base and
// where to see it.
func Comparison(cmp *environment.Comparison) string {
	commits := "commits"
	if cmp.AheadBy == 1 {
		commits = "commit"
	}
	return fmt.Sprintf("%d %s ahead, %d behind\n  %s", cmp.AheadBy, commits, cmp.BehindBy, cmp.URL)
}
