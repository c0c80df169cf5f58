// Package environment answers "what is deployed where": an environment's
// active deployment (the newest whose latest status is success), the
// overview of every environment of a repository in a bounded number of
// requests, and what a ref has that an environment does not (GitHub's
// compare API). promote, rollback and diff stand on Active and Diff; the
// environments command on Overview.
package environment

import (
	"context"
	"fmt"
	"strings"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// NoActiveError says an environment has no active deployment: no
// deployment at all, or none whose latest status is success.
type NoActiveError struct {
	Environment    string
	HasDeployments bool
}

func (e *NoActiveError) Error() string {
	if !e.HasDeployments {
		return fmt.Sprintf("%s has no deployments", e.Environment)
	}
	return fmt.Sprintf("%s has no active deployment (none whose latest status is success)", e.Environment)
}

// activeQuery reads an environment's latest completed deployment (the active
// one when it succeeded, in the common case one request) and its newest
// deployments to search when it did not.
const activeQuery = `query EnvironmentActive($owner: String!, $name: String!, $env: String!, $envs: [String!], $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    environment(name: $env) { latestCompletedDeployment { ` + deploy.NodeFields + ` } }
    deployments(environments: $envs, first: $first, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ` + deploy.NodeFields + ` }
    }
  }
}`

// maxActivePages bounds the search for an active deployment: one older than
// the newest 1,000 of its environment is reported as none.
const maxActivePages = 10

// activeFirstPage is how many of the newest deployments the first request
// looks at: usually the active one is among the last few.
const activeFirstPage = 20

// Active returns env's active deployment: the newest deployment to env whose
// latest status is success. Without one it returns a *NoActiveError.
func Active(ctx context.Context, c *ghapi.Client, repo repository.Repository, env string) (*deploy.Deployment, error) {
	vars := map[string]any{"owner": repo.Owner, "name": repo.Name, "env": env, "envs": []string{env}, "first": activeFirstPage}
	seen := false
	for page := 0; page < maxActivePages; page++ {
		var data struct {
			Repository *struct {
				Environment *struct {
					LatestCompletedDeployment *deploy.Node `json:"latestCompletedDeployment"`
				} `json:"environment"`
				Deployments deploymentPage `json:"deployments"`
			} `json:"repository"`
		}
		if err := c.GraphQL(ctx, activeQuery, vars, &data); err != nil {
			return nil, deploy.GraphQLError("find the active deployment of "+env, repo, err)
		}
		if data.Repository == nil {
			return nil, deploy.GraphQLError("find the active deployment of "+env, repo, ghapi.GraphQLErrors{{Type: "NOT_FOUND", Message: "Could not resolve to a Repository"}})
		}
		if e := data.Repository.Environment; page == 0 && e != nil && succeeded(e.LatestCompletedDeployment) {
			d := e.LatestCompletedDeployment.Deployment(c, repo)
			return &d, nil
		}
		conn := data.Repository.Deployments
		seen = seen || len(conn.Nodes) > 0
		if d := firstSucceeded(c, repo, conn.Nodes); d != nil {
			return d, nil
		}
		if !conn.PageInfo.HasNextPage {
			break
		}
		vars["after"], vars["first"] = conn.PageInfo.EndCursor, deploy.PageSize
	}
	return nil, &NoActiveError{Environment: env, HasDeployments: seen}
}

type deploymentPage struct {
	PageInfo struct {
		HasNextPage bool   `json:"hasNextPage"`
		EndCursor   string `json:"endCursor"`
	} `json:"pageInfo"`
	Nodes []deploy.Node `json:"nodes"`
}

func succeeded(n *deploy.Node) bool {
	return n != nil && n.LatestStatus != nil && strings.EqualFold(n.LatestStatus.State, string(status.Success))
}

// firstSucceeded is the first of nodes (newest first) whose latest status is
// success, or nil.
func firstSucceeded(c *ghapi.Client, repo repository.Repository, nodes []deploy.Node) *deploy.Deployment {
	for i := range nodes {
		if succeeded(&nodes[i]) {
			d := nodes[i].Deployment(c, repo)
			return &d
		}
	}
	return nil
}
