//go:build unix

package deployrun

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/status"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

type fixture struct {
	gh     *githubtest.Server
	opts   Options
	notes  strings.Builder
	stdout strings.Builder
	stderr strings.Builder
}

func newFixture(t *testing.T, argv ...string) *fixture {
	t.Helper()
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	f := &fixture{gh: gh}
	f.opts = Options{
		Client: c, Repo: demo, Argv: argv, LogURL: "https://ci.example.com/run/1",
		Take: func(ctx context.Context) (*deploy.Deployment, error) {
			return deploy.Create(ctx, c, demo, deploy.CreateRequest{Ref: "main", Environment: "staging", Task: "deploy", Payload: []byte(`{"a":1}`)})
		},
		Stdin: strings.NewReader(""), Stdout: &f.stdout, Stderr: &f.stderr, Notes: &f.notes,
		KillGrace: 2 * time.Second,
	}
	return f
}

// statuses is every status of the only deployment, oldest first.
func (f *fixture) statuses(t *testing.T) []githubtest.Status {
	t.Helper()
	ds := f.gh.Deployments("octo/demo")
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1", len(ds))
	}
	return ds[0].Statuses
}

func (f *fixture) states(t *testing.T) string {
	var s []string
	for _, st := range f.statuses(t) {
		s = append(s, st.State)
	}
	return strings.Join(s, ",")
}

