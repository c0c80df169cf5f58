// Package webhook builds and sends GitHub webhook deliveries as GitHub does:
// payloads in the shapes of GitHub's real deliveries (ping, a merged
// pull_request, deployment, deployment_status), signed with X-Hub-Signature-256,
// with GitHub's headers. `deployctl trigger` uses it to test a listener without
// GitHub. It is not test code: the fake GitHub of the tests
// (internal/githubtest) keeps its own state and renders from it.
package webhook

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
)

// Events are the events Build knows, in the order help lists them.
var Events = []string{"ping", "pull_request", "deployment", "deployment_status"}

// Params say what a delivery is about. Zero values take the defaults noted.
type Params struct {
	Repo        string // OWNER/REPO (default octo-org/hello-world)
	Ref         string // the branch (default main); for pull_request the head branch's base is DefaultBranch
	SHA         string // the commit (default: a random 40-hex SHA)
	Environment string // deployment, deployment_status (default production)
	// State is deployment_status's state (default success).
	State         string
	Sender        string // the user who acted (default octocat)
	DefaultBranch string // the repository's default branch, the PR's base (default main)
	Number        int    // pull_request's number (default: random)
	DeploymentID  int64  // deployment, deployment_status (default: random)
	HookID        int64  // ping (default: random)
	Now           time.Time
	// APIURL and WebURL are GitHub's API and web roots (default
	// https://api.github.com and https://github.com).
	APIURL, WebURL string
}

type obj = map[string]any

func (p *Params) defaults() error {
	if p.Repo == "" {
		p.Repo = "octo-org/hello-world"
	}
	if !deploy.ValidFullName(p.Repo) {
		return fmt.Errorf("repository %q is not OWNER/REPO", p.Repo)
	}
	if p.DefaultBranch == "" {
		p.DefaultBranch = "main"
	}
	if p.Ref == "" {
		p.Ref = p.DefaultBranch
	}
	if p.SHA == "" {
		p.SHA = randomHex(20)
	}
	if p.Environment == "" {
		p.Environment = "production"
	}
	if p.State == "" {
		p.State = "success"
	}
	if p.Sender == "" {
		p.Sender = "octocat"
	}
	if p.Number == 0 {
		p.Number = int(randomInt(9000)) + 1000
	}
	if p.DeploymentID == 0 {
		p.DeploymentID = randomInt(1<<30) + 1<<30
	}
	if p.HookID == 0 {
		p.HookID = randomInt(1<<28) + 1<<28
	}
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	if p.APIURL == "" {
		p.APIURL = "https://api.github.com"
	}
	if p.WebURL == "" {
		p.WebURL = "https://github.com"
	}
	p.APIURL = strings.TrimSuffix(p.APIURL, "/")
	p.WebURL = strings.TrimSuffix(p.WebURL, "/")
	return nil
}

// Build returns the JSON payload of event (one of Events).
func Build(event string, p Params) ([]byte, error) {
	if err := p.defaults(); err != nil {
		return nil, err
	}
	var payload obj
	switch event {
	case "ping":
		payload = p.ping()
	case "pull_request":
		payload = p.mergedPullRequest()
	case "deployment":
		payload = obj{"action": "created", "deployment": p.deployment(false), "workflow": nil, "workflow_run": nil}
	case "deployment_status":
		payload = p.deploymentStatus()
	default:
		return nil, fmt.Errorf("unknown event %q (known: %s)", event, strings.Join(Events, ", "))
	}
	payload["repository"] = p.repository()
	payload["sender"] = p.user(p.Sender)
	return json.Marshal(payload)
}

func (p *Params) ts(d time.Duration) string { return p.Now.Add(d).UTC().Format(time.RFC3339) }

func (p *Params) owner() string { o, _, _ := strings.Cut(p.Repo, "/"); return o }

func (p *Params) repoAPI() string { return p.APIURL + "/repos/" + p.Repo }

// id is a stable number for a name, so the same user or repository has the
// same ID in every delivery.
func id(kind, name string) int64 {
	h := sha256.Sum256([]byte(kind + "\x00" + strings.ToLower(name)))
	var n int64
	for _, b := range h[:4] {
		n = n<<8 | int64(b)
	}
	return n&0x3fffffff + 1000
}

func nodeID(kind string, n int64) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("0%d:%s%d", len(kind), kind, n)))
}

func (p *Params) user(login string) obj {
	api := p.APIURL + "/users/" + login
	n := id("user", login)
	return obj{
		"login": login, "id": n, "node_id": nodeID("User", n),
		"avatar_url": "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(n, 10) + "?v=4", "gravatar_id": "",
		"url": api, "html_url": p.WebURL + "/" + login,
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}",
		"gists_url": api + "/gists{/gist_id}", "starred_url": api + "/starred{/owner}{/repo}",
		"subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}",
		"received_events_url": api + "/received_events", "type": "User", "site_admin": false,
	}
}

