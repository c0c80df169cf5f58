package githubtest

import (
	"encoding/json"
	"strings"
	"testing"
)

const listQuery = `query($owner:String!,$name:String!,$first:Int!,$after:String,$environments:[String!],$dir:OrderDirection!){
  repository(owner:$owner,name:$name){
    deployments(first:$first, after:$after, environments:$environments, orderBy:{field:CREATED_AT,direction:$dir}){
      totalCount
      pageInfo{hasNextPage endCursor}
      nodes{
        id databaseId environment originalEnvironment task description payload commitOid ref{name} state
        createdAt updatedAt creator{login}
        latestStatus{ id state description logUrl environmentUrl environment createdAt creator{login} }
        statuses(first:5){ totalCount nodes{ state } }
      }
    }
  }
  rateLimit{cost remaining}
}`

type gqlPage struct {
	Data struct {
		Repository *struct {
			Deployments struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
				Nodes []struct {
					ID           string
					DatabaseID   int64
					Environment  string
					Payload      string
					State        string
					Ref          *struct{ Name string }
					Description  *string
					LatestStatus *struct {
						State  string
						LogURL *string
					}
					Statuses struct {
						TotalCount int
						Nodes      []struct{ State string }
					}
				}
			}
		}
		RateLimit *struct{ Cost, Remaining int }
	}
	Errors []struct {
		Message string
		Type    string
		Path    []any
	}
}

func gql(t *testing.T, s *Server, path, query string, vars map[string]any) (resp, gqlPage) {
	t.Helper()
	r := call(t, s, "POST", path, map[string]any{"query": query, "variables": vars})
	var p gqlPage
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return r, p
}

