package delete_test

import (
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
)

func TestDeleteAndDeactivate(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.GH.SeedHistory("octo/demo", 7, "production") // 1-5 inactive, 6 success (active), 7 failure

	for _, line := range []string{"delete 1", "deactivate 6", "delete 1 2 --json id"} {
		s.GH.ResetRequests()
		s.Run(line).WantExit(2).WantErrContains("pass --yes to do it off a terminal")
		if n := len(s.GH.Requests()); n != 0 {
			t.Errorf("%s: %d requests sent", line, n)
		}
	}
	s.Run("delete x --yes").WantExit(2).WantErrContains(`invalid deployment ID "x"`)
	if !strings.HasPrefix(s.Err, "invalid deployment ID \"x\": expected a positive number\n") {
		t.Errorf("stderr %q, want the ID named once", s.Err)
	}
	s.Run("delete 99 --yes").WantExit(1).WantErrContains("deployment 99")

	// Deactivate: the one already inactive gets no request.
	s.GH.ResetRequests()
	s.Run("deactivate 1 6 --yes --rate 0 --json id,action,reason,error").WantExit(0).
		WantOut(`[{"action":"deactivated","error":"","id":1,"reason":"already inactive"},{"action":"deactivated","error":"","id":6,"reason":""}]` + "\n")
	if n := len(s.Bodies("POST", "/repos/octo/demo/deployments/1/statuses")); n != 0 {
		t.Errorf("an inactive deployment was deactivated again")
	}
	if b := s.Bodies("POST", "/repos/octo/demo/deployments/6/statuses"); len(b) != 1 || b[0]["state"] != "inactive" {
		t.Errorf("status posts %v", b)
	}
	// Delete: a failed one directly; a success one is made inactive first (7 then 6... 6 is inactive now).
	s.TTY, s.StdinTTY, s.Stdin = true, true, "y\n"
	s.Run("delete 7 2 --rate 0").WantExit(0).WantOut("Deleted 2 deployments in 1 environment\n").
		WantErrContains("Delete deployments 7, 2 in octo/demo? [y/N]")
	if n := len(s.Bodies("POST", "/repos/octo/demo/deployments/7/statuses")); n != 0 {
		t.Errorf("a failed deployment got a status before its delete")
	}
	s.GH.Repo("octo/demo").AddBranch("main", s.SHA)
	s.TTY, s.StdinTTY = false, false
	id := s.Run("create --ref main -e qa --skip-checks").WantExit(0).Out
	id = id[:len(id)-1]
	s.Run("status set " + id + " success").WantExit(0)
	s.GH.ResetRequests()
	s.Run("delete " + id + " --yes --rate 0").WantExit(0).WantOut("Deleted 1 deployment in 1 environment\n")
	if b := s.Bodies("POST", "/repos/octo/demo/deployments/"+id+"/statuses"); len(b) != 1 || b[0]["state"] != "inactive" {
		t.Errorf("a successful deployment was not made inactive before its delete: %v", b)
	}
}