func (p *Params) repository() obj {
	api := p.repoAPI()
	web := p.WebURL + "/" + p.Repo
	host := strings.TrimPrefix(strings.TrimPrefix(p.WebURL, "https://"), "http://")
	n := id("repo", p.Repo)
	_, name, _ := strings.Cut(p.Repo, "/")
	r := obj{
		"id": n, "node_id": nodeID("Repository", n), "name": name, "full_name": p.Repo, "private": false,
		"owner": p.user(p.owner()), "html_url": web, "description": nil, "fork": false, "url": api,
		"created_at": p.ts(-30 * 24 * time.Hour), "updated_at": p.ts(-time.Hour), "pushed_at": p.ts(-time.Minute),
		"git_url": "git://" + host + "/" + p.Repo + ".git", "ssh_url": "git@" + host + ":" + p.Repo + ".git",
		"clone_url": web + ".git", "svn_url": web, "homepage": nil, "size": 0,
		"stargazers_count": 0, "watchers_count": 0, "language": nil, "has_issues": true, "has_projects": true,
		"has_downloads": true, "has_wiki": true, "has_pages": false, "forks_count": 0, "mirror_url": nil,
		"archived": false, "disabled": false, "open_issues_count": 0, "license": nil, "forks": 0,
		"open_issues": 0, "watchers": 0, "default_branch": p.DefaultBranch, "is_template": false,
		"topics": []string{}, "visibility": "public", "web_commit_signoff_required": false, "custom_properties": obj{},
	}
	for _, u := range []struct{ key, path string }{
		{"forks_url", "/forks"}, {"keys_url", "/keys{/key_id}"}, {"collaborators_url", "/collaborators{/collaborator}"},
		{"teams_url", "/teams"}, {"hooks_url", "/hooks"}, {"issue_events_url", "/issues/events{/number}"},
		{"events_url", "/events"}, {"assignees_url", "/assignees{/user}"}, {"branches_url", "/branches{/branch}"},
		{"tags_url", "/tags"}, {"blobs_url", "/git/blobs{/sha}"}, {"git_tags_url", "/git/tags{/sha}"},
		{"git_refs_url", "/git/refs{/sha}"}, {"trees_url", "/git/trees{/sha}"}, {"statuses_url", "/statuses/{sha}"},
		{"languages_url", "/languages"}, {"stargazers_url", "/stargazers"}, {"contributors_url", "/contributors"},
		{"subscribers_url", "/subscribers"}, {"subscription_url", "/subscription"}, {"commits_url", "/commits{/sha}"},
		{"git_commits_url", "/git/commits{/sha}"}, {"comments_url", "/comments{/number}"},
		{"issue_comment_url", "/issues/comments{/number}"}, {"contents_url", "/contents/{+path}"},
		{"compare_url", "/compare/{base}...{head}"}, {"merges_url", "/merges"},
		{"archive_url", "/{archive_format}{/ref}"}, {"downloads_url", "/downloads"}, {"issues_url", "/issues{/number}"},
		{"pulls_url", "/pulls{/number}"}, {"milestones_url", "/milestones{/number}"},
		{"notifications_url", "/notifications{?since,all,participating}"}, {"labels_url", "/labels{/name}"},
		{"releases_url", "/releases{/id}"}, {"deployments_url", "/deployments"},
	} {
		r[u.key] = api + u.path
	}
	return r
}

func (p *Params) ping() obj {
	hook := p.repoAPI() + "/hooks/" + strconv.FormatInt(p.HookID, 10)
	return obj{
		"zen":     "Design for failure.",
		"hook_id": p.HookID,
		"hook": obj{
			"type": "Repository", "id": p.HookID, "name": "web", "active": true,
			"events":     []string{"deployment", "deployment_status", "pull_request"},
			"config":     obj{"content_type": "json", "insecure_ssl": "0", "url": "https://deployctl.invalid/event_handler"},
			"updated_at": p.ts(0), "created_at": p.ts(0), "url": hook, "test_url": hook + "/test",
			"ping_url": hook + "/pings", "deliveries_url": hook + "/deliveries",
			"last_response": obj{"code": nil, "status": "unused", "message": nil},
		},
	}
}

