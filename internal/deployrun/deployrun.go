// Package deployrun is `deployctl run`: take a deployment (fetched, read
// from the workflow's event, or created), mark it in_progress, run the
// deploy command through internal/runner with stdio passed through, and
// record the outcome as its final status. A deployment it has taken is
// never left in_progress: whatever ends the run (the command, --timeout,
// SIGINT/SIGTERM), a final status is posted within a bounded time.
package deployrun

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/runner"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// Options is one run.
type Options struct {
	Client *ghapi.Client
	Repo   repository.Repository
	// Take returns the deployment to run: fetched by ID, read from the
	// event, or created (after the admission checks). A signal cancels
	// its ctx.
	Take func(ctx context.Context) (*deploy.Deployment, error)

	Argv           []string
	LogURL         string // in_progress's and the final status's log URL, and DEPLOY_LOG_URL
	EnvironmentURL string // the success status's environment URL; "" takes what the command wrote to its file
	Timeout        time.Duration
	KillGrace      time.Duration // between the signal (or TERM) and KILL; default 5 s
	Stdin          io.Reader
	Stdout, Stderr io.Writer // the command's; deployctl's own lines go to Notes
	Notes          io.Writer

	// Signals are the SIGINT and SIGTERM deployctl receives: before the
	// command starts the first one cancels what is in flight; while it
	// runs each is forwarded to its process group (see runner.Spec).
	Signals <-chan os.Signal
	// FinalTimeout bounds posting the final status (default 2 min, retries
	// included); InterruptedFinalTimeout bounds it after a signal (default
	// 5 s: GitHub Actions kills a cancelled step about 10 s after its
	// first signal).
	FinalTimeout            time.Duration
	InterruptedFinalTimeout time.Duration
}

// Result is how a run ended.
type Result struct {
	// Deployment is the deployment taken, nil when none was.
	Deployment *deploy.Deployment
	// Ran reports that the command was started (Run is its result).
	Ran bool
	Run runner.Result
	// State and Description are the final status decided (empty when no
	// deployment was taken); Final is it as GitHub recorded it, nil when
	// it could not be posted (FinalErr says why).
	State       status.State
	Description string
	Final       *status.Status
	FinalErr    error
	// Interrupted is the first signal received, nil when none.
	Interrupted os.Signal
	// Err is why the command was not run (no deployment, in_progress
	// refused), nil when it ran or was interrupted before it could.
	Err error
	// ExitStatus is deployctl's exit status: the command's own, 124 after
	// the timeout, 126/127 when it cannot be executed / is not found, 128+N
	// after signal N, 1 when the final status could not be recorded
	// although the command succeeded, or when it did not run (Err).
	ExitStatus int
}

// Run runs o. Only o.Signals interrupt it: ctx's cancellation is ignored,
// since deployctl's context is cancelled by the same signals, and a run
// must still post its final status then.
func Run(ctx context.Context, o Options) Result {
	ctx = context.WithoutCancel(ctx)
	if o.KillGrace == 0 {
		o.KillGrace = 5 * time.Second
	}
	if o.FinalTimeout == 0 {
		o.FinalTimeout = 2 * time.Minute
	}
	if o.InterruptedFinalTimeout == 0 {
		o.InterruptedFinalTimeout = 5 * time.Second
	}
	in := newInterrupts(ctx, o.Signals)
	defer in.close()

	var res Result
	d, err := o.Take(in.ctx)
	if err != nil {
		if sig := in.signal(); sig != nil {
			notef(o.Notes, "deployctl: interrupted by %s before the deployment was ready; nothing was run", runner.SignalName(sig))
			return interrupted(res, sig)
		}
		res.Err, res.ExitStatus = err, 1
		return res
	}
	res.Deployment = d
	notef(o.Notes, "deployctl: deployment %d of %s to %s in %s/%s: running %s", d.ID, deploy.RefAndSHA(d.Ref, d.SHA), d.Environment, o.Repo.Owner, o.Repo.Name, filepath.Base(o.Argv[0]))

	_, err = status.Set(in.ctx, o.Client, o.Repo, d.ID, status.SetRequest{
		State: status.InProgress, LogURL: o.LogURL,
		Description: runner.Starting(d.SHA, o.Argv),
	})
	switch {
	case in.signal() != nil:
		sig := in.signal()
		res.State, res.Description = status.Error, fmt.Sprintf("Interrupted by %s before the deploy command started", runner.SignalName(sig))
		o.finish(ctx, &res, o.InterruptedFinalTimeout)
		return interrupted(res, sig)
	case err != nil:
		res.Err, res.ExitStatus = fmt.Errorf("the command was not run: %w", err), 1
		return res
	}

	fwd, ok := in.start()
	if !ok {
		sig := in.signal()
		res.State, res.Description = status.Error, fmt.Sprintf("Interrupted by %s before the deploy command started", runner.SignalName(sig))
		o.finish(ctx, &res, o.InterruptedFinalTimeout)
		return interrupted(res, sig)
	}
	res.Ran = true
	res.Run = runner.Run(ctx, runner.Spec{
		Argv: o.Argv, Env: runner.Env(o.Repo.Owner+"/"+o.Repo.Name, *d, o.LogURL),
		Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr,
		Timeout: o.Timeout, KillGrace: o.KillGrace, Signals: fwd,
	})
	in.stop()
	res.State, res.Description = res.Run.Final()
	res.ExitStatus = res.Run.ExitStatus()
	timeout := o.FinalTimeout
	if sig := in.signal(); sig != nil {
		// A signal that came as the command ended anyway leaves its
		// outcome (and exit status) as they were; only the time left for
		// the final status is shorter.
		res.Interrupted, timeout = sig, o.InterruptedFinalTimeout
	}
	o.finish(ctx, &res, timeout)
	if res.FinalErr != nil && res.ExitStatus == 0 {
		res.ExitStatus = 1
	}
	return res
}

