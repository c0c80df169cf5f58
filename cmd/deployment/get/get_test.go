package get_test

import (
	"strings"
	"testing"

	"github.com/MakeNowJust/heredoc"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
)

func TestGetAndStatuses(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run(`create --ref main -e staging -d "ship it" --payload '{"a":1}'`).WantExit(0).WantOut("1\n")
	s.Run("status set 1 in_progress --log-url https://ci.example.com/1").WantExit(0).WantOut("100001\n")
	s.TTY = true
	s.Run("status set 1 success -d done --environment-url https://staging.example.com").WantExit(0).
		WantOut("✓ Set deployment 1 to success (status 100002)\n")
	s.TTY = false
	s.Run("status list 1").WantExit(0).WantOut(heredoc.Doc(`
		100002	success	staging	done	octocat	2026-01-01T00:00:04Z
		100001	in_progress	staging		octocat	2026-01-01T00:00:03Z
	`))
	s.Run("status list 1 --json id,state,logUrl,environmentUrl --jq '.[] | [.id, .state, .logUrl, .environmentUrl] | @tsv'").WantExit(0).
		WantOut("100002\tsuccess\t\thttps://staging.example.com\n100001\tin_progress\thttps://ci.example.com/1\t\n")
	s.Run("get 1 --json id,state,environmentUrl,payload,description,statuses --jq '[.id, .state, .environmentUrl, .payload.a, .description, (.statuses|length)] | @tsv'").
		WantExit(0).WantOut("1\tsuccess\thttps://staging.example.com\t1\tship it\t2\n")
	s.Run("get 1").WantExit(0).WantOut(heredoc.Docf(`
		id	1
		environment	staging
		ref	main
		sha	%s
		task	deploy
		state	success
		creator	octocat
		createdAt	2026-01-01T00:00:01Z
		description	ship it
		environmentUrl	https://staging.example.com
		logUrl	
		payload	{"a":1}
		status	100002	success	staging	done	octocat	2026-01-01T00:00:04Z
		status	100001	in_progress	staging		octocat	2026-01-01T00:00:03Z
	`, s.SHA))
	s.TTY = true
	s.Run("get 1").WantExit(0).WantOut(heredoc.Docf(`
		Deployment 1 success
		main to staging by octocat, about 10 months ago
		sha: %s  task: deploy
		description: ship it
		environment url: https://staging.example.com
		payload: {"a":1}

		ID      STATE        ENVIRONMENT  DESCRIPTION  CREATOR  CREATED
		100002  success      staging      done         octocat  about 10 months ago
		100001  in_progress  staging                   octocat  about 10 months ago
	`, s.SHA))
}

// TestGetOutputAgreesWithJSON: a deployment without statuses is "none" in
// JSON as in the tables; the environment URL is the last one set, as on
// GitHub, also when a later status had none; a TTY shows the log URL.
func TestGetOutputAgreesWithJSON(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("create --ref main").WantExit(0)
	s.Run("get 1 --json state --jq .state").WantExit(0).WantOut("none\n")
	s.Run("list --json id,state --jq '.[] | [.id, .state] | @tsv'").WantExit(0).WantOut("1\tnone\n")
	s.Run("list").WantExit(0).WantOut("1\tproduction\tmain\t" + s.SHA[:7] + "\tnone\toctocat\t2026-01-01T00:00:01Z\n")

	s.Run("status set 1 success --environment-url https://shop.example.com --log-url https://ci.example.com/7").WantExit(0)
	s.Run("status set 1 inactive").WantExit(0)
	s.Run("get 1 --json state,environmentUrl --jq '[.state, .environmentUrl] | @tsv'").WantExit(0).WantOut("inactive\thttps://shop.example.com\n")
	s.Run("status set 1 success --log-url https://ci.example.com/8").WantExit(0)
	s.TTY = true
	s.Run("get 1").WantExit(0)
	for _, want := range []string{"environment url: https://shop.example.com\n", "log url: https://ci.example.com/8\n"} {
		if !strings.Contains(s.Out, want) {
			t.Errorf("get on a TTY lacks %q:\n%s", want, s.Out)
		}
	}
}
