package githubtest

import (
	"encoding/base64"
	"strings"
	"sync"
	"testing"
)

// lockCommit builds a commit holding lock.json on top of main, through the git database API.
func lockCommit(t *testing.T, s *Server, content string) string {
	t.Helper()
	head := s.Repo("octo/demo").Branch("main")
	c := call(t, s, "GET", "/repos/octo/demo/git/commits/"+head, nil)
	mustStatus(t, c, 200)
	baseTree := c.json(t)["tree"].(map[string]any)["sha"].(string)
	tr := call(t, s, "POST", "/repos/octo/demo/git/trees", map[string]any{
		"base_tree": baseTree, "tree": []map[string]any{{"path": "lock.json", "mode": "100644", "type": "blob", "content": content}},
	})
	mustStatus(t, tr, 201)
	entries := tr.json(t)["tree"].([]any)
	if len(entries) != 2 {
		t.Fatalf("tree has %d entries, want README.md and lock.json", len(entries))
	}
	cm := call(t, s, "POST", "/repos/octo/demo/git/commits", map[string]any{
		"message": "lock [skip ci]", "tree": tr.json(t)["sha"], "parents": []string{head},
	})
	mustStatus(t, cm, 201)
	got := cm.json(t)
	if got["parents"].([]any)[0].(map[string]any)["sha"] != head || got["author"].(map[string]any)["name"] != "octocat" {
		t.Errorf("commit = %v", got)
	}
	return got["sha"].(string)
}

func TestGitRefsAreAtomicClaims(t *testing.T) {
	s := NewT(t)
	sha := lockCommit(t, s, `{"reason":"fixing"}`)
	const n = 8
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := callAs(t, s, DefaultToken, "POST", s.URL()+"/repos/octo/demo/git/refs",
				map[string]any{"ref": "refs/heads/production-branch-deploy-lock", "sha": sha})
			if r.status == 422 {
				if m := r.json(t)["message"]; m != "Reference already exists" {
					t.Errorf("422 message %q", m)
				}
			}
			codes <- r.status
		}()
	}
	wg.Wait()
	close(codes)
	won := 0
	for c := range codes {
		switch c {
		case 201:
			won++
		case 422:
		default:
			t.Errorf("status %d", c)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates of one ref succeeded, want exactly 1", won)
	}
	r := call(t, s, "GET", "/repos/octo/demo/git/ref/heads/production-branch-deploy-lock", nil)
	mustStatus(t, r, 200)
	if r.json(t)["object"].(map[string]any)["sha"] != sha {
		t.Errorf("ref = %s", r.body)
	}
	if b, ok := s.Repo("octo/demo").BranchFile("production-branch-deploy-lock", "lock.json"); !ok || string(b) != `{"reason":"fixing"}` {
		t.Errorf("lock.json = %q %v", b, ok)
	}
	mustStatus(t, call(t, s, "DELETE", "/repos/octo/demo/git/refs/heads/production-branch-deploy-lock", nil), 204)
	r = call(t, s, "DELETE", "/repos/octo/demo/git/refs/heads/production-branch-deploy-lock", nil)
	mustStatus(t, r, 422)
	if m := r.json(t)["message"]; m != "Reference does not exist" {
		t.Errorf("second delete: %q", m)
	}
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/git/ref/heads/production-branch-deploy-lock", nil), 404)
}

func TestGitRefErrors(t *testing.T) {
	s := NewT(t)
	head := s.Repo("octo/demo").Branch("main")
	for name, tt := range map[string]struct {
		body    map[string]any
		message string
	}{
		"not qualified": {map[string]any{"ref": "heads/x", "sha": head}, "Reference name is invalid"},
		"unknown sha":   {map[string]any{"ref": "refs/heads/x", "sha": strings.Repeat("a", 40)}, "Object does not exist"},
		"exists":        {map[string]any{"ref": "refs/heads/main", "sha": head}, "Reference already exists"},
	} {
		t.Run(name, func(t *testing.T) {
			r := call(t, s, "POST", "/repos/octo/demo/git/refs", tt.body)
			mustStatus(t, r, 422)
			if m := r.json(t)["message"]; m != tt.message {
				t.Errorf("message %q, want %q", m, tt.message)
			}
		})
	}
	mustStatus(t, call(t, s, "DELETE", "/repos/octo/demo/git/refs/heads/main", nil), 422)

	// A fast-forward moves a ref; anything else needs force.
	child := lockCommit(t, s, "{}")
	mustStatus(t, call(t, s, "POST", "/repos/octo/demo/git/refs", map[string]any{"ref": "refs/heads/topic", "sha": head}), 201)
	mustStatus(t, call(t, s, "PATCH", "/repos/octo/demo/git/refs/heads/topic", map[string]any{"sha": child}), 200)
	r := call(t, s, "PATCH", "/repos/octo/demo/git/refs/heads/topic", map[string]any{"sha": head})
	mustStatus(t, r, 422)
	if m := r.json(t)["message"]; m != "Update is not a fast forward" {
		t.Errorf("message %q", m)
	}
	mustStatus(t, call(t, s, "PATCH", "/repos/octo/demo/git/refs/heads/topic", map[string]any{"sha": head, "force": true}), 200)
}

