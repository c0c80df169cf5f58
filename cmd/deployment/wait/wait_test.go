package wait_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/wait"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/status"
	"github.com/deployctl/gh-deployctl/internal/watch"
	"github.com/deployctl/gh-deployctl/internal/watch/watchtest"
)

func TestWaitFlags(t *testing.T) {
	tests := []struct {
		line    string
		want    wait.WaitOptions
		wantErr string
	}{
		{line: "wait 42", want: wait.WaitOptions{ID: 42, Interval: 3 * time.Second}},
		{line: "wait -e production --sha ABCDEF0 -i 1s --timeout 5m", want: wait.WaitOptions{Environment: "production", SHA: "ABCDEF0", Interval: time.Second, Timeout: 5 * time.Minute}},
		{line: "wait -e staging --ref main --interval 10s", want: wait.WaitOptions{Environment: "staging", Ref: "main", Interval: 10 * time.Second}},
		{line: "wait", wantErr: "give a deployment ID or --environment"},
		{line: "wait 0", wantErr: "invalid deployment ID"},
		{line: "wait abc", wantErr: "invalid deployment ID"},
		{line: "wait 1 2", wantErr: "at most one deployment ID"},
		{line: "wait 1 -e staging", wantErr: "cannot be combined"},
		{line: "wait --sha abcdef0", wantErr: "give a deployment ID or --environment"},
		{line: "wait -e staging --sha abc", wantErr: "invalid SHA"},
		{line: "wait -e staging --sha nothexx", wantErr: "invalid SHA"},
		{line: "wait -e staging --sha abcdef0 --ref main", wantErr: "cannot be combined"},
		{line: "wait -e ''", wantErr: "empty"},
		{line: "wait 1 -i 0", wantErr: "--interval"},
		{line: "wait 1 --timeout -1s", wantErr: "--timeout"},
		{line: "wait 1 --interval soon", wantErr: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var got *wait.WaitOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", wait.NewCmdWait(f, func(o *wait.WaitOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.want.ID || got.Environment != tt.want.Environment || got.SHA != tt.want.SHA || got.Ref != tt.want.Ref ||
				got.Interval != tt.want.Interval || got.Timeout != tt.want.Timeout {
				t.Errorf("got %+v", got)
			}
		})
	}
}

