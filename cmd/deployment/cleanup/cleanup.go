// Package cleanup is what deactivate, delete and prune share: the pace and confirmation flags, the
// question, the progress bar, and the summary they print.
package cleanup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/prune"
)

// Options are the flags every cleanup command has.
type Options struct {
	cmdutil.APIOptions
	Yes      bool
	Rate     int
	Exporter *output.Exporter
	// Sleep replaces the executor's waits (tests).
	Sleep func(ctx context.Context, d time.Duration) error
}

// AddFlags adds --yes, --rate and the JSON flags (fields of prune.Item).
func (o *Options) AddFlags(c *cobra.Command) {
	c.Flags().BoolVarP(&o.Yes, "yes", "y", false, "Do not ask for confirmation on a terminal")
	c.Flags().IntVar(&o.Rate, "rate", prune.DefaultPerMinute,
		"Send at most `N` writes a minute, evenly spaced (0: no pacing; GitHub allows 80 content-creating requests a minute)")
	cmdutil.AddJSONFlags(c, &o.Exporter, output.FieldsOf(prune.Item{}))
}

// Check refuses what can be told wrong before anything is sent: a negative rate, and a command that would
// delete or deactivate off a terminal without --yes.
func (o *Options) Check(c *cobra.Command, dryRun bool) error {
	if o.Rate < 0 {
		return cmdutil.Usagef("--rate must be 0 or more, got %d", o.Rate)
	}
	if !dryRun && !o.Yes && !cmdutil.CanPrompt(o.IO) {
		return cmdutil.Usagef("%s changes deployments: pass --yes to do it off a terminal (nothing was sent)", c.Name())
	}
	return nil
}

// Ask puts question on a terminal unless --yes was given; no is a usage error (exit 2), nothing sent.
func (o *Options) Ask(question string) error {
	if o.Yes {
		return nil
	}
	if !cmdutil.Confirm(o.IO, question) {
		return cmdutil.Usagef("nothing was changed")
	}
	return nil
}

// Execute runs the plan's writes with the flags' pace, a progress bar on a terminal (stderr), and a line
// on stderr whenever GitHub's limits make it wait.
func (o *Options) Execute(e *prune.Executor, p prune.Plan) ([]prune.Item, error) {
	ios := o.IO
	e.PerMinute, e.Sleep = o.Rate, o.Sleep
	total := 0
	for _, it := range p.Items {
		if len(it.Writes) > 0 {
			total++
		}
	}
	var bar *progressbar.ProgressBar
	if ios.IsStderrTTY() && total > 1 {
		bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(ios.ErrOut), progressbar.OptionShowCount(),
			progressbar.OptionSetDescription("Cleaning up"), progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetWidth(30))
		e.Progress = func(done, _ int) { _ = bar.Set(done) }
	}
	e.OnWait = func(d time.Duration, why string) {
		if bar != nil {
			_ = bar.Clear()
		}
		fmt.Fprintf(ios.ErrOut, "Waiting %s: %s.\n", d.Round(time.Second), why)
	}
	items, err := e.Run(o.Context, p)
	if bar != nil {
		_ = bar.Finish()
	}
	return items, err
}

// Report prints the items (--json) or the summary, then the errors on stderr. It returns an error (exit 1)
// when a deployment failed or the run stopped early (runErr).
func (o *Options) Report(items []prune.Item, dryRun bool, already int, runErr error) error {
	ios := o.IO
	if o.Exporter != nil {
		if err := o.Exporter.Write(ios, items); err != nil {
			return err
		}
	} else if _, err := io.WriteString(ios.Out, Summary(items, dryRun, already)+"\n"); err != nil {
		return err
	}
	failed := 0
	for _, it := range items {
		if it.Error != "" && !errors.Is(runErr, context.Canceled) {
			failed++
			fmt.Fprintln(ios.ErrOut, it.Error)
		}
	}
	switch {
	case runErr != nil && errors.Is(runErr, context.Canceled):
		return fmt.Errorf("interrupted; run the same command again to finish: %w", runErr)
	case runErr != nil:
		return runErr
	case failed > 0:
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	return nil
}

// Summary is one line: what was (or would be, in a dry run) deactivated, deleted and kept.
func Summary(items []prune.Item, dryRun bool, already int) string {
	counts := map[prune.Action]int{}
	envs := map[string]bool{}
	failed := 0
	for _, it := range items {
		if it.Error != "" {
			failed++
			continue
		}
		if !dryRun && !it.Done && len(it.Writes) > 0 {
			continue // not reached before the run stopped
		}
		counts[it.Action]++
		if it.Action != prune.Kept {
			envs[it.Environment] = true
		}
	}
	var parts []string
	verb := func(past, future string, n int) {
		if n == 0 {
			return
		}
		w := past
		if dryRun {
			w = "would " + future
		}
		parts = append(parts, fmt.Sprintf("%s %d", w, n))
	}
	verb("deleted", "delete", counts[prune.Deleted])
	verb("deactivated", "deactivate", counts[prune.Deactivated])
	if len(parts) == 0 {
		parts = append(parts, "nothing to clean up")
	}
	s := strings.Join(parts, ", ")
	s = strings.ToUpper(s[:1]) + s[1:]
	if n := len(envs); n > 0 {
		s += fmt.Sprintf(" deployment%s in %d environment%s", plural(counts[prune.Deleted]+counts[prune.Deactivated]), n, plural(n))
	}
	var extra []string
	if n := counts[prune.Kept]; n > 0 && dryRun {
		extra = append(extra, fmt.Sprintf("keeping %d", n))
	} else if n > 0 {
		extra = append(extra, fmt.Sprintf("kept %d", n))
	}
	if already > 0 {
		extra = append(extra, fmt.Sprintf("%d already inactive", already))
	}
	if failed > 0 {
		extra = append(extra, fmt.Sprintf("%d failed", failed))
	}
	if len(extra) > 0 {
		s += "; " + strings.Join(extra, ", ")
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
