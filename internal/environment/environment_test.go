package environment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/status"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

// deployTo creates a deployment of ref to env and gives it the states in turn; it returns its ID.
func deployTo(tb testing.TB, c *ghapi.Client, env, ref string, states ...status.State) int64 {
	tb.Helper()
	ctx := context.Background()
	d, err := deploy.Create(ctx, c, demo, deploy.CreateRequest{Ref: ref, Environment: env, RequiredContexts: &[]string{}})
	if err != nil {
		tb.Fatal(err)
	}
	for _, st := range states {
		req := status.SetRequest{State: st}
		if st == status.Success {
			req.EnvironmentURL = fmt.Sprintf("https://%s.example/%d", env, d.ID)
		}
		if _, err := status.Set(ctx, c, demo, d.ID, req); err != nil {
			tb.Fatal(err)
		}
	}
	return d.ID
}

func TestQueriesMatchGitHubSchema(t *testing.T) {
	dir := os.Getenv(githubtest.EnvAPIDir)
	if dir == "" {
		t.Skip(githubtest.EnvAPIDir + " not set")
	}
	schema, err := githubtest.LoadGraphQLSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{
		"active": activeQuery, "environments": environmentsQuery,
		"deployments": deploymentsQuery([]int{1, 20}, []string{"", "Y3Vyc29y"}),
	} {
		if err := githubtest.ValidateQuery(schema, q); err != nil {
			t.Errorf("%s query: %v", name, err)
		}
	}
}

func TestActive(t *testing.T) {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	ctx := context.Background()

	good := deployTo(t, c, "staging", "main", status.InProgress, status.Success)
	check := func(env string, want int64) {
		t.Helper()
		d, err := Active(ctx, c, demo, env)
		if err != nil || d.ID != want || d.State != "success" || d.EnvironmentURL != fmt.Sprintf("https://staging.example/%d", want) {
			t.Fatalf("Active(%s) = %+v, %v; want %d", env, d, err, want)
		}
	}
	check("staging", good)

	// Later failures, errors and a deploy still running leave the last success active.
	deployTo(t, c, "staging", "main", status.Failure)
	deployTo(t, c, "staging", "main", status.Error)
	deployTo(t, c, "staging", "main", status.InProgress)
	check("staging", good)

	// Further back than the first page of 20: found on the next.
	for range 25 {
		deployTo(t, c, "staging", "main", status.Failure)
	}
	gh.ResetRequests()
	check("staging", good)
	if n := len(gh.Requests()); n != 2 {
		t.Errorf("an active deployment 28 back took %d requests, want 2", n)
	}

	// A new success takes over (and auto_inactive retires the old one).
	newer := deployTo(t, c, "staging", "main", status.Success)
	gh.ResetRequests()
	check("staging", newer)
	if n := len(gh.Requests()); n != 1 {
		t.Errorf("active = latest completed took %d requests, want 1", n)
	}

	deployTo(t, c, "qa", "main", status.Failure)
	var none *NoActiveError
	if _, err := Active(ctx, c, demo, "qa"); !errors.As(err, &none) || !none.HasDeployments ||
		err.Error() != "qa has no active deployment (none whose latest status is success)" {
		t.Errorf("qa: %v", err)
	}
	if _, err := Active(ctx, c, demo, "nowhere"); !errors.As(err, &none) || none.HasDeployments ||
		err.Error() != "nowhere has no deployments" {
		t.Errorf("nowhere: %v", err)
	}
	other := repository.Repository{Host: "github.com", Owner: "octo", Name: "missing"}
	if _, err := Active(ctx, c, other, "qa"); ghapi.StatusCode(err) != 404 {
		t.Errorf("missing repository: %v", err)
	}
}

