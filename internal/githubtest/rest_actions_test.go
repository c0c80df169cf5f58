package githubtest

import (
	"testing"
)

func TestWaitingRunsAndReviews(t *testing.T) {
	s := NewT(t)
	repo := s.Repo("octo/demo")
	id := repo.AddWaitingRun(WaitingRun{Environments: []string{"staging", "production"}, Reviewers: []string{"octocat"}, WaitTimer: 5})
	other := repo.AddWaitingRun(WaitingRun{Workflow: "release", Reviewers: []string{"mona"}})

	r := call(t, s, "GET", "/repos/octo/demo/actions/runs?status=waiting&per_page=100", nil)
	mustStatus(t, r, 200)
	body := r.json(t)
	if body["total_count"].(float64) != 2 || len(body["workflow_runs"].([]any)) != 2 {
		t.Fatalf("runs = %s", r.body)
	}
	p := call(t, s, "GET", "/repos/octo/demo/actions/runs/"+itoa(id)+"/pending_deployments", nil)
	mustStatus(t, p, 200)
	list := p.list(t)
	if len(list) != 2 || list[0]["current_user_can_approve"] != true || list[0]["wait_timer"].(float64) != 5 {
		t.Fatalf("pending = %s", p.body)
	}
	stagingID := list[0]["environment"].(map[string]any)["id"]
	if p := call(t, s, "GET", "/repos/octo/demo/actions/runs/"+itoa(other)+"/pending_deployments", nil).list(t); p[0]["current_user_can_approve"] != false {
		t.Errorf("octocat may approve mona's run: %v", p)
	}

	path := "/repos/octo/demo/actions/runs/" + itoa(id) + "/pending_deployments"
	a := call(t, s, "POST", path, map[string]any{"environment_ids": []any{stagingID}, "state": "approved", "comment": "ship it"})
	mustStatus(t, a, 200)
	if deps := a.list(t); len(deps) != 1 || deps[0]["environment"] != "staging" {
		t.Fatalf("approve answered %s", a.body)
	}
	st, _ := repo.Run(id)
	if st.Status != "waiting" || st.Environments["staging"] != "approved" || st.Environments["production"] != "waiting" ||
		len(st.Reviews) != 1 || st.Reviews[0] != (Review{"staging", "approved", "ship it", "octocat"}) {
		t.Errorf("after one approval: %+v", st)
	}
	// An environment already reviewed is no longer pending.
	mustStatus(t, call(t, s, "POST", path, map[string]any{"environment_ids": []any{stagingID}, "state": "approved", "comment": ""}), 422)
	prodID := call(t, s, "GET", path, nil).list(t)[0]["environment"].(map[string]any)["id"]
	mustStatus(t, call(t, s, "POST", path, map[string]any{"environment_ids": []any{prodID}, "state": "rejected", "comment": "not today"}), 200)
	if st, _ := repo.Run(id); st.Status != "completed" || st.Conclusion != "failure" {
		t.Errorf("after rejection: %+v", st)
	}
	r = call(t, s, "GET", "/repos/octo/demo/actions/runs?status=waiting", nil)
	if r.json(t)["total_count"].(float64) != 1 {
		t.Errorf("waiting runs after review: %s", r.body)
	}
	// Only a required reviewer may review.
	op := call(t, s, "GET", "/repos/octo/demo/actions/runs/"+itoa(other)+"/pending_deployments", nil).list(t)[0]["environment"].(map[string]any)["id"]
	mustStatus(t, call(t, s, "POST", "/repos/octo/demo/actions/runs/"+itoa(other)+"/pending_deployments",
		map[string]any{"environment_ids": []any{op}, "state": "approved", "comment": ""}), 422)
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/actions/runs/1/pending_deployments", nil), 404)
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/actions/runs/"+itoa(other), nil), 200)
}
