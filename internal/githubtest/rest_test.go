package githubtest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCreateDeploymentDefaults(t *testing.T) {
	s := NewT(t)
	r := call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "main"})
	mustStatus(t, r, 201)
	d := r.json(t)
	want := map[string]any{
		"ref": "main", "task": "deploy", "environment": "production", "original_environment": "production",
		"transient_environment": false, "production_environment": true, "description": nil,
		"sha": s.Repo("octo/demo").Branch("main"), "performed_via_github_app": nil,
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %#v, want %#v", k, d[k], v)
		}
	}
	if p, ok := d["payload"].(map[string]any); !ok || len(p) != 0 {
		t.Errorf("payload = %#v, want {}", d["payload"])
	}
	if d["creator"].(map[string]any)["login"] != "octocat" {
		t.Errorf("creator = %v", d["creator"])
	}
	if loc := r.header.Get("Location"); loc != d["url"] || !strings.HasPrefix(loc, s.URL()) {
		t.Errorf("Location %q, url %v", loc, d["url"])
	}
	for _, h := range []string{"X-GitHub-Request-Id", "X-RateLimit-Remaining", "X-RateLimit-Limit", "X-RateLimit-Reset"} {
		if r.header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	got := s.Deployments("octo/demo")
	if len(got) != 1 || got[0].Task != "deploy" || !got[0].AutoMerge || got[0].RequiredContexts != nil {
		t.Errorf("state = %+v", got)
	}
	env := call(t, s, "GET", "/repos/octo/demo/environments/production", nil)
	mustStatus(t, env, 200)
}