func TestOverview(t *testing.T) {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	ctx := context.Background()

	prod := deployTo(t, c, "production", "main", status.Success)
	stagingOK := deployTo(t, c, "staging", "main", status.Success)
	for range 22 {
		deployTo(t, c, "staging", "main", status.Failure)
	}
	stagingRunning := deployTo(t, c, "staging", "main", status.InProgress)
	qa := deployTo(t, c, "qa", "main") // no status yet
	gh.ResetRequests()

	envs, err := Overview(ctx, c, demo, OverviewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range envs {
		row := fmt.Sprintf("%s state=%q", e.Name, e.State)
		if e.Latest != nil {
			row += fmt.Sprintf(" latest=%d", e.Latest.ID)
		}
		if e.Active != nil {
			row += fmt.Sprintf(" active=%d", e.Active.ID)
		}
		row += " url=" + e.URL
		if e.Lock != nil {
			row += " locked"
		}
		got = append(got, row)
	}
	want := []string{
		fmt.Sprintf("production state=\"success\" latest=%d active=%d url=https://production.example/%d", prod, prod, prod),
		fmt.Sprintf("qa state=\"\" latest=%d url=", qa),
		fmt.Sprintf("staging state=\"in_progress\" latest=%d active=%d url=https://staging.example/%d", stagingRunning, stagingOK, stagingOK),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("overview:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// staging's active deployment is 24 back: the third request.
	if n := len(gh.Requests()); n != 3 {
		t.Errorf("overview took %d requests, want 3", n)
	}
}

type fakeLock string

func (l fakeLock) LockOwner() string { return string(l) }

func TestOverviewOfManyEnvironmentsAndLocks(t *testing.T) {
	gh := githubtest.NewT(t)
	envs := make([]string, 130)
	for i := range envs {
		envs[i] = fmt.Sprintf("env-%03d", i)
	}
	gh.SeedDeployments("octo/demo", 260, envs...) // two successful deployments each
	c := ghapitest.Client(t, gh, "")
	gh.ResetRequests()
	var asked []string
	got, err := Overview(context.Background(), c, demo, OverviewOptions{Locks: func(_ context.Context, names []string) (map[string]Lock, error) {
		asked = names
		return map[string]Lock{"env-007": fakeLock("alice")}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 130 || len(asked) != 130 {
		t.Fatalf("%d environments, locks asked for %d", len(got), len(asked))
	}
	// 100 environments: 2 requests (latest completed = active for each); 30 more: 2 more.
	if n := len(gh.Requests()); n != 4 {
		t.Errorf("130 environments took %d requests, want 4", n)
	}
	for i, e := range got {
		if e.Name != envs[i] || e.Active == nil || e.Latest == nil || e.Active.ID != e.Latest.ID || e.Active.ID <= 130 {
			t.Fatalf("row %d: %+v", i, e)
		}
		if (e.Lock != nil) != (e.Name == "env-007") {
			t.Errorf("%s: lock %v", e.Name, e.Lock)
		}
	}
}

func TestCompareAndDiff(t *testing.T) {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	ctx := context.Background()
	repo := gh.Repo("octo/demo")
	base := repo.Branch("main")
	deployTo(t, c, "production", base, status.Success)
	c1 := repo.Commit("main", "Add a feature\n\nDetails.", "alice")
	deployTo(t, c, "staging", c1, status.Success)
	c2 := repo.Commit("main", "Fix it", "bob")
	hot := repo.Commit("release/1.x", "Hotfix", "carol")

	d, err := DiffOf(ctx, c, demo, "production", "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Base != base || d.Head != "main" || d.Target != "main" || d.Status != "ahead" || d.AheadBy != 2 || d.BehindBy != 0 ||
		len(d.Commits) != 2 || d.Commits[0].SHA != c1 || d.Commits[0].Author != "alice" || d.Commits[0].Subject() != "Add a feature" ||
		d.Commits[1].SHA != c2 || !strings.HasSuffix(d.URL, "/octo/demo/compare/"+base+"...main") {
		t.Errorf("production vs main: %+v", d)
	}

	d, err = DiffOf(ctx, c, demo, "production", "@staging")
	if err != nil {
		t.Fatal(err)
	}
	if d.Head != c1 || d.TargetActive == nil || d.TargetActive.SHA != c1 || d.AheadBy != 1 || d.Commits[0].Message != "Add a feature\n\nDetails." {
		t.Errorf("production vs @staging: %+v", d)
	}

	d, err = DiffOf(ctx, c, demo, "staging", "release/1.x")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != "ahead" || d.AheadBy != 2 || d.Commits[1].SHA != hot {
		t.Errorf("staging vs release/1.x: %+v", d)
	}
	d, err = DiffOf(ctx, c, demo, "staging", base)
	if err != nil || d.Status != "behind" || d.BehindBy != 1 || len(d.Commits) != 0 {
		t.Errorf("staging vs its parent: %+v, %v", d, err)
	}

	var none *NoActiveError
	if _, err := DiffOf(ctx, c, demo, "qa", ""); !errors.As(err, &none) {
		t.Errorf("qa: %v", err)
	}
	if _, err := DiffOf(ctx, c, demo, "production", "@qa"); !errors.As(err, &none) || none.Environment != "qa" {
		t.Errorf("@qa: %v", err)
	}
	if _, err := Compare(ctx, c, demo, "main", "no-such-branch"); ghapi.StatusCode(err) != 404 {
		t.Errorf("unknown ref: %v", err)
	}
}
