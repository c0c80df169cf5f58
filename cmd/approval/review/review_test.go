package review_test

import (
	"fmt"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/approval/review"
	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/internal/approval"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func TestReviewFlags(t *testing.T) {
	tests := []struct {
		line    string
		wantErr string
		check   func(*review.ReviewOptions) bool
	}{
		{line: "approve 42 -e production -e staging -c 'looks good'", check: func(o *review.ReviewOptions) bool {
			return o.RunID == 42 && o.State == approval.Approve && len(o.Environments) == 2 && o.Comment == "looks good"
		}},
		{line: "reject", check: func(o *review.ReviewOptions) bool { return o.RunID == 0 && o.State == approval.Reject }},
		{line: "approve --comment ''", wantErr: "--comment must not be empty"},
		{line: "reject -c ' '", wantErr: "--comment must not be empty"},
		{line: "approve x", wantErr: `invalid run ID "x": expected a positive number`},
		{line: "approve 1 2", wantErr: "at most one run ID"},
		{line: "approve -e ''", wantErr: "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			f := cmdtest.Factory(t, nil)
			var got *review.ReviewOptions
			newCmd := review.NewCmdApprove
			if tt.line[:6] == "reject" {
				newCmd = review.NewCmdReject
			}
			err := cmdtest.RunCmd(t, f, "", newCmd(f, func(o *review.ReviewOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}

func TestApproveAndReject(t *testing.T) {
	s := cmdtest.NewSession(t)
	repo := s.GH.Repo("octo/demo")
	s.Run("approve").WantExit(1).WantErrContains("no workflow run waits for a review in octo/demo")

	deploy := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "deploy", Environments: []string{"staging", "production"}})
	release := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "release", Branch: "main", Environments: []string{"qa"}})

	// Several runs, no terminal: exit 2 listing them, nothing sent.
	s.GH.ResetRequests()
	s.Run("approve").WantExit(2).WantErrContains(fmt.Sprintf("2 workflow runs wait for a review; name one:\n  %d  release  main  qa\n  %d  deploy  main  staging, production", release, deploy))
	for _, r := range s.GH.Requests() {
		if r.Method != "GET" {
			t.Errorf("sent %s %s", r.Method, r.Path)
		}
	}
	// By environment: the one run waiting for qa.
	s.Run("approve -e qa").WantExit(0).WantOut(fmt.Sprintln(release))
	if st, _ := repo.Run(release); st.Environments["qa"] != "approved" {
		t.Errorf("release run %+v", st)
	}
	// By run ID, one environment, with a comment, on a terminal.
	s.TTY = true
	s.Run(fmt.Sprintf("reject %d -e staging -c 'not now'", deploy)).WantExit(0).WantOut(fmt.Sprintf("✓ Rejected staging in run %d\n", deploy))
	st, _ := repo.Run(deploy)
	if st.Environments["staging"] != "rejected" || st.Reviews[0].Comment != "not now" || st.Status != "completed" {
		t.Errorf("deploy run %+v", st)
	}
	s.Run(fmt.Sprintf("approve %d", deploy)).WantExit(1).WantErrContains("nothing is waiting for a review")
}

// Several waiting runs on a terminal: a prompt (huh's accessible mode reads the choice from stdin).
func TestApprovePicksARunOnATerminal(t *testing.T) {
	s := cmdtest.NewSession(t)
	repo := s.GH.Repo("octo/demo")
	first := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "deploy", Environments: []string{"production"}})
	second := repo.AddWaitingRun(githubtest.WaitingRun{Workflow: "release", Environments: []string{"production"}})
	s.Env["ACCESSIBLE"] = "1"
	s.TTY, s.StdinTTY, s.Stdin = true, true, "2\n"
	s.Run("approve --json runId,environment").WantExit(0).
		WantOut(fmt.Sprintf("[\n  {\n    \"environment\": \"production\",\n    \"runId\": %d\n  }\n]\n", first)).
		WantErrContains("Which run?", fmt.Sprintf("1. %d  release  main  production", second), fmt.Sprintf("2. %d  deploy  main  production", first))
	if st, _ := repo.Run(second); st.Status != "waiting" {
		t.Errorf("the run not chosen was reviewed: %+v", st)
	}
}

// An empty comment is a usage error, from the flag or DEPLOYCTL_COMMENT, and
// nothing is sent.
func TestEmptyCommentSendsNothing(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.Repo("octo/demo").AddWaitingRun(githubtest.WaitingRun{Workflow: "deploy", Environments: []string{"production"}})
	for _, line := range []string{"approve -c ''", "reject --comment ' '", "approve"} {
		if line == "approve" {
			s.Env["DEPLOYCTL_COMMENT"] = ""
		}
		s.GH.ResetRequests()
		s.Run(line).WantExit(2).WantErrContains("must not be empty")
		if n := len(s.GH.Requests()); n != 0 {
			t.Errorf("%s: %d requests sent", line, n)
		}
	}
}
