package status

// ActionsRunURL is the page of the GitHub Actions workflow run deployctl runs in, or "" outside one: the
// log URL a status links to, and the link of a lock taken from a workflow.
func ActionsRunURL(getenv func(string) string) string {
	server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if getenv("GITHUB_ACTIONS") != "true" || server == "" || repo == "" || run == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + run
}
