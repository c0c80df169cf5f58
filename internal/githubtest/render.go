package githubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// This file turns the fake's state into the JSON objects GitHub sends, shared by REST answers and webhooks.

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "0%d:%s%d", len(kind), kind, id))
}

func (s *Server) userJSON(base, login string) obj {
	var id int64
	s.forUser(login, func(u *user) { id = u.id })
	web := "https://github.com/" + login
	api := base + "/users/" + login
	return obj{
		"login": login, "id": id, "node_id": nodeID("User", id),
		"avatar_url": "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10) + "?v=4", "gravatar_id": "",
		"url": api, "html_url": web,
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}",
		"gists_url": api + "/gists{/gist_id}", "starred_url": api + "/starred{/owner}{/repo}",
		"subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}",
		"received_events_url": api + "/received_events", "type": userType(login), "site_admin": false,
	}
}

func userType(login string) string {
	if strings.HasSuffix(login, "[bot]") {
		return "Bot"
	}
	return "User"
}

// forUser calls f with the user of that login (a made-up one if no token has it). Caller holds s.mu.
func (s *Server) forUser(login string, f func(*user)) {
	for _, u := range s.users {
		if u.login == login {
			f(u)
			return
		}
	}
	f(&user{id: 1000 + int64(len(login)), login: login})
}

func (s *Server) repoJSON(base string, r *Repo) obj {
	api := base + "/repos/" + r.FullName()
	web := "https://github.com/" + r.FullName()
	created := ts(epoch)
	o := obj{
		"id": r.id, "node_id": nodeID("Repository", r.id), "name": r.name, "full_name": r.FullName(),
		"private": false, "owner": s.userJSON(base, r.owner), "html_url": web, "description": nil, "fork": false,
		"url": api, "homepage": nil, "language": nil, "license": nil, "mirror_url": nil,
		"default_branch": r.defaultBranch, "created_at": created, "updated_at": created, "pushed_at": created,
		"git_url": "git://github.com/" + r.FullName() + ".git", "ssh_url": "git@github.com:" + r.FullName() + ".git",
		"clone_url": web + ".git", "svn_url": web, "size": 0, "archived": false, "disabled": false,
		"forks": 0, "forks_count": 0, "open_issues": 0, "open_issues_count": 0, "watchers": 0, "watchers_count": 0,
		"stargazers_count": 0, "network_count": 0, "subscribers_count": 0,
		"has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false, "has_downloads": true,
		"is_template": false, "topics": []string{}, "visibility": "public", "web_commit_signoff_required": false,
	}
	for k, v := range map[string]string{
		"archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}", "blobs_url": "/git/blobs{/sha}",
		"branches_url": "/branches{/branch}", "collaborators_url": "/collaborators{/collaborator}",
		"comments_url": "/comments{/number}", "commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
		"contents_url": "/contents/{+path}", "contributors_url": "/contributors", "deployments_url": "/deployments",
		"downloads_url": "/downloads", "events_url": "/events", "forks_url": "/forks",
		"git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}", "git_tags_url": "/git/tags{/sha}",
		"hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}", "issue_events_url": "/issues/events{/number}",
		"issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}",
		"languages_url": "/languages", "merges_url": "/merges", "milestones_url": "/milestones{/number}",
		"notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}",
		"releases_url": "/releases{/id}", "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
		"subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags",
		"teams_url": "/teams", "trees_url": "/git/trees{/sha}",
	} {
		o[k] = api + v
	}
	return o
}

// payloadJSON is what GitHub shows for a stored payload: {} when none was given.
func payloadJSON(p json.RawMessage) json.RawMessage {
	if len(p) == 0 {
		return json.RawMessage(`{}`)
	}
	return p
}

func (s *Server) deploymentJSON(base string, r *Repo, d *Deployment) obj {
	api := base + "/repos/" + r.FullName()
	var desc any
	if d.hasDescription {
		desc = d.Description
	}
	return obj{
		"url": api + "/deployments/" + strconv.FormatInt(d.ID, 10), "id": d.ID, "node_id": nodeID("Deployment", d.ID),
		"sha": d.SHA, "ref": d.Ref, "task": d.Task, "payload": payloadJSON(d.Payload),
		"original_environment": d.OriginalEnv, "environment": d.Environment, "description": desc,
		"creator": s.userJSON(base, d.Creator), "created_at": ts(d.CreatedAt), "updated_at": ts(d.UpdatedAt),
		"statuses_url":   api + "/deployments/" + strconv.FormatInt(d.ID, 10) + "/statuses",
		"repository_url": api, "transient_environment": d.Transient, "production_environment": d.Production,
		"performed_via_github_app": nil,
	}
}

func (s *Server) statusJSON(base string, r *Repo, d *Deployment, st Status) obj {
	api := base + "/repos/" + r.FullName()
	dep := api + "/deployments/" + strconv.FormatInt(d.ID, 10)
	return obj{
		"url": dep + "/statuses/" + strconv.FormatInt(st.ID, 10), "id": st.ID, "node_id": nodeID("DeploymentStatus", st.ID),
		"state": st.State, "creator": s.userJSON(base, st.Creator), "description": st.Description,
		"environment": st.Environment, "target_url": st.LogURL, "log_url": st.LogURL, "environment_url": st.EnvironmentURL,
		"created_at": ts(st.CreatedAt), "updated_at": ts(st.CreatedAt),
		"deployment_url": dep, "repository_url": api, "performed_via_github_app": nil,
	}
}

func (s *Server) environmentJSON(base string, r *Repo, e *environment) obj {
	return obj{
		"id": e.id, "node_id": nodeID("Environment", e.id), "name": e.name,
		"url":        base + "/repos/" + r.FullName() + "/environments/" + url.PathEscape(e.name),
		"html_url":   "https://github.com/" + r.FullName() + "/deployments/activity_log?environments_filter=" + url.QueryEscape(e.name),
		"created_at": ts(e.createdAt), "updated_at": ts(e.updatedAt),
		"protection_rules":         []any{},
		"deployment_branch_policy": nil,
	}
}

// page cuts a list for per_page/page and sets GitHub's Link header (absolute URLs on this server).
// It answers false after writing a 422 when the parameters are not numbers.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) ([]T, bool) {
	q := r.URL.Query()
	perPage, pageNo := 30, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid per_page parameter", "")
			return nil, false
		}
		perPage = min(max(n, 1), 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid page parameter", "")
			return nil, false
		}
		pageNo = max(n, 1)
	}
	last := max((len(items)+perPage-1)/perPage, 1)
	link := func(p int, rel string) string {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = v
		}
		q2.Set("page", strconv.Itoa(p))
		if q.Get("per_page") != "" {
			q2.Set("per_page", strconv.Itoa(perPage))
		}
		return fmt.Sprintf("<%s%s?%s>; rel=%q", base(r), r.URL.Path, q2.Encode(), rel)
	}
	var links []string
	if pageNo > 1 {
		links = append(links, link(min(pageNo-1, last), "prev"))
	}
	if pageNo < last {
		links = append(links, link(pageNo+1, "next"), link(last, "last"))
	}
	if pageNo > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		var b bytes.Buffer
		for i, l := range links {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(l)
		}
		w.Header().Set("Link", b.String())
	}
	start := (pageNo - 1) * perPage
	if start >= len(items) {
		return []T{}, true
	}
	return items[start:min(start+perPage, len(items))], true
}

func readAll(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

func readCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
