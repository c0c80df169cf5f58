package deploy

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// maxEnvironmentPages bounds Environments: a repository with more than a
// thousand environments gets the first thousand.
const maxEnvironmentPages = 10

// Environments returns the names of the repository's environments in
// GitHub's order (alphabetical). Shell completion offers them for
// -e/--environment.
func Environments(ctx context.Context, c *ghapi.Client, repo repository.Repository) ([]string, error) {
	var names []string
	for page := 1; page <= maxEnvironmentPages; page++ {
		path := fmt.Sprintf("repos/%s/%s/environments?per_page=%d&page=%d", repo.Owner, repo.Name, PageSize, page)
		req, err := c.REST.NewRequest(http.MethodGet, path, nil)
		if err != nil {
			return nil, err
		}
		var body struct {
			TotalCount   int `json:"total_count"`
			Environments []struct {
				Name string `json:"name"`
			} `json:"environments"`
		}
		if _, err := c.REST.Do(ctx, req, &body); err != nil {
			return nil, ghapi.Wrap(err, repo.Owner+"/"+repo.Name)
		}
		for _, e := range body.Environments {
			names = append(names, e.Name)
		}
		if len(body.Environments) < PageSize || len(names) >= body.TotalCount {
			break
		}
	}
	return names, nil
}
