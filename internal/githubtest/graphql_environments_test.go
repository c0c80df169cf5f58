package githubtest

import (
	"encoding/json"
	"os"
	"testing"
)

const environmentsQuery = `query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    environments(first: 10) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id databaseId name isPinned
        latestCompletedDeployment { databaseId state latestStatus { state } }
        protectionRules(first: 5) { totalCount nodes { type } }
      }
    }
    staging: deployments(environments: ["staging"], first: 1, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { databaseId state }
    }
    qa: environment(name: "qa") { name }
  }
}`

func TestGraphQLEnvironments(t *testing.T) {
	s := NewT(t)
	if dir := os.Getenv(EnvAPIDir); dir != "" {
		schema, err := LoadGraphQLSchema(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateQuery(schema, environmentsQuery); err != nil {
			t.Fatalf("query does not match GitHub's schema: %v", err)
		}
	}
	ok := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, ok, map[string]any{"state": "success"})
	failed := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, failed, map[string]any{"state": "failure"})
	running := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, running, map[string]any{"state": "in_progress"})
	prod := create(t, s, map[string]any{"ref": "main"})
	setStatus(t, s, prod, map[string]any{"state": "success"})

	r := call(t, s, "POST", "/graphql", map[string]any{"query": environmentsQuery, "variables": map[string]any{"owner": "octo", "name": "demo"}})
	mustStatus(t, r, 200)
	var out struct {
		Data struct {
			Repository struct {
				Environments struct {
					TotalCount int
					PageInfo   struct{ HasNextPage bool }
					Nodes      []struct {
						Name                      string
						IsPinned                  bool
						LatestCompletedDeployment *struct {
							DatabaseID   int64
							State        string
							LatestStatus struct{ State string }
						}
						ProtectionRules struct{ TotalCount int }
					}
				}
				Staging struct {
					Nodes []struct {
						DatabaseID int64
						State      string
					}
				}
				QA *struct{ Name string }
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("%v %s", err, r.body)
	}
	envs := out.Data.Repository.Environments
	if envs.TotalCount != 2 || len(envs.Nodes) != 2 || envs.Nodes[0].Name != "production" || envs.Nodes[1].Name != "staging" {
		t.Fatalf("environments: %s", r.body)
	}
	// staging's latest completed deployment is the failed one (the newest, in_progress, is not complete).
	if l := envs.Nodes[1].LatestCompletedDeployment; l == nil || l.DatabaseID != failed || l.State != "FAILURE" {
		t.Errorf("staging latestCompletedDeployment = %+v, want %d FAILURE", l, failed)
	}
	if l := envs.Nodes[0].LatestCompletedDeployment; l == nil || l.DatabaseID != prod || l.State != "ACTIVE" {
		t.Errorf("production latestCompletedDeployment = %+v, want %d ACTIVE", l, prod)
	}
	if st := out.Data.Repository.Staging.Nodes; len(st) != 1 || st[0].DatabaseID != running || st[0].State != "IN_PROGRESS" {
		t.Errorf("aliased deployments: %+v", st)
	}
	if out.Data.Repository.QA != nil {
		t.Errorf("environment(name: qa) = %+v, want null", out.Data.Repository.QA)
	}
}

func TestDeploymentStateAsGitHubComputesIt(t *testing.T) {
	s := NewT(t)
	first := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, first, map[string]any{"state": "success"})
	second := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, second, map[string]any{"state": "success", "auto_inactive": false})
	pending := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	review := create(t, s, map[string]any{"ref": "main", "environment": "review", "transient_environment": true, "production_environment": false})
	setStatus(t, s, review, map[string]any{"state": "success"})
	setStatus(t, s, review, map[string]any{"state": "inactive"})

	q := `{ repository(owner: "octo", name: "demo") { deployments(first: 10) { nodes { databaseId state } } } }`
	r := call(t, s, "POST", "/graphql", map[string]any{"query": q})
	var out struct {
		Data struct {
			Repository struct {
				Deployments struct {
					Nodes []struct {
						DatabaseID int64
						State      string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	// The first stays success (auto_inactive was off) but is not the newest successful one: INACTIVE.
	want := map[int64]string{first: "INACTIVE", second: "ACTIVE", pending: "PENDING", review: "DESTROYED"}
	for _, n := range out.Data.Repository.Deployments.Nodes {
		if want[n.DatabaseID] != n.State {
			t.Errorf("deployment %d: state %s, want %s", n.DatabaseID, n.State, want[n.DatabaseID])
		}
	}
}