func interrupted(res Result, sig os.Signal) Result {
	res.Interrupted, res.ExitStatus = sig, runner.SignalStatus(sig)
	return res
}

// finish posts res's final status within timeout and says how it went.
func (o *Options) finish(ctx context.Context, res *Result, timeout time.Duration) {
	d := res.Deployment
	req := status.SetRequest{State: res.State, Description: res.Description, LogURL: o.LogURL}
	if res.State == status.Success {
		req.EnvironmentURL = o.EnvironmentURL
		if req.EnvironmentURL == "" {
			req.EnvironmentURL = res.Run.EnvironmentURL
		}
	}
	// A repeated status is harmless, so the client may retry 5xx answers.
	ctx, cancel := context.WithTimeout(ghapi.WithIdempotent(ctx), timeout)
	defer cancel()
	res.Final, res.FinalErr = status.Set(ctx, o.Client, o.Repo, d.ID, req)
	if res.FinalErr != nil {
		notef(o.Notes, "deployctl: could not record %s for deployment %d: %v", res.State, d.ID, res.FinalErr)
		return
	}
	notef(o.Notes, "deployctl: deployment %d: %s: %s", d.ID, res.State, res.Description)
}

// notef writes one of deployctl's own lines: one line, whatever names it
// holds (escaped as table cells are).
func notef(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintln(w, output.Cell(fmt.Sprintf(format, args...)))
	}
}

// interrupts owns o.Signals: before start the first cancels ctx; after it,
// every signal goes to the runner; after stop they are only remembered.
type interrupts struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	wg     sync.WaitGroup

	mu      sync.Mutex
	first   os.Signal
	fwd     chan os.Signal
	running bool
}

func newInterrupts(parent context.Context, sigs <-chan os.Signal) *interrupts {
	in := &interrupts{done: make(chan struct{}), fwd: make(chan os.Signal, 4)}
	in.ctx, in.cancel = context.WithCancel(parent)
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		for {
			select {
			case sig := <-sigs:
				in.mu.Lock()
				if in.first == nil {
					in.first = sig
				}
				if in.running {
					select {
					case in.fwd <- sig:
					default:
					}
				}
				in.mu.Unlock()
				in.cancel()
			case <-in.done:
				return
			}
		}
	}()
	return in
}

func (in *interrupts) signal() os.Signal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.first
}

// start switches to forwarding; false when a signal came first.
func (in *interrupts) start() (<-chan os.Signal, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.running = in.first == nil
	return in.fwd, in.running
}

func (in *interrupts) stop() {
	in.mu.Lock()
	in.running = false
	in.mu.Unlock()
}

func (in *interrupts) close() {
	close(in.done)
	in.wg.Wait()
	in.cancel()
}
