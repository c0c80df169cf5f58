package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// ListOptions filters and bounds List.
type ListOptions struct {
	Environment string
	Ref         string
	// SHA is a whole commit SHA or a prefix of one (see ParseSHA): GitHub
	// filters by a whole one, a prefix is matched here.
	SHA  string
	Task string
	// State keeps only deployments whose latest status has this state
	// (status.State words; matched here, GitHub has no such filter).
	State string
	Limit int // at most this many; must be > 0
	// EnvironmentFlags asks for Transient and Production, which only REST
	// knows: List then takes the REST path (2 requests per 100).
	EnvironmentFlags bool
}

// restOnly reports whether the options need REST: GraphQL's
// Repository.deployments filters by environment only.
func (o ListOptions) restOnly() bool {
	return o.Ref != "" || o.SHA != "" || o.Task != "" || o.EnvironmentFlags
}

// PageSize is the most deployments one request returns, in REST and GraphQL.
const PageSize = 100

// List returns deployments newest first, each with the state of its latest
// status, without one request per deployment: one GraphQL request per 100,
// or, when a filter only REST has is used, one REST page of 100 plus one
// GraphQL nodes() lookup of their latest statuses.
func List(ctx context.Context, c *ghapi.Client, repo repository.Repository, o ListOptions) ([]Deployment, error) {
	if o.Limit <= 0 {
		return nil, errors.New("limit must be greater than 0")
	}
	var keep func(*Deployment) bool
	if o.SHA != "" && !IsFullSHA(o.SHA) {
		prefix := strings.ToLower(o.SHA)
		keep = func(d *Deployment) bool { return strings.HasPrefix(strings.ToLower(d.SHA), prefix) }
		o.SHA = ""
	}
	var keepState func(*Deployment) bool
	if o.State != "" {
		keepState = func(d *Deployment) bool { return d.State == o.State }
	}
	if o.restOnly() {
		return listREST(ctx, c, repo, o, keep, keepState)
	}
	return listGraphQL(ctx, c, repo, o, both(keep, keepState))
}

// statusFields is the selection of a DeploymentStatus, shared by both paths.
const statusFields = `state description logUrl environmentUrl environment createdAt`

// ListQuery is the GraphQL query of the GraphQL path (exported for the tests
// that validate it against GitHub's schema).
const ListQuery = `query DeploymentList($owner: String!, $name: String!, $first: Int!, $after: String, $environments: [String!]) {
  repository(owner: $owner, name: $name) {
    deployments(first: $first, after: $after, environments: $environments, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ` + NodeFields + ` }
    }
  }
}`

// LatestStatusQuery looks up the latest statuses of deployments by node ID.
const LatestStatusQuery = `query DeploymentLatestStatus($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Deployment { id databaseId latestStatus { ` + statusFields + ` } }
  }
}`

type gqlStatus struct {
	State          string    `json:"state"`
	Description    string    `json:"description"`
	LogURL         string    `json:"logUrl"`
	EnvironmentURL string    `json:"environmentUrl"`
	Environment    string    `json:"environment"`
	CreatedAt      time.Time `json:"createdAt"`
}

func (s *gqlStatus) toStatus() *status.Status {
	if s == nil {
		return nil
	}
	return &status.Status{
		State:          strings.ToLower(s.State),
		Description:    s.Description,
		LogURL:         s.LogURL,
		EnvironmentURL: s.EnvironmentURL,
		Environment:    s.Environment,
		CreatedAt:      s.CreatedAt,
	}
}

// NodeFields is the selection of a GraphQL Deployment that Node holds. Other
// queries (internal/environment) embed it, so every deployment read over
// GraphQL becomes a Deployment the same way.
const NodeFields = `id databaseId environment task description payload commitOid createdAt updatedAt
        ref { name }
        creator { login __typename }
        latestStatus { ` + statusFields + ` }`

