// Package locktest writes locks the way github/branch-deploy writes them, over the fake GitHub's REST API,
// for tests that check deployctl reads and respects them.
package locktest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

// BranchDeployJSON is lock.json as branch-deploy writes it for `.lock ENV --reason R` in pull request 4
// from branch cool-new-feature (env "" = `.lock --global`; reason "" = null). It has no schema_version,
// claim_id or expires_at, and created_at is JavaScript's toISOString.
func BranchDeployJSON(env, actor, reason string) []byte {
	var r, e any = nil, env
	if reason != "" {
		r = reason
	}
	unlock := ".unlock " + env
	if env == "" {
		e, unlock = nil, ".unlock --global"
	}
	b, _ := json.Marshal(map[string]any{
		"reason": r, "branch": "cool-new-feature", "created_at": "2022-06-15T21:12:14.041Z", "created_by": actor,
		"sticky": true, "environment": e, "global": env == "", "unlock_command": unlock,
		"link": "https://github.com/octo/demo/pull/4#issuecomment-1234",
	})
	return b
}

// WriteAsBranchDeploy does what branch-deploy does to take a lock on octo/demo: create the branch from the
// default branch's head, then commit content as lock.json with the contents API ("lock [skip ci]").
func WriteAsBranchDeploy(tb testing.TB, gh *githubtest.Server, branch string, content []byte) {
	tb.Helper()
	var ref struct {
		Object struct {
			SHA string `json:"sha"`
		} `json:"object"`
	}
	send(tb, gh, "GET", "/repos/octo/demo/git/ref/heads/main", nil, &ref, 200)
	send(tb, gh, "POST", "/repos/octo/demo/git/refs", map[string]any{"ref": "refs/heads/" + branch, "sha": ref.Object.SHA}, nil, 201)
	send(tb, gh, "PUT", "/repos/octo/demo/contents/lock.json", map[string]any{
		"message": "lock [skip ci]", "content": base64.StdEncoding.EncodeToString(content), "branch": branch,
	}, nil, 201)
}

func send(tb testing.TB, gh *githubtest.Server, method, path string, body, out any, want int) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, gh.URL()+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+githubtest.DefaultToken)
	req.Header.Set("Accept", "application/vnd.github+json")
	res, err := gh.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		tb.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatal(fmt.Errorf("%s %s: %w", method, path, err))
		}
	}
}
