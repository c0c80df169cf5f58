package wait

import (
	"fmt"
	"strings"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/watch"
)

// progress shows a wait on stderr: on a terminal one line, redrawn after
// every poll; elsewhere one line per change, for a log.
type progress struct {
	ios    *iostreams.IOStreams
	target watch.Target
	live   bool
	drawn  bool // a live line is on screen
	last   watch.Update
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

func (p *progress) update(u watch.Update) {
	p.last = u
	switch {
	case p.live:
		fmt.Fprint(p.ios.ErrOut, clearLine+p.line(u))
		p.drawn = true
	case u.Changed:
		fmt.Fprintln(p.ios.ErrOut, p.line(u))
	}
}

// line is what a poll found: the deployment and its state, or what is
// being waited for, with the time waited.
func (p *progress) line(u watch.Update) string {
	return fmt.Sprintf("%s (%s)", p.subject(u), elapsed(u.Elapsed))
}

func (p *progress) subject(u watch.Update) string {
	if u.Deployment == nil {
		return "Waiting for " + p.wanted()
	}
	state := u.State
	if state == "" {
		state = "no status yet"
	}
	if p.live {
		state = p.ios.ColorScheme().State(state)
	}
	return fmt.Sprintf("%s: %s", describe(u.Deployment), state)
}

// wanted is the target while no deployment matches it. Names from the
// command line or GitHub are shown as table cells are: one line, escaped.
func (p *progress) wanted() string {
	s := "a deployment to " + output.Cell(p.target.Environment)
	switch {
	case p.target.SHA != "":
		s += " of " + deploy.ShortSHA(p.target.SHA)
	case p.target.Ref != "":
		s += " of " + output.Cell(p.target.Ref)
	}
	return s
}

func describe(d *deploy.Deployment) string {
	ref := deploy.ShortSHA(d.SHA)
	if d.Ref != "" && !strings.HasPrefix(d.SHA, d.Ref) {
		ref = d.Ref + " " + ref
	}
	return fmt.Sprintf("Deployment %d (%s) to %s", d.ID, output.Cell(ref), output.Cell(d.Environment))
}

func elapsed(d time.Duration) string { return d.Round(time.Second).String() }

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.ios.ErrOut, clearLine)
		p.drawn = false
	}
}

// end replaces the live line with how the wait ended; off a terminal the
// last change is already logged, and only a failure or a timeout adds a line.
func (p *progress) end(res *watch.Result, timedOut bool, timeout time.Duration) {
	p.clear()
	cs := p.ios.ColorScheme()
	u := p.last
	switch {
	case timedOut && u.Deployment == nil:
		fmt.Fprintf(p.ios.ErrOut, "Timed out after %s: no deployment to %s yet\n", timeout, strings.TrimPrefix(p.wanted(), "a deployment to "))
	case timedOut:
		fmt.Fprintf(p.ios.ErrOut, "Timed out after %s: %s\n", timeout, p.subject(u))
	case res.Succeeded:
		if p.live {
			fmt.Fprintf(p.ios.ErrOut, "%s %s\n", cs.SuccessIcon(), p.line(u))
		}
	default:
		if p.live {
			fmt.Fprintf(p.ios.ErrOut, "%s %s\n", cs.Red("X"), p.line(u))
		}
		how := "ended in " + u.State
		if u.State == "inactive" {
			how = "became inactive without a success"
		}
		fmt.Fprintf(p.ios.ErrOut, "Deployment %d %s\n", res.Deployment.ID, how)
	}
}
