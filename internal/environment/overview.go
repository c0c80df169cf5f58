package environment

import (
	"context"
	"fmt"
	"strings"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// Environment is one row of the overview. The JSON names are the fields of
// `environments --json`.
type Environment struct {
	Name string `json:"name"`
	// State is the latest deployment's latest status ("" when it has none).
	State string `json:"state"`
	// Active is the newest deployment whose latest status is success.
	Active *deploy.Deployment `json:"active"`
	// Latest is the newest deployment, whatever its state.
	Latest *deploy.Deployment `json:"latest"`
	// URL is the active deployment's environment URL.
	URL string `json:"url"`
	// Lock is the environment's lock, or nil (see OverviewOptions.Locks).
	Lock Lock `json:"lock"`
}

// Lock is an environment's lock as the overview shows it: LockOwner fills
// the LOCK column, and the value itself is the JSON object.
type Lock interface {
	LockOwner() string
}

// LocksFunc returns the locks of the named environments (absent: not
// locked). It may cost one request per lock held.
type LocksFunc func(ctx context.Context, environments []string) (map[string]Lock, error)

// OverviewOptions are Overview's optional parts.
type OverviewOptions struct {
	// Locks fills Environment.Lock; nil leaves every lock nil.
	Locks LocksFunc
}

// environmentsQuery lists a page of environments with their latest
// completed deployment: the active one whenever that one succeeded.
const environmentsQuery = `query EnvironmentOverview($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    environments(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { name latestCompletedDeployment { ` + deploy.NodeFields + ` } }
    }
  }
}`

// Deployments per environment in the second request: the newest (latest)
// always; enough to find the active one among the newest when the latest
// completed deployment did not succeed; a full page in the third request for
// the environments where even that was not enough.
const (
	firstKnown    = 1
	firstSearch   = activeFirstPage
	firstThorough = deploy.PageSize
)

// deploymentsQuery is one aliased Repository.deployments per environment,
// newest first; after is a cursor per environment or "" for the first page.
func deploymentsQuery(first []int, after []string) string {
	var b strings.Builder
	b.WriteString("query EnvironmentDeployments($owner: String!, $name: String!")
	for i := range first {
		fmt.Fprintf(&b, ", $e%d: [String!]", i)
		if after[i] != "" {
			fmt.Fprintf(&b, ", $a%d: String", i)
		}
	}
	b.WriteString(") {\n  repository(owner: $owner, name: $name) {\n")
	for i, n := range first {
		cursor := ""
		if after[i] != "" {
			cursor = fmt.Sprintf(", after: $a%d", i)
		}
		fmt.Fprintf(&b, "    e%d: deployments(environments: $e%d, first: %d%s, orderBy: {field: CREATED_AT, direction: DESC}) {\n", i, i, n, cursor)
		b.WriteString("      pageInfo { hasNextPage endCursor }\n      nodes { " + deploy.NodeFields + " }\n    }\n")
	}
	b.WriteString("  }\n}")
	return b.String()
}

// Overview returns every environment of repo in GitHub's order (by name)
// with its latest and active deployment: per 100 environments, one request
// lists them, one asks for the newest deployments of each, and a third only
// when an environment's active deployment is older than its newest 20.
func Overview(ctx context.Context, c *ghapi.Client, repo repository.Repository, o OverviewOptions) ([]Environment, error) {
	out := []Environment{}
	vars := map[string]any{"owner": repo.Owner, "name": repo.Name}
	for {
		var data struct {
			Repository *struct {
				Environments struct {
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
					Nodes []struct {
						Name                      string       `json:"name"`
						LatestCompletedDeployment *deploy.Node `json:"latestCompletedDeployment"`
					} `json:"nodes"`
				} `json:"environments"`
			} `json:"repository"`
		}
		if err := c.GraphQL(ctx, environmentsQuery, vars, &data); err != nil {
			return nil, deploy.GraphQLError("list environments", repo, err)
		}
		if data.Repository == nil {
			return nil, deploy.GraphQLError("list environments", repo, ghapi.GraphQLErrors{{Type: "NOT_FOUND", Message: "Could not resolve to a Repository"}})
		}
		page := make([]Environment, len(data.Repository.Environments.Nodes))
		for i, n := range data.Repository.Environments.Nodes {
			page[i].Name = n.Name
			if succeeded(n.LatestCompletedDeployment) {
				d := n.LatestCompletedDeployment.Deployment(c, repo)
				page[i].Active = &d
			}
		}
		if err := fillDeployments(ctx, c, repo, page); err != nil {
			return nil, err
		}
		out = append(out, page...)
		conn := data.Repository.Environments
		if !conn.PageInfo.HasNextPage || len(conn.Nodes) == 0 {
			break
		}
		vars["after"] = conn.PageInfo.EndCursor
	}
	if o.Locks != nil && len(out) > 0 {
		names := make([]string, len(out))
		for i, e := range out {
			names[i] = e.Name
		}
		locks, err := o.Locks(ctx, names)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Lock = locks[out[i].Name]
		}
	}
	return out, nil
}

// fillDeployments sets Latest, State, Active and URL of up to 100
// environments in one request, two when an active deployment is not among
// an environment's newest 20.
func fillDeployments(ctx context.Context, c *ghapi.Client, repo repository.Repository, envs []Environment) error {
	if len(envs) == 0 {
		return nil
	}
	first := make([]int, len(envs))
	after := make([]string, len(envs))
	for i, e := range envs {
		first[i] = firstSearch
		if e.Active != nil {
			first[i] = firstKnown
		}
	}
	pages, err := deploymentPages(ctx, c, repo, envs, first, after)
	if err != nil {
		return err
	}
	var again []int // environments whose active deployment is further back
	for i, p := range pages {
		if len(p.Nodes) > 0 {
			d := p.Nodes[0].Deployment(c, repo)
			envs[i].Latest, envs[i].State = &d, d.State
		}
		if envs[i].Active == nil {
			envs[i].Active = firstSucceeded(c, repo, p.Nodes)
			if envs[i].Active == nil && p.PageInfo.HasNextPage {
				again = append(again, i)
			}
		}
	}
	if len(again) > 0 {
		sub := make([]Environment, len(again))
		first, after = make([]int, len(again)), make([]string, len(again))
		for j, i := range again {
			sub[j], first[j], after[j] = envs[i], firstThorough, pages[i].PageInfo.EndCursor
		}
		more, err := deploymentPages(ctx, c, repo, sub, first, after)
		if err != nil {
			return err
		}
		for j, i := range again {
			envs[i].Active = firstSucceeded(c, repo, more[j].Nodes)
		}
	}
	for i := range envs {
		if envs[i].Active != nil {
			envs[i].URL = envs[i].Active.EnvironmentURL
		}
	}
	return nil
}

func deploymentPages(ctx context.Context, c *ghapi.Client, repo repository.Repository, envs []Environment, first []int, after []string) ([]deploymentPage, error) {
	vars := map[string]any{"owner": repo.Owner, "name": repo.Name}
	for i, e := range envs {
		vars[fmt.Sprintf("e%d", i)] = []string{e.Name}
		if after[i] != "" {
			vars[fmt.Sprintf("a%d", i)] = after[i]
		}
	}
	var data struct {
		Repository map[string]deploymentPage `json:"repository"`
	}
	if err := c.GraphQL(ctx, deploymentsQuery(first, after), vars, &data); err != nil {
		return nil, deploy.GraphQLError("list the deployments of each environment", repo, err)
	}
	out := make([]deploymentPage, len(envs))
	for i := range envs {
		out[i] = data.Repository[fmt.Sprintf("e%d", i)]
	}
	return out, nil
}
