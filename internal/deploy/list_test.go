package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/status"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

// The queries deployctl sends must be valid against GitHub's own schema.
func TestQueriesMatchGitHubSchema(t *testing.T) {
	dir := githubtest.TestDir(githubtest.EnvAPIDir)
	if dir == "" {
		t.Skip(githubtest.EnvAPIDir + " not set: skipping the check of deployctl's GraphQL queries against GitHub's schema")
	}
	schema, err := githubtest.LoadGraphQLSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{"list": ListQuery, "latest statuses": LatestStatusQuery} {
		if err := githubtest.ValidateQuery(schema, q); err != nil {
			t.Errorf("%s query: %v", name, err)
		}
	}
}

func TestListBothPathsAgree(t *testing.T) {
	gh := githubtest.NewT(t)
	gh.SeedDeployments("octo/demo", 120, "production", "staging", "qa")
	c := ghapitest.Client(t, gh, "")
	ctx := context.Background()
	viaGraphQL, err := List(ctx, c, demo, ListOptions{Limit: 110})
	if err != nil {
		t.Fatal(err)
	}
	viaREST, err := List(ctx, c, demo, ListOptions{Limit: 110, EnvironmentFlags: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(viaGraphQL) != 110 || len(viaREST) != 110 {
		t.Fatalf("got %d and %d", len(viaGraphQL), len(viaREST))
	}
	for i := range viaGraphQL {
		g, r := viaGraphQL[i], viaREST[i]
		r.Transient, r.Production = false, false // only REST knows them
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", r) {
			t.Fatalf("deployment %d differs:\nGraphQL %+v\nREST    %+v", i, g, r)
		}
	}
	if viaGraphQL[0].ID != 120 || viaGraphQL[0].State != "success" || viaGraphQL[109].ID != 11 {
		t.Errorf("order or state wrong: first %+v", viaGraphQL[0])
	}
	if d, err := Get(ctx, c, demo, 120); err != nil || fmt.Sprint(d.Deployment.Payload) != fmt.Sprint(viaREST[0].Payload) || d.State != viaREST[0].State {
		t.Errorf("get 120 = %+v, %v", d, err)
	}
}

// BenchmarkList compares list over 1,000 deployments, 50 ms per request,
// with the naive REST approach: pages of deployments plus one statuses
// request per deployment. Run it with:
//
//	go test ./internal/deploy -run '^$' -bench BenchmarkList -benchtime 1x
func BenchmarkList(b *testing.B) {
	gh := githubtest.New(githubtest.Options{})
	defer gh.Close()
	gh.SeedDeployments("octo/demo", 1000, "production", "staging")
	gh.SetLatency(50 * time.Millisecond)
	c := ghapitest.Client(b, gh, "")
	ctx := context.Background()

	b.Run("deployctl", func(b *testing.B) {
		for b.Loop() {
			gh.ResetRequests()
			deps, err := List(ctx, c, demo, ListOptions{Limit: 1000})
			if err != nil || len(deps) != 1000 {
				b.Fatalf("%d deployments, %v", len(deps), err)
			}
		}
		b.ReportMetric(float64(len(gh.Requests())), "requests/op")
	})
	b.Run("rest-per-deployment", func(b *testing.B) {
		for b.Loop() {
			gh.ResetRequests()
			n := 0
			for page := 1; page <= 10; page++ {
				var list []restDeployment
				if _, err := restDo(ctx, c, http.MethodGet, fmt.Sprintf("repos/octo/demo/deployments?per_page=100&page=%d", page), nil, &list); err != nil {
					b.Fatal(err)
				}
				for _, d := range list {
					var statuses []map[string]any
					if _, err := restDo(ctx, c, http.MethodGet, fmt.Sprintf("repos/octo/demo/deployments/%d/statuses?per_page=1", d.ID), nil, &statuses); err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			if n != 1000 {
				b.Fatalf("%d deployments", n)
			}
		}
		b.ReportMetric(float64(len(gh.Requests())), "requests/op")
	})
}

func TestCreateGetDelete(t *testing.T) {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	ctx := context.Background()
	a, err := Create(ctx, c, demo, CreateRequest{Ref: "main", Environment: "staging", Payload: []byte(`"text"`)})
	if err != nil {
		t.Fatal(err)
	}
	if a.Ref != "main" || a.Environment != "staging" || a.Task != "deploy" || a.Production || string(a.Payload) != `"text"` {
		t.Errorf("created %+v", a)
	}
	b, err := Create(ctx, c, demo, CreateRequest{Ref: "main", Environment: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(ctx, c, demo, CreateRequest{Ref: " "}); err == nil {
		t.Error("empty ref accepted")
	}
	// GitHub deletes only inactive deployments (or a repository's last one).
	if _, err := status.Set(ctx, c, demo, a.ID, status.SetRequest{State: status.Success}); err != nil {
		t.Fatal(err)
	}
	if err := Delete(ctx, c, demo, a.ID); ghapi.StatusCode(err) != 422 {
		t.Fatalf("delete of an active deployment: %v", err)
	}
	if _, err := status.Set(ctx, c, demo, a.ID, status.SetRequest{State: status.Inactive}); err != nil {
		t.Fatal(err)
	}
	if err := Delete(ctx, c, demo, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := Get(ctx, c, demo, a.ID); ghapi.StatusCode(err) != 404 {
		t.Errorf("get after delete: %v", err)
	}
	if d, err := Get(ctx, c, demo, b.ID); err != nil || d.State != "" || len(d.Statuses) != 0 {
		t.Errorf("get %d = %+v, %v", b.ID, d, err)
	}
}

// FromEvent reads the deployment of a real deployment delivery (when the
// shared webhooks are present) as REST answers read.
func TestFromEventRealDelivery(t *testing.T) {
	for _, d := range githubtest.RealDeliveries(t) {
		if d.Name != "deployment.created.json" {
			continue
		}
		var ev struct {
			Deployment json.RawMessage `json:"deployment"`
		}
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		dep, err := FromEvent(ev.Deployment)
		if err != nil {
			t.Fatal(err)
		}
		if dep.ID == 0 || dep.SHA == "" || dep.Ref == "" || dep.Environment == "" || dep.Creator == "" || len(dep.Payload) == 0 {
			t.Fatalf("FromEvent = %+v", dep)
		}
		return
	}
	t.Skip("no deployment.created.json delivery")
}

func TestFromEventRefusesNoID(t *testing.T) {
	if _, err := FromEvent(json.RawMessage(`{"sha":"abc"}`)); err == nil {
		t.Fatal("a deployment without an ID accepted")
	}
	if _, err := FromEvent(json.RawMessage(`[`)); err == nil {
		t.Fatal("bad JSON accepted")
	}
}
