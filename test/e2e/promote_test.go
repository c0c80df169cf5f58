package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// TestPromoteAndRollBack: what staging runs goes to production pinned by
// SHA, then production rolls back to what it ran before; each new
// deployment's payload says where it came from.
func TestPromoteAndRollBack(t *testing.T) {
	u := newUser(t)
	repo := u.gh.Repo("octo/demo")
	deployed := func(env, sha string) string {
		id := strings.TrimSpace(u.must("create", "--ref", sha, "-e", env, "--skip-checks"))
		u.must("status", "set", id, "success")
		return id
	}
	old := repo.Commit("main", "old", "octocat")
	prodID := deployed("production", old)
	next := repo.Commit("main", "next", "octocat")
	stagingID := deployed("staging", next)

	if r := u.run("", "promote", "staging", "staging"); r.code != 2 {
		t.Fatalf("promote staging staging: exit %d, want 2", r.code)
	}
	promoted := strings.TrimSpace(u.must("promote", "staging", "production"))
	u.must("status", "set", promoted, "success")
	rolled := strings.TrimSpace(u.must("rollback", "production"))
	if r := u.run("", "rollback", "qa"); r.code != 1 || !strings.Contains(r.stderr, "nothing to roll back") {
		t.Fatalf("rollback qa: exit %d\n%s", r.code, r.stderr)
	}

	byID := map[string]struct {
		sha, env string
		payload  map[string]any
	}{}
	for _, d := range u.gh.Deployments("octo/demo") {
		var p map[string]any
		_ = json.Unmarshal(d.Payload, &p)
		byID[strconv.FormatInt(d.ID, 10)] = struct {
			sha, env string
			payload  map[string]any
		}{d.SHA, d.Environment, p}
	}
	if len(byID) != 4 {
		t.Fatalf("%d deployments, want 4", len(byID))
	}
	if d := byID[promoted]; d.sha != next || d.env != "production" || d.payload["promoted_from"] != num(t, stagingID) {
		t.Errorf("promoted %+v", d)
	}
	if d := byID[rolled]; d.sha != old || d.env != "production" || d.payload["rollback_of"] != num(t, promoted) {
		t.Errorf("rolled back %+v (first production deployment %s)", d, prodID)
	}
}

func num(t *testing.T, s string) float64 {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
