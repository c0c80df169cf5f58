package status

import "testing"

func TestActionsRunURL(t *testing.T) {
	env := map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "octo/demo", "GITHUB_RUN_ID": "7"}
	getenv := func(k string) string { return env[k] }
	if got := ActionsRunURL(getenv); got != "" {
		t.Errorf("outside Actions: %q", got)
	}
	env["GITHUB_ACTIONS"] = "true"
	if got := ActionsRunURL(getenv); got != "https://github.com/octo/demo/actions/runs/7" {
		t.Errorf("inside Actions: %q", got)
	}
	delete(env, "GITHUB_RUN_ID")
	if got := ActionsRunURL(getenv); got != "" {
		t.Errorf("without a run ID: %q", got)
	}
}