func TestGraphQLDeployments(t *testing.T) {
	s := NewT(t)
	s.SeedDeployments("octo/demo", 5, "production", "staging")
	id := create(t, s, map[string]any{"ref": "main", "environment": "staging", "payload": map[string]any{"a": 1}})
	setStatus(t, s, id, map[string]any{"state": "in_progress", "log_url": "https://ci.example/9"})

	vars := func(first int, after any, envs any, dir string) map[string]any {
		return map[string]any{"owner": "octo", "name": "demo", "first": first, "after": after, "environments": envs, "dir": dir}
	}
	// DESC pages through everything newest first.
	var seen []int64
	var after any
	for page := 0; ; page++ {
		r, p := gql(t, s, "/graphql", listQuery, vars(4, after, nil, "DESC"))
		mustStatus(t, r, 200)
		if len(p.Errors) > 0 {
			t.Fatalf("errors: %s", r.body)
		}
		c := p.Data.Repository.Deployments
		if c.TotalCount != 6 {
			t.Errorf("totalCount %d", c.TotalCount)
		}
		for _, n := range c.Nodes {
			seen = append(seen, n.DatabaseID)
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		after = c.PageInfo.EndCursor
		if page > 3 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 6 || seen[0] != id || seen[5] != 1 {
		t.Errorf("DESC order = %v", seen)
	}

	_, p := gql(t, s, "/api/graphql", listQuery, vars(10, nil, []string{"staging"}, "ASC"))
	nodes := p.Data.Repository.Deployments.Nodes
	if len(nodes) != 3 || nodes[0].DatabaseID != 2 || nodes[2].DatabaseID != id {
		t.Fatalf("ASC staging = %+v", nodes)
	}
	newest := nodes[2]
	if newest.State != "IN_PROGRESS" || newest.LatestStatus.State != "IN_PROGRESS" || *newest.LatestStatus.LogURL != "https://ci.example/9" ||
		newest.Payload != `{"a":1}` || newest.Ref.Name != "main" || newest.Description != nil || newest.Statuses.TotalCount != 1 {
		t.Errorf("newest = %+v", newest)
	}
	if nodes[1].State != "ACTIVE" || nodes[0].State != "INACTIVE" {
		t.Errorf("states = %s, %s (want INACTIVE, ACTIVE)", nodes[0].State, nodes[1].State)
	}
	if p.Data.RateLimit == nil || p.Data.RateLimit.Cost != 1 {
		t.Errorf("rateLimit = %+v", p.Data.RateLimit)
	}
}

func TestGraphQLDefaultOrderIsAscending(t *testing.T) {
	s := NewT(t)
	s.SeedDeployments("octo/demo", 3)
	r := call(t, s, "POST", "/graphql", map[string]any{"query": `{ repository(owner:"octo", name:"demo") {
		deployments(last: 2) { nodes { databaseId __typename } edges { cursor node { databaseId } } pageInfo { hasPreviousPage startCursor } } } }`})
	want := `{"data":{"repository":{"deployments":{"nodes":[{"databaseId":2,"__typename":"Deployment"},{"databaseId":3,"__typename":"Deployment"}],`
	if !strings.HasPrefix(string(r.body), want) || !strings.Contains(string(r.body), `"hasPreviousPage":true`) {
		t.Errorf("got %s", r.body)
	}
}

func TestGraphQLErrors(t *testing.T) {
	s := NewT(t)
	tests := []struct {
		name, query string
		vars        map[string]any
		want        string // substring of the answer
	}{
		{"unknown repo", listQuery, map[string]any{"owner": "octo", "name": "nope", "first": 1, "dir": "ASC"},
			`{"data":{"repository":null,"rateLimit":{"cost":1,`},
		{"too many", listQuery, map[string]any{"owner": "octo", "name": "demo", "first": 101, "dir": "ASC"},
			"Requesting 101 records on the `deployments` connection exceeds the `first` limit of 100 records."},
		{"no first", `{ repository(owner:"octo",name:"demo"){ deployments { totalCount } } }`, nil,
			"You must provide a `first` or `last` value"},
		{"bad cursor", `{ repository(owner:"octo",name:"demo"){ deployments(first:1, after:"xyz") { totalCount } } }`, nil,
			"does not appear to be a valid cursor"},
		{"syntax", `{ repository(`, nil, `"errors":[{"message":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "POST", "/graphql", map[string]any{"query": tt.query, "variables": tt.vars})
			mustStatus(t, r, 200)
			if !strings.Contains(string(r.body), tt.want) {
				t.Errorf("answer %s\nlacks %s", r.body, tt.want)
			}
		})
	}
	_, p := gql(t, s, "/graphql", listQuery, map[string]any{"owner": "octo", "name": "nope", "first": 1, "dir": "ASC"})
	if len(p.Errors) != 1 || p.Errors[0].Type != "NOT_FOUND" || p.Errors[0].Path[0] != "repository" {
		t.Errorf("errors = %+v", p.Errors)
	}
	_, p = gql(t, s, "/graphql", listQuery, map[string]any{"owner": "octo", "name": "demo", "first": 101, "dir": "ASC"})
	if p.Data.Repository != nil {
		t.Errorf("data with an excessive page")
	}
}

// An unknown field is an error before execution, with or without the schema.
func TestGraphQLUnknownField(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	r := call(t, s, "POST", "/graphql", map[string]any{"query": `{ repository(owner:"octo",name:"demo"){ nope } }`})
	if want := `"message":"Field 'nope' doesn't exist on type 'Repository'"`; !strings.Contains(string(r.body), want) ||
		strings.Contains(string(r.body), `"data"`) {
		t.Errorf("answer %s", r.body)
	}
}

func TestGraphQLNodes(t *testing.T) {
	s := NewT(t)
	id := create(t, s, map[string]any{"ref": "main"})
	setStatus(t, s, id, map[string]any{"state": "success"})
	nodeID := call(t, s, "GET", "/repos/octo/demo/deployments/"+itoa(id), nil).json(t)["node_id"].(string)
	r := call(t, s, "POST", "/graphql", map[string]any{
		"query":     `query($ids:[ID!]!){ nodes(ids:$ids){ __typename ... on Deployment { databaseId latestStatus { state } } } }`,
		"variables": map[string]any{"ids": []string{nodeID, "bm9wZQ=="}},
	})
	mustStatus(t, r, 200)
	var out struct {
		Data struct {
			Nodes []*struct {
				Typename     string `json:"__typename"`
				DatabaseID   int64
				LatestStatus struct{ State string }
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	n := out.Data.Nodes
	if len(out.Errors) != 0 || len(n) != 2 || n[0] == nil || n[0].DatabaseID != id || n[0].LatestStatus.State != "SUCCESS" || n[1] != nil {
		t.Fatalf("nodes = %s", r.body)
	}
}
