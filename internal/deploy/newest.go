package deploy

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// Newest returns the first REST page of o.Limit (at most 100) deployments,
// newest first, without their states: one GET whose URL depends only on o,
// so a poller asking again about an unchanged list gets a 304 (free of rate
// limit). o.SHA must be a whole SHA here (GitHub's filter); Task, Ref and
// Environment filter as in List.
func Newest(ctx context.Context, c *ghapi.Client, repo repository.Repository, o ListOptions) ([]Deployment, error) {
	if o.Limit <= 0 || o.Limit > PageSize {
		return nil, fmt.Errorf("limit must be between 1 and %d", PageSize)
	}
	q := url.Values{"per_page": {strconv.Itoa(o.Limit)}}
	for k, v := range map[string]string{"sha": o.SHA, "ref": o.Ref, "task": o.Task, "environment": o.Environment} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var raw []restDeployment
	_, err := restDo(ctx, c, http.MethodGet, fmt.Sprintf("repos/%s/%s/deployments?%s", repo.Owner, repo.Name, q.Encode()), nil, &raw)
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", ghapi.Wrap(err, repo.Owner+"/"+repo.Name))
	}
	out := make([]Deployment, len(raw))
	for i := range raw {
		out[i] = raw[i].toDeployment()
	}
	return out, nil
}
