package approval

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

func TestListAndReview(t *testing.T) {
	gh := githubtest.NewT(t)
	repo := gh.Repo("octo/demo")
	first := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "deploy", Environments: []string{"staging", "production"}, WaitTimer: 5})
	second := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "release", Environments: []string{"production"}, Reviewers: []string{"mona"}})
	c := ghapitest.Client(t, gh, "")
	ctx := context.Background()

	gh.ResetRequests()
	list, err := List(ctx, c, demo)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(gh.Requests()); n != 3 {
		t.Errorf("List sent %d requests, want 1 + one per run", n)
	}
	if len(list) != 3 || list[0].RunID != second || list[0].CanApprove || list[0].Reviewers[0] != "mona" ||
		list[1].RunID != first || list[1].Environment != "staging" || !list[1].CanApprove || list[1].WaitTimer != 5 ||
		list[1].Workflow != "deploy" || list[1].Branch != "main" || !strings.HasSuffix(list[1].URL, "/actions/runs/30433642") {
		t.Fatalf("list = %+v", list)
	}
	if got := Runs(list, []string{"staging"}); len(got) != 1 || got[0] != first {
		t.Errorf("Runs(staging) = %v", got)
	}
	if got := Runs(list, nil); len(got) != 2 {
		t.Errorf("Runs() = %v", got)
	}

	// Naming an environment the run does not wait for, or one the caller may not approve: nothing sent.
	gh.ResetRequests()
	if _, err := Review(ctx, c, demo, ReviewRequest{RunID: first, Environments: []string{"qa"}, State: Approve}); err == nil ||
		err.Error() != "run 30433642 does not wait for qa; it waits for staging, production" {
		t.Errorf("qa: %v", err)
	}
	if _, err := Review(ctx, c, demo, ReviewRequest{RunID: second, State: Approve}); err == nil ||
		!strings.Contains(err.Error(), "you are not a required reviewer") {
		t.Errorf("mona's run: %v", err)
	}
	for _, r := range gh.Requests() {
		if r.Method != "GET" {
			t.Errorf("sent %s %s", r.Method, r.Path)
		}
	}

	done, err := Review(ctx, c, demo, ReviewRequest{RunID: first, Environments: []string{"staging"}, State: Approve, Comment: "go"})
	if err != nil || len(done) != 1 || done[0].Environment != "staging" {
		t.Fatalf("approve staging: %+v %v", done, err)
	}
	st, _ := repo.Run(first)
	if st.Environments["staging"] != "approved" || st.Environments["production"] != "waiting" || st.Reviews[0].Comment != "go" {
		t.Errorf("run after approving staging: %+v", st)
	}
	// Without names: every one the caller may approve (production is left).
	done, err = Review(ctx, c, demo, ReviewRequest{RunID: first, State: Reject})
	if err != nil || len(done) != 1 || done[0].Environment != "production" {
		t.Fatalf("reject the rest: %+v %v", done, err)
	}
	if st, _ := repo.Run(first); st.Status != "completed" || st.Conclusion != "failure" {
		t.Errorf("run after rejection: %+v", st)
	}
	if _, err := Review(ctx, c, demo, ReviewRequest{RunID: first, State: Approve}); !errors.Is(err, ErrNothingPending) {
		t.Errorf("reviewed run: %v", err)
	}
}