func TestSuccess(t *testing.T) {
	f := newFixture(t, "sh", "-c", `echo "$DEPLOY_ENVIRONMENT $DEPLOY_REF $DEPLOY_PAYLOAD $DEPLOY_LOG_URL"; echo to-stderr >&2; echo https://staging.example.com > "$DEPLOY_ENVIRONMENT_URL_FILE"`)
	res := Run(context.Background(), f.opts)
	if res.Err != nil || res.ExitStatus != 0 || !res.Ran || res.Final == nil {
		t.Fatalf("result %+v", res)
	}
	if f.stdout.String() != "staging main {\"a\":1} https://ci.example.com/run/1\n" || f.stderr.String() != "to-stderr\n" {
		t.Fatalf("stdout %q stderr %q", f.stdout.String(), f.stderr.String())
	}
	sts := f.statuses(t)
	if f.states(t) != "in_progress,success" {
		t.Fatalf("states %s", f.states(t))
	}
	if sts[0].LogURL != "https://ci.example.com/run/1" || sts[0].Description != "Deploying "+res.Deployment.SHA[:7]+" with sh" {
		t.Fatalf("in_progress %+v", sts[0])
	}
	if sts[1].EnvironmentURL != "https://staging.example.com" || sts[1].LogURL != "https://ci.example.com/run/1" || !strings.HasPrefix(sts[1].Description, "Deployed in ") {
		t.Fatalf("success %+v", sts[1])
	}
	if n := len(f.gh.Requests()); n != 3 {
		t.Fatalf("%d requests, want 3 (create, in_progress, final)", n)
	}
	id := res.Deployment.ID
	want := "deployctl: deployment " + itoa(id) + " of main (" + res.Deployment.SHA[:7] + ") to staging in octo/demo: running sh\n" +
		"deployctl: deployment " + itoa(id) + ": success: " + res.Description + "\n"
	if f.notes.String() != want {
		t.Fatalf("notes:\n%s\nwant:\n%s", f.notes.String(), want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestNotesOneLineEach: deployctl's own lines stay one line each, with the
// deployment's names shown escaped as table cells show them.
func TestNotesOneLineEach(t *testing.T) {
	f := newFixture(t, "true")
	f.opts.Take = func(ctx context.Context) (*deploy.Deployment, error) {
		return deploy.Create(ctx, f.opts.Client, demo, deploy.CreateRequest{Ref: "main", Environment: "we\tird\nenv", Task: "deploy"})
	}
	res := Run(context.Background(), f.opts)
	if res.Err != nil || res.ExitStatus != 0 {
		t.Fatalf("result %+v", res)
	}
	want := "deployctl: deployment " + itoa(res.Deployment.ID) + " of main (" + res.Deployment.SHA[:7] + `) to we\tird\nenv in octo/demo: running true` + "\n" +
		"deployctl: deployment " + itoa(res.Deployment.ID) + ": success: " + res.Description + "\n"
	if f.notes.String() != want {
		t.Fatalf("notes:\n%s\nwant:\n%s", f.notes.String(), want)
	}
}

func TestEnvironmentURLFlagWins(t *testing.T) {
	f := newFixture(t, "sh", "-c", `echo https://from-file.example.com > "$DEPLOY_ENVIRONMENT_URL_FILE"`)
	f.opts.EnvironmentURL = "https://from-flag.example.com"
	Run(context.Background(), f.opts)
	if sts := f.statuses(t); sts[1].EnvironmentURL != "https://from-flag.example.com" {
		t.Fatalf("success %+v", sts[1])
	}
}

func TestFailure(t *testing.T) {
	f := newFixture(t, "sh", "-c", "exit 3")
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 3 || res.State != status.Failure || !strings.HasPrefix(res.Description, "Deploy command exited with status 3 after ") {
		t.Fatalf("result %+v", res)
	}
	if f.states(t) != "in_progress,failure" {
		t.Fatalf("states %s", f.states(t))
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, "deployctl-no-such-command")
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 127 || res.State != status.Error {
		t.Fatalf("result %+v", res)
	}
	if f.states(t) != "in_progress,error" {
		t.Fatalf("states %s", f.states(t))
	}
}

func TestTimeout(t *testing.T) {
	f := newFixture(t, "sleep", "60")
	f.opts.Timeout = 100 * time.Millisecond
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 124 || res.State != status.Error || res.Description != "Deploy command timed out after 100ms and was killed" {
		t.Fatalf("result %+v", res)
	}
	if f.states(t) != "in_progress,error" {
		t.Fatalf("states %s", f.states(t))
	}
}

// TestSignalDuringCommand: SIGTERM reaches the command, which may clean up;
// the deployment ends error, deployctl's exit status is 143, and ctx's
// cancellation (deployctl's own context is cancelled by the same signal)
// does not keep the final status from being posted.
func TestSignalDuringCommand(t *testing.T) {
	dir := t.TempDir()
	ready, cleaned := filepath.Join(dir, "ready"), filepath.Join(dir, "cleaned")
	f := newFixture(t, "sh", "-c", `trap 'touch `+cleaned+`; exit 0' TERM; touch `+ready+`; while :; do sleep 0.05; done`)
	sigs := make(chan os.Signal, 1)
	f.opts.Signals = sigs
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		testbin.WaitFile(t, ready, 10*time.Second)
		cancel()
		sigs <- syscall.SIGTERM
	}()
	res := Run(ctx, f.opts)
	if res.ExitStatus != 143 || res.State != status.Error || res.Final == nil || !strings.HasPrefix(res.Description, "Interrupted by SIGTERM after ") {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(cleaned); err != nil {
		t.Fatal("the command did not get SIGTERM")
	}
	if f.states(t) != "in_progress,error" {
		t.Fatalf("states %s", f.states(t))
	}
}

// TestSignalBeforeCommand: a signal while in_progress is being posted
// leaves the command unstarted and the deployment error, exit 130.
func TestSignalBeforeCommand(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	f := newFixture(t, "touch", marker)
	sigs := make(chan os.Signal, 1)
	f.opts.Signals = sigs
	take := f.opts.Take
	f.opts.Take = func(ctx context.Context) (*deploy.Deployment, error) {
		d, err := take(ctx)
		sigs <- os.Interrupt
		<-ctx.Done() // the signal cancels what is in flight
		return d, err
	}
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 130 || res.Ran || res.State != status.Error || res.Description != "Interrupted by SIGINT before the deploy command started" {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command ran")
	}
	if f.states(t) != "error" {
		t.Fatalf("states %s", f.states(t))
	}
}

// TestSignalDuringTake: interrupted before there is a deployment, nothing
// is posted.
func TestSignalDuringTake(t *testing.T) {
	f := newFixture(t, "true")
	sigs := make(chan os.Signal, 1)
	f.opts.Signals = sigs
	f.opts.Take = func(ctx context.Context) (*deploy.Deployment, error) {
		sigs <- os.Interrupt
		<-ctx.Done()
		return nil, ctx.Err()
	}
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 130 || res.Deployment != nil || res.Err != nil {
		t.Fatalf("result %+v", res)
	}
	if n := len(f.gh.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

func TestTakeFails(t *testing.T) {
	f := newFixture(t, "true")
	f.opts.Take = func(context.Context) (*deploy.Deployment, error) { return nil, errors.New("no such deployment") }
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 1 || res.Err == nil || res.Ran {
		t.Fatalf("result %+v", res)
	}
}

// TestInProgressRefused: the command is not run when GitHub refuses
// in_progress.
func TestInProgressRefused(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	f := newFixture(t, "touch", marker)
	f.gh.FailNext(http.MethodPost, "/repos/octo/demo/deployments/", 1, http.StatusUnprocessableEntity, nil)
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 1 || res.Err == nil || !strings.Contains(res.Err.Error(), "the command was not run") || res.Ran {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command ran")
	}
}

// TestFinalNotRecorded: the command succeeded but GitHub refused the final
// status: exit 1, and deployctl says so.
func TestFinalNotRecorded(t *testing.T) {
	dir := t.TempDir()
	ready, proceed := filepath.Join(dir, "ready"), filepath.Join(dir, "proceed")
	f := newFixture(t, "sh", "-c", `touch `+ready+`; while [ ! -e `+proceed+` ]; do sleep 0.02; done`)
	go func() {
		testbin.WaitFile(t, ready, 10*time.Second)
		f.gh.FailNext(http.MethodPost, "/repos/octo/demo/deployments/", 1, http.StatusNotFound, nil)
		_ = os.WriteFile(proceed, nil, 0o600)
	}()
	res := Run(context.Background(), f.opts)
	if res.ExitStatus != 1 || res.FinalErr == nil || res.Run.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(f.notes.String(), "deployctl: could not record success for deployment ") {
		t.Fatalf("notes %q", f.notes.String())
	}
}
