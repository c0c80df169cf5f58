package listen

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
	"github.com/deployctl/gh-deployctl/internal/lock"
)

// A deployment to an environment locked by someone else gets error "locked by <owner>: <reason>" and its
// command is not run; the lock holder's own deployment runs.
func TestLockedEnvironmentIsNotDeployed(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	w, gh := apiWorkers(t, Options{Exec: []string{"sh", "-c", "touch " + marker}}, nil)
	gh.AddTokenFor("alice-token", "alice", true)
	if _, err := lock.Claim(context.Background(), ghapitest.Client(t, gh, "alice-token"), demo,
		lock.ClaimRequest{Environment: "production", Reason: "db work"}); err != nil {
		t.Fatal(err)
	}
	j := newDeployment(t, w, "production")
	j.Deploy.Creator = "octocat"
	w.execute(j)
	w.finish(j)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the deploy command ran in a locked environment")
	}
	if got := statesOf(gh, j.Deploy.ID); got != "error" {
		t.Fatalf("statuses %s", got)
	}
	d := gh.Deployments("octo/demo")[0]
	if desc := d.Statuses[0].Description; desc != "locked by alice: db work" {
		t.Errorf("description %q", desc)
	}
	// alice's own deployment runs, and so does one the listener created for her merged pull request.
	j = newDeployment(t, w, "production")
	j.Deploy.Creator = "alice"
	w.execute(j)
	w.finish(j)
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("alice's deployment did not run: %s", statesOf(gh, j.Deploy.ID))
	}
	os.Remove(marker)
	j = newDeployment(t, w, "production")
	j.Deploy.Creator, j.Deploy.Payload = "deploy-bot", []byte(`{"deploy_user":"alice"}`)
	w.execute(j)
	w.finish(j)
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the deployment of alice's merge did not run: %s", statesOf(gh, j.Deploy.ID))
	}
}

// A merged pull request into a locked environment creates nothing; it is logged.
func TestMergeIntoALockedEnvironmentCreatesNothing(t *testing.T) {
	w, gh := apiWorkers(t, Options{Exec: []string{"true"}, Environment: "production"}, nil)
	var logs strings.Builder
	w.log = slog.New(slog.NewTextHandler(&logs, nil))
	gh.AddTokenFor("alice-token", "alice", true)
	if _, err := lock.Claim(context.Background(), ghapitest.Client(t, gh, "alice-token"), demo,
		lock.ClaimRequest{Reason: "release freeze", TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	merge := &store.Job{Kind: store.KindMerge, Progress: store.Progress{Phase: store.Pending},
		Merge: &store.Merge{Repo: "octo/demo", Number: 7, HeadSHA: strings.Repeat("a", 40), BaseRef: "main", Author: "mona"}}
	if _, err := w.j.AddJob(ctx, merge); err != nil {
		t.Fatal(err)
	}
	w.merge(merge)
	if n := len(gh.Deployments("octo/demo")); n != 0 {
		t.Fatalf("%d deployments created", n)
	}
	if merge.Progress.Phase != store.Done || merge.Progress.LastError != "locked by alice: release freeze" {
		t.Errorf("merge %+v", merge.Progress)
	}
	if l := logs.String(); !strings.Contains(l, `msg="merged pull request not deployed: every environment is locked (global lock) by alice for `) ||
		!strings.Contains(l, "release freeze") || !strings.Contains(l, "locked_by=alice") {
		t.Errorf("log: %s", logs.String())
	}
}
