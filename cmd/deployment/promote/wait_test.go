package promote_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/promote"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/status"
	"github.com/deployctl/gh-deployctl/internal/watch/watchtest"
)

func TestPromoteWaitFlags(t *testing.T) {
	var got *promote.PromoteOptions
	f := cmdtest.Factory(t, nil)
	err := cmdtest.RunCmd(t, f, "", promote.NewCmdPromote(f, func(o *promote.PromoteOptions) error { got = o; return nil }), "promote staging production --wait --interval 1s --timeout 5m")
	if err != nil {
		t.Fatal(err)
	}
	if !got.After.Wait || got.After.Interval != time.Second || got.After.Timeout != 5*time.Minute {
		t.Errorf("after = %+v", got.After)
	}
	err = cmdtest.RunCmd(t, f, "", promote.NewCmdPromote(f, func(*promote.PromoteOptions) error { return nil }), "promote staging production --timeout 5m")
	cmdtest.WantUsageError(t, err, "--timeout needs --wait")
}

// TestPromoteWait: --wait follows the new deployment as wait does, with
// wait's exit status (1: it failed).
func TestPromoteWait(t *testing.T) {
	s := cmdtest.NewSession(t)
	deployTo(s, "staging", "tested")
	f := cmdtest.Factory(t, s.Env)
	ios, _, out, errOut := iostreams.Test()
	f.IOStreams = ios
	clock := watchtest.NewStepClock()
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		c := promote.NewCmdPromote(f, func(o *promote.PromoteOptions) error { o.After.Clock = clock; return promote.PromoteRun(o) })
		err = cmdtest.RunCmd(t, f, "", c, "promote staging production --wait")
	}()
	clock.Polled(t, done)
	client, cerr := f.Client("github.com")
	if cerr != nil {
		t.Fatal(cerr)
	}
	ds := s.GH.Deployments("octo/demo")
	created := ds[len(ds)-1]
	if created.Environment != "production" {
		t.Fatalf("waiting before the deployment was created: %+v", created)
	}
	demo := repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}
	if _, err := status.Set(context.Background(), client, demo, created.ID, status.SetRequest{State: status.Failure}); err != nil {
		t.Fatal(err)
	}
	clock.Tick(t, done)
	<-done
	if got := cmdutil.ExitCode(err); got != cmdutil.ExitFailure {
		t.Fatalf("exit %d (%v), want 1", got, err)
	}
	id := strconv.FormatInt(created.ID, 10)
	if out.String() != id+"\n" || !strings.HasSuffix(errOut.String(), "Deployment "+id+" ended in failure\n") {
		t.Errorf("stdout %q stderr:\n%s", out, errOut)
	}
}