// Node is a GraphQL Deployment as NodeFields selects it.
type Node struct {
	ID          string    `json:"id"`
	DatabaseID  int64     `json:"databaseId"`
	Environment string    `json:"environment"`
	Task        string    `json:"task"`
	Description string    `json:"description"`
	Payload     string    `json:"payload"`
	CommitOid   string    `json:"commitOid"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Ref         *struct {
		Name string `json:"name"`
	} `json:"ref"`
	Creator *struct {
		Login    string `json:"login"`
		Typename string `json:"__typename"`
	} `json:"creator"`
	LatestStatus *gqlStatus `json:"latestStatus"`
}

// listGraphQL and listREST page until they have o.Limit deployments that
// keep (nil: all) accepts, or there are no more.
func listGraphQL(ctx context.Context, c *ghapi.Client, repo repository.Repository, o ListOptions, keep func(*Deployment) bool) ([]Deployment, error) {
	vars := map[string]any{"owner": repo.Owner, "name": repo.Name}
	if o.Environment != "" {
		vars["environments"] = []string{o.Environment}
	}
	var out []Deployment
	for len(out) < o.Limit {
		vars["first"] = min(PageSize, o.Limit-len(out))
		if keep != nil {
			vars["first"] = PageSize // how many match is not known before
		}
		var data struct {
			Repository *struct {
				Deployments struct {
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
					Nodes []Node `json:"nodes"`
				} `json:"deployments"`
			} `json:"repository"`
		}
		if err := c.GraphQL(ctx, ListQuery, vars, &data); err != nil {
			return nil, listError(repo, err)
		}
		if data.Repository == nil {
			return nil, listError(repo, ghapi.GraphQLErrors{{Type: "NOT_FOUND", Message: "Could not resolve to a Repository"}})
		}
		conn := data.Repository.Deployments
		for _, n := range conn.Nodes {
			if d := n.Deployment(c, repo); len(out) < o.Limit && (keep == nil || keep(&d)) {
				out = append(out, d)
			}
		}
		if !conn.PageInfo.HasNextPage || len(conn.Nodes) == 0 {
			break
		}
		vars["after"] = conn.PageInfo.EndCursor
	}
	return out, nil
}

// Deployment converts n; c and repo make its REST URL.
func (n Node) Deployment(c *ghapi.Client, repo repository.Repository) Deployment {
	d := Deployment{
		ID:          n.DatabaseID,
		NodeID:      n.ID,
		Environment: n.Environment,
		SHA:         n.CommitOid,
		Task:        n.Task,
		Description: n.Description,
		Payload:     NormalizePayload([]byte(n.Payload)),
		CreatedAt:   n.CreatedAt,
		UpdatedAt:   n.UpdatedAt,
		URL:         fmt.Sprintf("%srepos/%s/%s/deployments/%d", c.Target.RESTURL, repo.Owner, repo.Name, n.DatabaseID),
	}
	// GraphQL's payload is the JSON text; a payload that was a plain string
	// is not JSON text, so quote it back into a JSON string.
	if !json.Valid(d.Payload) {
		d.Payload = quoteJSON(n.Payload)
	}
	d.Ref = n.CommitOid
	if n.Ref != nil {
		d.Ref = n.Ref.Name
	}
	if n.Creator != nil {
		d.Creator = n.Creator.Login
		// GraphQL calls an app's bot "github-actions"; REST, get and the
		// REST path of list call it "github-actions[bot]".
		if n.Creator.Typename == "Bot" {
			d.Creator += "[bot]"
		}
	}
	d.applyLatest(n.LatestStatus.toStatus())
	return d
}

// both is a filter that wants a and b (either may be nil: no filter).
func both(a, b func(*Deployment) bool) func(*Deployment) bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(d *Deployment) bool { return a(d) && b(d) }
}

// listREST's keep looks at the deployment, keepLatest (when not nil) also at
// its latest status, known only after the GraphQL lookup of the page.
func listREST(ctx context.Context, c *ghapi.Client, repo repository.Repository, o ListOptions, keep, keepLatest func(*Deployment) bool) ([]Deployment, error) {
	q := url.Values{}
	for k, v := range map[string]string{"sha": o.SHA, "ref": o.Ref, "task": o.Task, "environment": o.Environment} {
		if v != "" {
			q.Set(k, v)
		}
	}
	// GitHub pages by a fixed size, so keep it for every page and cut the
	// last one short locally.
	perPage := min(PageSize, o.Limit)
	if keep != nil || keepLatest != nil {
		perPage = PageSize
	}
	q.Set("per_page", strconv.Itoa(perPage))
	var out []Deployment
	for page := 1; len(out) < o.Limit; page++ {
		q.Set("page", strconv.Itoa(page))
		var raw []restDeployment
		resp, err := restDo(ctx, c, http.MethodGet, fmt.Sprintf("repos/%s/%s/deployments?%s", repo.Owner, repo.Name, q.Encode()), nil, &raw)
		if err != nil {
			return nil, fmt.Errorf("list deployments: %w", ghapi.Wrap(err, repo.Owner+"/"+repo.Name))
		}
		batch := make([]Deployment, 0, len(raw))
		for i := range raw {
			if keepLatest == nil && len(out)+len(batch) == o.Limit {
				break
			}
			if d := raw[i].toDeployment(); keep == nil || keep(&d) {
				batch = append(batch, d)
			}
		}
		if err := addLatestStatuses(ctx, c, repo, batch); err != nil {
			return nil, err
		}
		if keepLatest != nil {
			batch = slices.DeleteFunc(batch, func(d Deployment) bool { return !keepLatest(&d) })
			batch = batch[:min(len(batch), o.Limit-len(out))]
		}
		out = append(out, batch...)
		if resp.NextPage == 0 || len(raw) < perPage {
			break
		}
	}
	return out, nil
}

// addLatestStatuses fills in the latest status of up to 100 deployments with
// one GraphQL request.
func addLatestStatuses(ctx context.Context, c *ghapi.Client, repo repository.Repository, deps []Deployment) error {
	if len(deps) == 0 {
		return nil
	}
	ids := make([]string, len(deps))
	for i, d := range deps {
		ids[i] = d.NodeID
	}
	var data struct {
		Nodes []*struct {
			DatabaseID   int64      `json:"databaseId"`
			LatestStatus *gqlStatus `json:"latestStatus"`
		} `json:"nodes"`
	}
	if err := c.GraphQL(ctx, LatestStatusQuery, map[string]any{"ids": ids}, &data); err != nil {
		return listError(repo, err)
	}
	latest := make(map[int64]*gqlStatus, len(data.Nodes))
	for _, n := range data.Nodes {
		if n != nil {
			latest[n.DatabaseID] = n.LatestStatus
		}
	}
	for i := range deps {
		deps[i].applyLatest(latest[deps[i].ID].toStatus())
	}
	return nil
}

func listError(repo repository.Repository, err error) error {
	return GraphQLError("list deployments", repo, err)
}

// GraphQLError wraps the error of a GraphQL query about repo: GitHub's
// NOT_FOUND and FORBIDDEN become *ghapi.APIError (404, 403) with the hints
// every command gives.
func GraphQLError(action string, repo repository.Repository, err error) error {
	return fmt.Errorf("%s: %w", action, ghapi.FromGraphQL(err, repo.Owner+"/"+repo.Name))
}
