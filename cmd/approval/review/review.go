// Package review is `deployctl approve` and `deployctl reject`: the two verdicts on a workflow run's
// pending deployments share every flag and rule, so one package builds both.
package review

import (
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/approval"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/output"
)

// ReviewOptions are the inputs of `deployctl approve` and `deployctl reject`.
type ReviewOptions struct {
	cmdutil.APIOptions
	State        approval.State
	RunID        int64 // 0 = pick the waiting run
	Environments []string
	Comment      string
	Exporter     *output.Exporter
	// Select asks which run to review when several wait (nil = the terminal's, when one is there).
	Select cmdutil.Selector
}

// NewCmdApprove builds `deployctl approve`.
func NewCmdApprove(f *cmdutil.Factory, runF func(*ReviewOptions) error) *cobra.Command {
	return newCmd(f, runF, approval.Approve)
}

// NewCmdReject builds `deployctl reject`.
func NewCmdReject(f *cmdutil.Factory, runF func(*ReviewOptions) error) *cobra.Command {
	return newCmd(f, runF, approval.Reject)
}

func newCmd(f *cmdutil.Factory, runF func(*ReviewOptions) error, state approval.State) *cobra.Command {
	opts := &ReviewOptions{APIOptions: cmdutil.NewAPIOptions(f), State: state}
	verb, Verb := "approve", "Approve"
	if state == approval.Reject {
		verb, Verb = "reject", "Reject"
	}
	c := &cobra.Command{
		Use:   verb + " [<run-id>]",
		Short: Verb + " a workflow run's deployments waiting for review",
		Long: heredoc.Docf(`
			%[1]s the deployments a GitHub Actions workflow run waits to make to protected
			environments: those named with -e, else every one you are a required
			reviewer of.

			Without a run ID: the only run waiting (for the environments named with -e,
			if any). When several wait, a terminal lets you pick one; off a terminal
			the command lists them and exits 2. Nothing waiting: exit 1.
		`, Verb),
		Example: heredoc.Docf(`
			$ deployctl %[1]s
			$ deployctl %[1]s 8421337 -e production --comment "checked the canary"
		`, verb),
		Args: func(c *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return nil
			case 1:
				id, err := cmdutil.ParseIDOf("run", args[0])
				if err != nil {
					return err
				}
				opts.RunID = id
				return nil
			}
			return cmdutil.Usagef("%s takes at most one run ID, got %d arguments", verb, len(args))
		},
		RunE: func(c *cobra.Command, _ []string) error {
			for _, e := range opts.Environments {
				if strings.TrimSpace(e) == "" {
					return cmdutil.Usagef("--environment must not be empty")
				}
			}
			opts.Context = cmdutil.ContextOf(c)
			if opts.Select == nil && cmdutil.CanPrompt(opts.IO) {
				opts.Select = cmdutil.Select(opts.Context, opts.IO, f.Getenv("ACCESSIBLE") != "")
			}
			if runF != nil {
				return runF(opts)
			}
			return reviewRun(opts)
		},
	}
	opts.Bind(f, c)
	c.Flags().StringArrayVarP(&opts.Environments, "environment", "e", nil, "Review only this `environment` (repeatable)")
	c.Flags().StringVarP(&opts.Comment, "comment", "c", "", "A comment to go with the review")
	cmdutil.AddJSONFlags(c, &opts.Exporter, output.FieldsOf(approval.Pending{}))
	cmdutil.MarkWrite(c, "1")
	return c
}

func reviewRun(opts *ReviewOptions) error {
	repo, client, err := opts.Connect()
	if err != nil {
		return err
	}
	ios := opts.IO
	runID := opts.RunID
	if runID == 0 {
		list, err := approval.List(opts.Context, client, repo)
		if err != nil {
			return err
		}
		runs := approval.Runs(list, opts.Environments)
		switch {
		case len(runs) == 0 && len(opts.Environments) > 0:
			return fmt.Errorf("no workflow run waits for a review of %s in %s/%s", strings.Join(opts.Environments, ", "), repo.Owner, repo.Name)
		case len(runs) == 0:
			return fmt.Errorf("no workflow run waits for a review in %s/%s", repo.Owner, repo.Name)
		case len(runs) == 1:
			runID = runs[0]
		case opts.Select == nil:
			return cmdutil.Usagef("%d workflow runs wait for a review; name one:\n  %s", len(runs), strings.Join(describeRuns(list, runs), "\n  "))
		default:
			i, err := opts.Select("Which run?", describeRuns(list, runs))
			if err != nil {
				return err
			}
			runID = runs[i]
		}
	}
	done, err := approval.Review(opts.Context, client, repo, approval.ReviewRequest{
		RunID: runID, Environments: opts.Environments, State: opts.State, Comment: opts.Comment,
	})
	if errors.Is(err, approval.ErrNothingPending) {
		return fmt.Errorf("%w in run %d", approval.ErrNothingPending, runID)
	}
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(ios, done)
	}
	if !ios.IsStdoutTTY() {
		_, err = fmt.Fprintln(ios.Out, runID)
		return err
	}
	names := make([]string, len(done))
	for i, p := range done {
		names[i] = p.Environment
	}
	verb := "Approved"
	if opts.State == approval.Reject {
		verb = "Rejected"
	}
	_, err = fmt.Fprintf(ios.Out, "%s %s %s in run %d\n", ios.ColorScheme().SuccessIcon(), verb, strings.Join(names, ", "), runID)
	return err
}

// describeRuns is one line per run: "8421337  deploy  main  production, staging".
func describeRuns(list []approval.Pending, runs []int64) []string {
	out := make([]string, len(runs))
	for i, id := range runs {
		var workflow, branch string
		var envs []string
		for _, p := range list {
			if p.RunID == id {
				workflow, branch = p.Workflow, p.Branch
				envs = append(envs, p.Environment)
			}
		}
		out[i] = output.Cell(fmt.Sprintf("%d  %s  %s  %s", id, workflow, branch, strings.Join(envs, ", ")))
	}
	return out
}