// Bad input is refused before anything is sent.
func TestWaitBadInputSendsNothing(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("wait").WantExit(cmdutil.ExitUsage).WantErrContains("give a deployment ID or --environment")
	s.Run("wait -e staging --sha xyz1234").WantExit(cmdutil.ExitUsage).WantErrContains("invalid SHA")
	if n := len(s.GH.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// waiting runs a wait command line against the fake in a goroutine, with the clock given.
type waiting struct {
	gh     *githubtest.Server
	client *ghapi.Client
	f      *cmdutil.Factory
	ios    *iostreams.IOStreams
	out    *bytes.Buffer
	errOut *bytes.Buffer
	done   chan struct{}
	err    error
}

func newWaiting(t *testing.T, tty bool) *waiting {
	gh := githubtest.NewT(t)
	f := cmdtest.Factory(t, map[string]string{"GITHUB_API_URL": gh.URL(), "GH_TOKEN": githubtest.DefaultToken, "GH_REPO": "octo/demo"})
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	f.IOStreams = ios
	c, err := f.Client("github.com")
	if err != nil {
		t.Fatal(err)
	}
	return &waiting{gh: gh, client: c, f: f, ios: ios, out: out, errOut: errOut, done: make(chan struct{})}
}

func (w *waiting) start(t *testing.T, clock watch.Clock, line string) {
	go func() {
		defer close(w.done)
		cmd := wait.NewCmdWait(w.f, func(o *wait.WaitOptions) error { o.Clock = clock; return wait.WaitRun(o) })
		w.err = cmdtest.RunCmd(t, w.f, "", cmd, line)
	}()
}

func (w *waiting) finish(t *testing.T) int {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not return")
	}
	return cmdutil.ExitCode(w.err)
}

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

func (w *waiting) create(t *testing.T, env string) int64 {
	t.Helper()
	d, err := deploy.Create(context.Background(), w.client, demo, deploy.CreateRequest{Ref: "main", Environment: env, RequiredContexts: &[]string{}})
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func (w *waiting) set(t *testing.T, id int64, st status.State) {
	t.Helper()
	if _, err := status.Set(context.Background(), w.client, demo, id, status.SetRequest{State: st}); err != nil {
		t.Fatal(err)
	}
}

// A deployment that another goroutine (GitHub's side, here the test) moves through queued and in_progress to
// its end: off a terminal one line per change on stderr, the exit status from how it ended.
func TestWaitFollowsADeployment(t *testing.T) {
	for _, tt := range []struct {
		final    status.State
		exit     int
		lastLine string
	}{
		{status.Success, 0, ""},
		{status.Failure, 1, "Deployment 1 ended in failure\n"},
		{status.Error, 1, "Deployment 1 ended in error\n"},
	} {
		t.Run(string(tt.final), func(t *testing.T) {
			w := newWaiting(t, false)
			id := w.create(t, "staging")
			sha := deploy.ShortSHA(w.gh.Repo("octo/demo").Branch("main"))
			clock := watchtest.NewStepClock()
			w.start(t, clock, "wait 1")
			clock.Polled(t, w.done)
			clock.Tick(t, w.done) // nothing new: nothing printed
			w.set(t, id, status.Queued)
			clock.Tick(t, w.done)
			w.set(t, id, status.InProgress)
			clock.Tick(t, w.done)
			clock.Tick(t, w.done)
			w.set(t, id, tt.final)
			clock.Tick(t, w.done)
			if got := w.finish(t); got != tt.exit {
				t.Errorf("exit %d, want %d (%v)", got, tt.exit, w.err)
			}
			want := heredoc.Docf(`
				Deployment 1 (main %[1]s) to staging: no status yet (0s)
				Deployment 1 (main %[1]s) to staging: queued (6s)
				Deployment 1 (main %[1]s) to staging: in_progress (9s)
				Deployment 1 (main %[1]s) to staging: %[2]s (15s)
			`, sha, tt.final) + tt.lastLine
			if w.errOut.String() != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", w.errOut, want)
			}
			if w.out.Len() != 0 {
				t.Errorf("stdout: %q", w.out)
			}
		})
	}
}

// On a terminal: one line, redrawn after every poll, for a deployment that appears only after the wait began.
func TestWaitForADeploymentThatDoesNotExistYetOnATerminal(t *testing.T) {
	w := newWaiting(t, true)
	repo := w.gh.Repo("octo/demo")
	sha := repo.Branch("main")
	clock := watchtest.NewStepClock()
	w.start(t, clock, "wait -e production --sha "+sha[:8])
	clock.Polled(t, w.done)
	w.create(t, "staging") // the right commit, another environment
	clock.Tick(t, w.done)
	id := w.create(t, "production")
	clock.Tick(t, w.done)
	w.set(t, id, status.Success)
	clock.Tick(t, w.done)
	if got := w.finish(t); got != 0 {
		t.Fatalf("exit %d (%v); stderr %q", got, w.err, w.errOut)
	}
	short := sha[:7]
	want := "\r\x1b[KWaiting for a deployment to production of " + short + " (0s)" +
		"\r\x1b[KWaiting for a deployment to production of " + short + " (3s)" +
		"\r\x1b[KDeployment 2 (main " + short + ") to production: no status yet (6s)" +
		"\r\x1b[KDeployment 2 (main " + short + ") to production: success (9s)" +
		"\r\x1b[K✓ Deployment 2 (main " + short + ") to production: success (9s)\n"
	if w.errOut.String() != want {
		t.Errorf("stderr:\n%q\nwant:\n%q", w.errOut, want)
	}
}

func TestWaitTimesOutWithExit8AndPrintsJSON(t *testing.T) {
	w := newWaiting(t, false)
	id := w.create(t, "staging")
	w.set(t, id, status.InProgress)
	w.start(t, watchtest.NewInstantClock(), "wait 1 --timeout 10m --json id,state,statuses --jq '[.id, .state, (.statuses | length)] | @tsv'")
	if got := w.finish(t); got != cmdutil.ExitPending {
		t.Fatalf("exit %d, want 8 (%v)", got, w.err)
	}
	sha := deploy.ShortSHA(w.gh.Repo("octo/demo").Branch("main"))
	want := heredoc.Docf(`
		Deployment 1 (main %[1]s) to staging: in_progress (0s)
		Timed out after 10m0s: Deployment 1 (main %[1]s) to staging: in_progress
	`, sha)
	if w.errOut.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", w.errOut, want)
	}
	if w.out.String() != "1\tin_progress\t1\n" {
		t.Errorf("stdout %q", w.out)
	}

	w = newWaiting(t, false)
	w.start(t, watchtest.NewInstantClock(), "wait -e qa --ref main --timeout 1m")
	if got := w.finish(t); got != cmdutil.ExitPending {
		t.Fatalf("exit %d, want 8 (%v)", got, w.err)
	}
	if want := "Waiting for a deployment to qa of main (0s)\nTimed out after 1m0s: no deployment to qa of main yet\n"; w.errOut.String() != want {
		t.Errorf("stderr %q, want %q", w.errOut, want)
	}
}

func TestWaitUnknownDeployment(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("wait 99").WantExit(1).WantErrContains("HTTP 404")
	if strings.Contains(s.Err, "\r") {
		t.Errorf("stderr %q", s.Err)
	}
}