func (p *Params) deployment(updated bool) obj {
	url := p.repoAPI() + "/deployments/" + strconv.FormatInt(p.DeploymentID, 10)
	upd := p.ts(0)
	if updated {
		upd = p.ts(2 * time.Second)
	}
	return obj{
		"url": url, "id": p.DeploymentID, "node_id": nodeID("Deployment", p.DeploymentID),
		"sha": p.SHA, "ref": p.Ref, "task": "deploy", "payload": obj{},
		"original_environment": p.Environment, "environment": p.Environment, "description": nil,
		"creator": p.user(p.Sender), "created_at": p.ts(0), "updated_at": upd,
		"statuses_url": url + "/statuses", "repository_url": p.repoAPI(),
		"transient_environment": false, "production_environment": p.Environment == "production",
		"performed_via_github_app": nil,
	}
}

func (p *Params) deploymentStatus() obj {
	d := p.deployment(true)
	sid := p.DeploymentID*10 + 1
	return obj{
		"action": "created",
		"deployment_status": obj{
			"url": d["url"].(string) + "/statuses/" + strconv.FormatInt(sid, 10), "id": sid,
			"node_id": nodeID("DeploymentStatus", sid), "state": p.State, "creator": p.user(p.Sender),
			"description": "", "environment": p.Environment, "target_url": "", "log_url": "", "environment_url": "",
			"created_at": p.ts(2 * time.Second), "updated_at": p.ts(2 * time.Second),
			"deployment_url": d["url"], "repository_url": p.repoAPI(), "performed_via_github_app": nil,
		},
		"deployment":   d,
		"workflow":     nil,
		"workflow_run": nil,
	}
}

func (p *Params) mergedPullRequest() obj {
	n := strconv.Itoa(p.Number)
	api := p.repoAPI()
	web := p.WebURL + "/" + p.Repo
	prURL := api + "/pulls/" + n
	author := p.user(p.Sender)
	merge := randomHex(20)
	head := obj{"label": p.owner() + ":" + p.Ref, "ref": p.Ref, "sha": p.SHA, "user": p.user(p.owner()), "repo": p.repository()}
	if p.Ref == p.DefaultBranch {
		// A pull request from a branch named after the base makes no sense; name the head branch.
		head["ref"] = "feature-" + n
		head["label"] = p.owner() + ":feature-" + n
	}
	link := func(href string) obj { return obj{"href": href} }
	pr := obj{
		"url": prURL, "id": id("pull", p.Repo+"#"+n), "node_id": nodeID("PullRequest", id("pull", p.Repo+"#"+n)),
		"html_url": web + "/pull/" + n, "diff_url": web + "/pull/" + n + ".diff", "patch_url": web + "/pull/" + n + ".patch",
		"issue_url": api + "/issues/" + n, "number": p.Number, "state": "closed", "locked": false,
		"title": "Pull request #" + n, "user": author, "body": nil,
		"created_at": p.ts(-2 * time.Hour), "updated_at": p.ts(0), "closed_at": p.ts(0), "merged_at": p.ts(0),
		"merge_commit_sha": merge, "assignee": nil, "assignees": []any{}, "requested_reviewers": []any{},
		"requested_teams": []any{}, "labels": []any{}, "milestone": nil, "draft": false,
		"commits_url": prURL + "/commits", "review_comments_url": prURL + "/comments",
		"review_comment_url": api + "/pulls/comments{/number}", "comments_url": api + "/issues/" + n + "/comments",
		"statuses_url": api + "/statuses/" + p.SHA, "head": head,
		"base": obj{"label": p.owner() + ":" + p.DefaultBranch, "ref": p.DefaultBranch, "sha": randomHex(20),
			"user": p.user(p.owner()), "repo": p.repository()},
		"_links": obj{
			"self": link(prURL), "html": link(web + "/pull/" + n), "issue": link(api + "/issues/" + n),
			"comments": link(api + "/issues/" + n + "/comments"), "review_comments": link(prURL + "/comments"),
			"review_comment": link(api + "/pulls/comments{/number}"), "commits": link(prURL + "/commits"),
			"statuses": link(api + "/statuses/" + p.SHA),
		},
		"author_association": "MEMBER", "auto_merge": nil, "active_lock_reason": nil, "merged": true,
		"mergeable": nil, "rebaseable": nil, "mergeable_state": "unknown", "merged_by": author,
		"comments": 0, "review_comments": 0, "maintainer_can_modify": false,
		"commits": 1, "additions": 1, "deletions": 0, "changed_files": 1,
	}
	return obj{"action": "closed", "number": p.Number, "pull_request": pr}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomInt(n int64) int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return int64(v % uint64(n))
}

// NewDeliveryID is a delivery's X-GitHub-Delivery: a random UUID, as GitHub's.
func NewDeliveryID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
