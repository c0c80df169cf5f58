package githubtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// This file is GitHub's GraphQL for environments: Repository.environments and Repository.environment, the
// Environment type with latestCompletedDeployment and (empty) protection rules. Its schema is GitHub's
// excerpt environments.graphql; the types that excerpt names but does not define get small stand-ins here.

// EnvironmentsGraphQLFile is GitHub's environment schema excerpt, read from Options.SpecDir when present.
const EnvironmentsGraphQLFile = "environments.graphql"

// environmentsStubs are what environments.graphql refers to but leaves to the full schema (Team, in the
// DeploymentReviewer union), and the Query field the fake serves besides the excerpt's (viewer).
const environmentsStubs = `
type Team implements Node {
  id: ID!
  databaseId: Int
  name: String!
  slug: String!
}
extend type Query {
  viewer: User!
}
`

// environmentsStandIns replace environments.graphql when it is absent: the definitions it holds that the
// rest of the schema needs, with the fields the fake resolves.
const environmentsStandIns = `
scalar DateTime
scalar URI
interface Node { id: ID! }
type Environment implements Node {
  id: ID!
  databaseId: Int
  name: String!
}
type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}
type RateLimit {
  cost: Int!
  limit: Int!
  nodeCount: Int!
  remaining: Int!
  resetAt: DateTime!
  used: Int!
}
type Query {
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  rateLimit(dryRun: Boolean = false): RateLimit
  repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  viewer: User!
}
`

func environmentSources(dir string) []*ast.Source {
	name := filepath.Join(dir, EnvironmentsGraphQLFile)
	b, err := os.ReadFile(name)
	if err != nil {
		return []*ast.Source{{Name: "githubtest-environments-stand-ins.graphql", Input: environmentsStandIns}}
	}
	return []*ast.Source{
		{Name: "githubtest-environments-stubs.graphql", Input: environmentsStubs},
		{Name: name, Input: string(b)},
	}
}

// envVal is an Environment of a repository.
type envVal struct {
	r *Repo
	e *environment
}

// moreField resolves the fields of this file's types; anything else does not exist.
func (c *gqlCtx) moreField(typ string, v any, f *ast.Field, a map[string]any) (any, error) {
	switch typ {
	case "Repository":
		r := v.(*Repo)
		switch f.Name {
		case "environments":
			return c.environments(r, a)
		case "environment":
			name, _ := a["name"].(string)
			if e := r.findEnv(name); e != nil {
				return typed{"Environment", envVal{r, e}}, nil
			}
			return nil, nil
		}
	case "Environment":
		ev := v.(envVal)
		switch f.Name {
		case "id":
			return nodeID("Environment", ev.e.id), nil
		case "databaseId":
			return ev.e.id, nil
		case "name":
			return ev.e.name, nil
		case "isPinned":
			return false, nil
		case "pinnedPosition":
			return nil, nil
		case "latestCompletedDeployment":
			// "The latest completed deployment with status success, failure, or error if it exists".
			for _, d := range slices.Backward(ev.r.deployments) {
				if d.Environment != ev.e.name {
					continue
				}
				switch d.latestState() {
				case "success", "failure", "error":
					return typed{"Deployment", depVal{ev.r, d}}, nil
				}
			}
			return nil, nil
		case "protectionRules":
			// The fake has no protection rules: an empty connection.
			return paginate("protectionRules", nil, nil, a, false)
		}
	}
	return nil, errUndefinedField
}

// environments is Repository.environments: filtered by names, ordered by name, pinned filter (nothing is
// pinned in the fake), paginated like every connection.
func (c *gqlCtx) environments(r *Repo, a map[string]any) (any, error) {
	var names []string
	if list, ok := a["names"].([]any); ok {
		for _, n := range list {
			names = append(names, fmt.Sprint(n))
		}
	}
	desc := false
	if ob, ok := a["orderBy"].(map[string]any); ok {
		desc = fmt.Sprint(ob["direction"]) == "DESC"
	}
	envs := slices.Clone(r.envs)
	slices.SortFunc(envs, func(x, y *environment) int { return strings.Compare(x.name, y.name) })
	if desc {
		slices.Reverse(envs)
	}
	var items []typed
	var ids []int64
	for _, e := range envs {
		if len(names) > 0 && !slices.Contains(names, e.name) {
			continue
		}
		if fmt.Sprint(a["pinnedEnvironmentFilter"]) == "ONLY" {
			continue
		}
		items = append(items, typed{"Environment", envVal{r, e}})
		ids = append(ids, e.id)
	}
	return paginate("environments", items, ids, a, true)
}