func TestCreateDeploymentFields(t *testing.T) {
	s := NewT(t)
	repo := s.Repo("octo/demo")
	repo.AddTag("v1.0.0", "1111111111111111111111111111111111111111")
	tests := []struct {
		name string
		body map[string]any
		want map[string]any
	}{
		{"tag", map[string]any{"ref": "v1.0.0"}, map[string]any{"sha": "1111111111111111111111111111111111111111"}},
		{"full sha", map[string]any{"ref": "abcdefabcdefabcdefabcdefabcdefabcdefabcd"}, map[string]any{"sha": "abcdefabcdefabcdefabcdefabcdefabcdefabcd"}},
		{"short sha of a tag", map[string]any{"ref": "1111111"}, map[string]any{"sha": "1111111111111111111111111111111111111111", "ref": "1111111"}},
		{"staging is not production", map[string]any{"ref": "main", "environment": "staging", "task": "deploy:migrations", "description": "hi"},
			map[string]any{"environment": "staging", "production_environment": false, "task": "deploy:migrations", "description": "hi"}},
		{"explicit flags", map[string]any{"ref": "main", "environment": "pr-1", "transient_environment": true, "production_environment": true},
			map[string]any{"transient_environment": true, "production_environment": true}},
		{"payload object", map[string]any{"ref": "main", "payload": map[string]any{"deploy_user": "mona"}}, nil},
		{"payload JSON string", map[string]any{"ref": "main", "payload": `{"deploy_user":"mona"}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "POST", "/repos/octo/demo/deployments", tt.body)
			mustStatus(t, r, 201)
			d := r.json(t)
			for k, v := range tt.want {
				if d[k] != v {
					t.Errorf("%s = %#v, want %#v", k, d[k], v)
				}
			}
			if strings.HasPrefix(tt.name, "payload") {
				if p, _ := d["payload"].(map[string]any); p["deploy_user"] != "mona" {
					t.Errorf("payload = %#v", d["payload"])
				}
			}
		})
	}
}

func TestCreateDeploymentErrors(t *testing.T) {
	s := NewT(t)
	repo := s.Repo("octo/demo")
	repo.AddBranch("red", "2222222222222222222222222222222222222222")
	repo.SetCommitStatus("red", "ci/test", "failure")
	repo.SetCommitStatus("red", "ci/lint", "success")
	tests := []struct {
		name    string
		body    any
		status  int
		message string
	}{
		{"missing ref", map[string]any{"environment": "x"}, 422, "Validation Failed"},
		{"unknown ref", map[string]any{"ref": "nope"}, 422, "No ref found for: nope"},
		{"ref of wrong type", map[string]any{"ref": 12}, 422, "Validation Failed"},
		{"auto_merge of wrong type", map[string]any{"ref": "main", "auto_merge": "yes"}, 422, "Validation Failed"},
		{"payload array", map[string]any{"ref": "main", "payload": []int{1}}, 422, "Validation Failed"},
		{"bad JSON", `{"ref":`, 400, "Problems parsing JSON"},
		{"failing context", map[string]any{"ref": "red"}, 409, "Conflict: Commit status checks failed for red."},
		{"required context missing", map[string]any{"ref": "main", "required_contexts": []string{"ci/other"}}, 409, "Conflict: Commit status checks failed for main."},
		{"only the passing context", map[string]any{"ref": "red", "required_contexts": []string{"ci/lint"}}, 201, ""},
		{"checks skipped", map[string]any{"ref": "red", "required_contexts": []string{}}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "POST", "/repos/octo/demo/deployments", tt.body)
			mustStatus(t, r, tt.status)
			if tt.message != "" {
				if m := r.json(t)["message"]; m != tt.message {
					t.Errorf("message %q, want %q", m, tt.message)
				}
			}
		})
	}
	r := call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "red"})
	errs := r.json(t)["errors"].([]any)[0].(map[string]any)
	if errs["field"] != "required_contexts" || errs["code"] != "invalid" || len(errs["contexts"].([]any)) != 1 {
		t.Errorf("errors = %v", errs)
	}
}

func TestAutoMerge(t *testing.T) {
	s := NewT(t)
	repo := s.Repo("octo/demo")
	repo.AddBranch("topic", "3333333333333333333333333333333333333333")
	repo.SetBehind("topic")

	r := call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "topic"})
	mustStatus(t, r, 202)
	if m := r.json(t)["message"]; m != "Auto-merged main into topic on deployment." {
		t.Errorf("message %q", m)
	}
	if n := len(s.Deployments("octo/demo")); n != 0 {
		t.Fatalf("%d deployments after 202", n)
	}
	create(t, s, map[string]any{"ref": "topic"})
	if sha := s.Deployments("octo/demo")[0].SHA; sha == "3333333333333333333333333333333333333333" {
		t.Errorf("deployed the pre-merge SHA")
	}

	repo.SetBehind("topic")
	create(t, s, map[string]any{"ref": "topic", "auto_merge": false})
}

func TestListPaginationAndFilters(t *testing.T) {
	s := NewT(t)
	s.SeedDeployments("octo/demo", 7, "production", "staging")
	r := call(t, s, "GET", "/repos/octo/demo/deployments?per_page=2", nil)
	mustStatus(t, r, 200)
	list := r.list(t)
	if len(list) != 2 || list[0]["id"].(float64) != 7 || list[1]["id"].(float64) != 6 {
		t.Fatalf("first page = %v, %v (want newest first)", list[0]["id"], list[1]["id"])
	}
	link := r.header.Get("Link")
	for _, want := range []string{
		`<` + s.URL() + `/repos/octo/demo/deployments?page=2&per_page=2>; rel="next"`,
		`<` + s.URL() + `/repos/octo/demo/deployments?page=4&per_page=2>; rel="last"`,
	} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %q lacks %q", link, want)
		}
	}
	r = call(t, s, "GET", "/repos/octo/demo/deployments?per_page=2&page=4", nil)
	if list := r.list(t); len(list) != 1 || list[0]["id"].(float64) != 1 {
		t.Errorf("last page = %v", list)
	}
	if l := r.header.Get("Link"); !strings.Contains(l, `rel="prev"`) || !strings.Contains(l, `rel="first"`) || strings.Contains(l, `rel="next"`) {
		t.Errorf("last page Link %q", l)
	}
	r = call(t, s, "GET", "/repos/octo/demo/deployments?environment=staging", nil)
	if list := r.list(t); len(list) != 3 || r.header.Get("Link") != "" {
		t.Errorf("staging: %d deployments, Link %q", len(list), r.header.Get("Link"))
	}
	r = call(t, s, "GET", "/repos/octo/demo/deployments?task=nope", nil)
	if list := r.list(t); len(list) != 0 {
		t.Errorf("task filter: %d", len(list))
	}
	// GHES-style prefix: same data, links on the prefix.
	r = call(t, s, "GET", "/api/v3/repos/octo/demo/deployments?per_page=5", nil)
	mustStatus(t, r, 200)
	if l := r.header.Get("Link"); !strings.Contains(l, s.URL()+"/api/v3/repos/octo/demo/deployments?page=2") {
		t.Errorf("GHES Link %q", l)
	}
	created := s.Deployments("octo/demo")
	for i := 1; i < len(created); i++ {
		if !created[i].CreatedAt.After(created[i-1].CreatedAt) {
			t.Errorf("created_at not increasing at %d", i)
		}
	}
}

func TestStatuses(t *testing.T) {
	s := NewT(t)
	id := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	st := setStatus(t, s, id, map[string]any{"state": "in_progress", "target_url": "https://ci.example/1"})
	if st["log_url"] != "https://ci.example/1" || st["target_url"] != "https://ci.example/1" || st["environment"] != "staging" {
		t.Errorf("status = %v", st)
	}
	st = setStatus(t, s, id, map[string]any{"state": "success", "environment": "qa", "environment_url": "https://qa.example"})
	if st["environment"] != "qa" {
		t.Errorf("environment = %v", st["environment"])
	}
	if d := call(t, s, "GET", "/repos/octo/demo/deployments/"+itoa(id), nil).json(t); d["environment"] != "qa" || d["original_environment"] != "staging" {
		t.Errorf("deployment env %v, original %v", d["environment"], d["original_environment"])
	}
	st = setStatus(t, s, id, map[string]any{"state": "failure"})
	if st["environment"] != "qa" {
		t.Errorf("environment defaults to the previous status's: %v", st["environment"])
	}
	r := call(t, s, "GET", "/repos/octo/demo/deployments/"+itoa(id)+"/statuses?per_page=2", nil)
	list := r.list(t)
	if len(list) != 2 || list[0]["state"] != "failure" || !strings.Contains(r.header.Get("Link"), `rel="next"`) {
		t.Errorf("statuses = %v, Link %q", list, r.header.Get("Link"))
	}
	sid := int64(list[0]["id"].(float64))
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/deployments/"+itoa(id)+"/statuses/"+itoa(sid), nil), 200)
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/deployments/"+itoa(id)+"/statuses/1", nil), 404)

	for name, body := range map[string]any{
		"bad state":        map[string]any{"state": "done"},
		"missing state":    map[string]any{"description": "x"},
		"long description": map[string]any{"state": "success", "description": strings.Repeat("x", 141)},
	} {
		t.Run(name, func(t *testing.T) {
			mustStatus(t, call(t, s, "POST", "/repos/octo/demo/deployments/"+itoa(id)+"/statuses", body), 422)
		})
	}
	mustStatus(t, call(t, s, "POST", "/repos/octo/demo/deployments/999/statuses", map[string]any{"state": "success"}), 404)
}

func TestAutoInactive(t *testing.T) {
	s := NewT(t)
	a := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, a, map[string]any{"state": "success"})
	transient := create(t, s, map[string]any{"ref": "main", "environment": "staging", "transient_environment": true})
	setStatus(t, s, transient, map[string]any{"state": "success", "auto_inactive": false})
	other := create(t, s, map[string]any{"ref": "main", "environment": "prod-eu"})
	setStatus(t, s, other, map[string]any{"state": "success"})
	b := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, b, map[string]any{"state": "in_progress"})
	if got := latest(s, a); got != "success" {
		t.Fatalf("in_progress retired the earlier deployment: %s", got)
	}
	setStatus(t, s, b, map[string]any{"state": "success"})
	for id, want := range map[int64]string{a: "inactive", transient: "success", other: "success", b: "success"} {
		if got := latest(s, id); got != want {
			t.Errorf("deployment %d latest state %s, want %s", id, got, want)
		}
	}
	c := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, c, map[string]any{"state": "success", "auto_inactive": false})
	if got := latest(s, b); got != "success" {
		t.Errorf("auto_inactive=false retired %d: %s", b, got)
	}
}

func latest(s *Server, id int64) string {
	for _, d := range s.Deployments("octo/demo") {
		if d.ID == id && len(d.Statuses) > 0 {
			return d.Statuses[len(d.Statuses)-1].State
		}
	}
	return ""
}

func TestDeleteRules(t *testing.T) {
	s := NewT(t)
	only := create(t, s, map[string]any{"ref": "main"})
	setStatus(t, s, only, map[string]any{"state": "success"})
	mustStatus(t, call(t, s, "DELETE", "/repos/octo/demo/deployments/"+itoa(only), nil), 204)
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/deployments/"+itoa(only), nil), 404)

	a := create(t, s, map[string]any{"ref": "main"})
	setStatus(t, s, a, map[string]any{"state": "success"})
	b := create(t, s, map[string]any{"ref": "main"})
	r := call(t, s, "DELETE", "/repos/octo/demo/deployments/"+itoa(a), nil)
	mustStatus(t, r, 422)
	if !strings.Contains(r.json(t)["message"].(string), "cannot delete an active deployment") {
		t.Errorf("message %s", r.body)
	}
	setStatus(t, s, b, map[string]any{"state": "success"}) // retires a
	mustStatus(t, call(t, s, "DELETE", "/repos/octo/demo/deployments/"+itoa(a), nil), 204)
	mustStatus(t, call(t, s, "DELETE", "/repos/octo/demo/deployments/"+itoa(a), nil), 404)
}

func TestAuth(t *testing.T) {
	s := NewT(t)
	s.AddToken("ghs_readonly", false)
	tests := []struct {
		name, token, method, path string
		status                    int
		message                   string
	}{
		{"no token", "", "GET", "/repos/octo/demo/deployments", 401, "Bad credentials"},
		{"unknown token", "ghp_nope", "GET", "/repos/octo/demo/deployments", 401, "Bad credentials"},
		{"unknown token graphql", "ghp_nope", "POST", "/graphql", 401, "Bad credentials"},
		{"read-only can read", "ghs_readonly", "GET", "/repos/octo/demo/deployments", 200, ""},
		{"read-only cannot write", "ghs_readonly", "POST", "/repos/octo/demo/deployments", 403, "Resource not accessible by integration"},
		{"unknown repo", DefaultToken, "GET", "/repos/octo/nope/deployments", 404, "Not Found"},
		{"repo", DefaultToken, "GET", "/repos/octo/demo", 200, ""},
		{"repo GHES", DefaultToken, "GET", "/api/v3/repos/octo/demo", 200, ""},
		{"rate limit", DefaultToken, "GET", "/rate_limit", 200, ""},
		{"environments", DefaultToken, "GET", "/repos/octo/demo/environments", 200, ""},
		{"unknown environment", DefaultToken, "GET", "/repos/octo/demo/environments/nope", 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := callAs(t, s, tt.token, tt.method, s.URL()+tt.path, map[string]any{"ref": "main"})
			if tt.method == "GET" {
				r = callAs(t, s, tt.token, tt.method, s.URL()+tt.path, nil)
			}
			mustStatus(t, r, tt.status)
			if tt.message != "" && r.json(t)["message"] != tt.message {
				t.Errorf("message: %s", r.body)
			}
		})
	}
	if got := s.Requests()[0]; got.Header.Get("Authorization") != "" || got.Status != 401 {
		t.Errorf("first recorded request = %+v", got)
	}
	s.ResetRequests()
	call(t, s, "GET", "/repos/octo/demo", nil)
	if rs := s.Requests(); len(rs) != 1 || rs[0].Header.Get("Authorization") != "Bearer "+DefaultToken {
		t.Errorf("requests = %+v", rs)
	}
}

func TestFailNextAndLatency(t *testing.T) {
	s := NewT(t)
	s.FailNext("GET", "/repos/octo/demo/deployments", 2, 502, nil)
	s.FailNext("", "/repos/octo/demo", 1, 403, http.Header{"X-Ratelimit-Remaining": {"0"}, "Retry-After": {"7"}})
	for i := 0; i < 2; i++ {
		r := call(t, s, "GET", "/repos/octo/demo/deployments", nil)
		mustStatus(t, r, 502)
		if r.json(t)["message"] != "Server Error" {
			t.Errorf("body %s", r.body)
		}
	}
	r := call(t, s, "GET", "/repos/octo/demo/deployments", nil)
	mustStatus(t, r, 403)
	if r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("Retry-After") != "7" ||
		!strings.Contains(r.json(t)["message"].(string), "rate limit") {
		t.Errorf("403: %v %s", r.header, r.body)
	}
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/deployments", nil), 200)
	s.FailNext("POST", "/graphql", 1, 429, http.Header{"Retry-After": {"1"}})
	mustStatus(t, call(t, s, "POST", "/api/graphql", `{"query":"{rateLimit{cost}}"}`), 429)

	s.SetLatency(50 * time.Millisecond)
	start := time.Now()
	call(t, s, "GET", "/rate_limit", nil)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
}
