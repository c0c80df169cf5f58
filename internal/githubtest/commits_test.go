package githubtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	s := NewT(t)
	repo := s.Repo("octo/demo")
	root := repo.Branch("main")
	c1 := repo.Commit("main", "Add the login page\n\nLong text.", "alice")
	c2 := repo.Commit("main", "Fix the login page", "bob")
	hot := repo.Commit("hotfix", "Hotfix", "carol") // branches from main at c2
	c3 := repo.Commit("main", "Third", "alice")

	type cmp struct {
		status         string
		ahead, behind  int
		commits        []string
		mergeBase      string
		firstAuthor    string
		firstMsgPrefix string
	}
	get := func(basehead string) cmp {
		t.Helper()
		r := call(t, s, "GET", "/repos/octo/demo/compare/"+basehead, nil)
		mustStatus(t, r, 200)
		m := r.json(t)
		var out cmp
		out.status = m["status"].(string)
		out.ahead = int(m["ahead_by"].(float64))
		out.behind = int(m["behind_by"].(float64))
		out.mergeBase = m["merge_base_commit"].(map[string]any)["sha"].(string)
		for _, c := range m["commits"].([]any) {
			out.commits = append(out.commits, c.(map[string]any)["sha"].(string))
		}
		if cs := m["commits"].([]any); len(cs) > 0 {
			c := cs[0].(map[string]any)
			out.firstAuthor = c["author"].(map[string]any)["login"].(string)
			out.firstMsgPrefix = c["commit"].(map[string]any)["message"].(string)
		}
		if m["total_commits"].(float64) != float64(out.ahead) {
			t.Errorf("%s: total_commits %v, ahead_by %d", basehead, m["total_commits"], out.ahead)
		}
		return out
	}

	if got := get(root[:7] + "...main"); got.status != "ahead" || got.ahead != 3 || got.behind != 0 ||
		strings.Join(got.commits, ",") != c1+","+c2+","+c3 || got.firstAuthor != "alice" ||
		got.firstMsgPrefix != "Add the login page\n\nLong text." || got.mergeBase != root {
		t.Errorf("root...main = %+v", got)
	}
	if got := get("main..." + c1); got.status != "behind" || got.ahead != 0 || got.behind != 2 || len(got.commits) != 0 {
		t.Errorf("main...c1 = %+v", got)
	}
	if got := get("main...hotfix"); got.status != "diverged" || got.ahead != 1 || got.behind != 1 ||
		strings.Join(got.commits, ",") != hot || got.mergeBase != c2 {
		t.Errorf("main...hotfix = %+v", got)
	}
	if got := get("octo:main...octo:main"); got.status != "identical" || got.ahead != 0 || got.behind != 0 {
		t.Errorf("main...main = %+v", got)
	}
	// Paging lists commits only; the counts stay whole.
	if got := get(root + "...main?per_page=2&page=2"); got.ahead != 3 || strings.Join(got.commits, ",") != c3 {
		t.Errorf("page 2 of 2 = %+v", got)
	}

	for _, path := range []string{"nope...main", "main", "main...0000000000000000000000000000000000000000", "other:main...main"} {
		r := call(t, s, "GET", "/repos/octo/demo/compare/"+path, nil)
		if r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, r.status)
		}
	}
	r := call(t, s, "GET", "/repos/octo/demo/compare/main...0000000000000000000000000000000000000000", nil)
	if msg := r.json(t)["message"]; msg != "No common ancestor between main and 0000000000000000000000000000000000000000." {
		t.Errorf("unrelated histories: %v", msg)
	}
}

func TestDocsCheckReportsViolations(t *testing.T) {
	dir := specDir(t)
	d, err := loadDocs(dir)
	if err != nil || d == nil {
		t.Fatalf("docs data: %v", err)
	}
	rec := &recorder{header: http.Header{}, status: 200}
	rec.body.WriteString(`{"status":"sideways"}`)
	v, ok := d.check("GET", "/repos/octo/demo/compare/a...b/c", rec)
	if !ok || len(v) != 1 || !strings.Contains(v[0], "Compare two commits") {
		t.Errorf("a bad compare answer: ok=%v %q", ok, v)
	}
	if _, ok := d.check("GET", "/repos/octo/demo/nothing", rec); ok {
		t.Error("a path outside the docs data matched")
	}
}