func TestBlobsAndNestedTrees(t *testing.T) {
	s := NewT(t)
	b := call(t, s, "POST", "/repos/octo/demo/git/blobs", map[string]any{"content": base64.StdEncoding.EncodeToString([]byte("hi\n")), "encoding": "base64"})
	mustStatus(t, b, 201)
	sha := b.json(t)["sha"].(string)
	if sha != "45b983be36b73c0788dc9cbcb76cbb80fc7bb057" { // git hash-object of "hi\n"
		t.Errorf("blob sha %s is not git's", sha)
	}
	g := call(t, s, "GET", "/repos/octo/demo/git/blobs/"+sha, nil)
	if got, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(g.json(t)["content"].(string), "\n", "")); string(got) != "hi\n" {
		t.Errorf("blob content %q", got)
	}
	tr := call(t, s, "POST", "/repos/octo/demo/git/trees", map[string]any{
		"tree": []map[string]any{{"path": "a/b/c.txt", "mode": "100644", "type": "blob", "sha": sha}},
	})
	mustStatus(t, tr, 201)
	top := tr.json(t)["tree"].([]any)
	if len(top) != 1 || top[0].(map[string]any)["path"] != "a" || top[0].(map[string]any)["type"] != "tree" {
		t.Errorf("tree = %v", top)
	}
}

func TestContentsAsBranchDeployUsesThem(t *testing.T) {
	s := NewT(t)
	head := s.Repo("octo/demo").Branch("main")
	mustStatus(t, call(t, s, "POST", "/repos/octo/demo/git/refs", map[string]any{"ref": "refs/heads/staging-branch-deploy-lock", "sha": head}), 201)
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/contents/lock.json?ref=staging-branch-deploy-lock", nil), 404)
	content := base64.StdEncoding.EncodeToString([]byte(`{"created_by":"monalisa"}`))
	put := call(t, s, "PUT", "/repos/octo/demo/contents/lock.json", map[string]any{
		"message": "lock [skip ci]", "content": content, "branch": "staging-branch-deploy-lock",
	})
	mustStatus(t, put, 201)
	c, _ := s.Repo("octo/demo").GitCommitOf("staging-branch-deploy-lock")
	if c.Message != "lock [skip ci]" || len(c.Parents) != 1 || c.Parents[0] != head {
		t.Errorf("lock commit = %+v", c)
	}
	get := call(t, s, "GET", "/repos/octo/demo/contents/lock.json?ref=staging-branch-deploy-lock", nil)
	mustStatus(t, get, 200)
	raw, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(get.json(t)["content"].(string), "\n", ""))
	if string(raw) != `{"created_by":"monalisa"}` {
		t.Errorf("content %q", raw)
	}
	// Updating needs the blob's sha, as on GitHub.
	r := call(t, s, "PUT", "/repos/octo/demo/contents/lock.json", map[string]any{"message": "again", "content": content, "branch": "staging-branch-deploy-lock"})
	mustStatus(t, r, 422)
	r = call(t, s, "PUT", "/repos/octo/demo/contents/lock.json", map[string]any{"message": "again", "content": content,
		"branch": "staging-branch-deploy-lock", "sha": get.json(t)["sha"]})
	mustStatus(t, r, 200)
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/contents/", nil), 200)
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/contents/README.md", nil), 200)
	mustStatus(t, call(t, s, "PUT", "/repos/octo/demo/contents/x", map[string]any{"message": "m", "content": content, "branch": "nope"}), 404)
}

func TestGetUser(t *testing.T) {
	s := NewT(t)
	r := call(t, s, "GET", "/user", nil)
	mustStatus(t, r, 200)
	if r.json(t)["login"] != "octocat" {
		t.Errorf("login %v", r.json(t)["login"])
	}
	s.AddAppToken("ghs_app")
	r = callAs(t, s, "ghs_app", "GET", s.URL()+"/user", nil)
	mustStatus(t, r, 403)
	if m := r.json(t)["message"]; m != "Resource not accessible by integration" {
		t.Errorf("message %q", m)
	}
}

func TestGraphQLReadsFilesAndRefs(t *testing.T) {
	s := NewT(t)
	sha := lockCommit(t, s, `{"reason":"fixing"}`)
	for _, ref := range []string{"refs/heads/production-branch-deploy-lock", "refs/heads/global-branch-deploy-lock", "refs/heads/other"} {
		mustStatus(t, call(t, s, "POST", "/repos/octo/demo/git/refs", map[string]any{"ref": ref, "sha": sha}), 201)
	}
	q := `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
	  env: object(expression: "production-branch-deploy-lock:lock.json") { ... on Blob { text } }
	  none: object(expression: "staging-branch-deploy-lock:lock.json") { ... on Blob { text } }
	  defaultBranchRef { name target { ... on Commit { oid tree { oid } } } }
	  refs(refPrefix: "refs/heads/", query: "branch-deploy-lock", first: 1) {
	    totalCount pageInfo { hasNextPage endCursor }
	    nodes { name target { ... on Commit { oid file(path: "lock.json") { object { ... on Blob { text } } } } } }
	  }
	} }`
	r := call(t, s, "POST", "/graphql", map[string]any{"query": q, "variables": map[string]any{"owner": "octo", "name": "demo"}})
	mustStatus(t, r, 200)
	want := `{"data":{"repository":{"env":{"text":"{\"reason\":\"fixing\"}"},"none":null,"defaultBranchRef":{"name":"main","target":{"oid":"` +
		s.Repo("octo/demo").Branch("main") + `","tree":{"oid":"`
	if !strings.HasPrefix(string(r.body), want) {
		t.Errorf("answer %s\nwant prefix %s", r.body, want)
	}
	if !strings.Contains(string(r.body), `"refs":{"totalCount":2,"pageInfo":{"hasNextPage":true,"endCursor":"Z2xvYmFsLWJyYW5jaC1kZXBsb3ktbG9jaw=="},"nodes":[{"name":"global-branch-deploy-lock","target":{"oid":"`+sha+`","file":{"object":{"text":"{\"reason\":\"fixing\"}"}}}}]}`) {
		t.Errorf("refs: %s", r.body)
	}
}
