package environment

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

// The environments benchmarks: 100 environments (each with a few deployments, the newest successful), 50 ms
// of latency on every request of the fake GitHub. Overview against the naive way (list the environments, then
// one deployments+statuses request per environment, one after the other).
//
//	go test -run '^$' -bench Environments -benchtime 5x ./internal/environment/

func benchServer(b *testing.B) (*githubtest.Server, *ghapi.Client) {
	gh := githubtest.New(githubtest.Options{})
	b.Cleanup(gh.Close)
	envs := make([]string, 100)
	for i := range envs {
		envs[i] = fmt.Sprintf("env-%03d", i)
	}
	gh.SeedDeployments("octo/demo", 300, envs...)
	gh.SetLatency(50 * time.Millisecond)
	return gh, ghapitest.Client(b, gh, "")
}

func BenchmarkEnvironmentsOverview(b *testing.B) {
	gh, c := benchServer(b)
	var requests int
	for b.Loop() {
		gh.ResetRequests()
		envs, err := Overview(context.Background(), c, demo, OverviewOptions{})
		if err != nil || len(envs) != 100 || envs[99].Active == nil {
			b.Fatal(len(envs), err)
		}
		requests = len(gh.Requests())
	}
	b.ReportMetric(float64(requests), "requests/op")
}

// naiveQuery is one environment's newest deployments with their latest statuses.
const naiveQuery = `query($owner: String!, $name: String!, $env: [String!]) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $env, first: 20, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { ` + deploy.NodeFields + ` } }
  }
}`

func BenchmarkEnvironmentsNaive(b *testing.B) {
	gh, c := benchServer(b)
	ctx := context.Background()
	var requests int
	for b.Loop() {
		gh.ResetRequests()
		names, err := deploy.Environments(ctx, c, demo)
		if err != nil || len(names) != 100 {
			b.Fatal(len(names), err)
		}
		for _, name := range names {
			var data struct {
				Repository struct {
					Deployments struct{ Nodes []deploy.Node } `json:"deployments"`
				} `json:"repository"`
			}
			vars := map[string]any{"owner": demo.Owner, "name": demo.Name, "env": []string{name}}
			if err := c.GraphQL(ctx, naiveQuery, vars, &data); err != nil {
				b.Fatal(err)
			}
			if firstSucceeded(c, demo, data.Repository.Deployments.Nodes) == nil {
				b.Fatal("no active deployment in", name)
			}
		}
		requests = len(gh.Requests())
	}
	b.ReportMetric(float64(requests), "requests/op")
}
