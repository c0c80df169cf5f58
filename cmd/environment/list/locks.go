package list

import (
	"context"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/environment"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/lock"
)

// locksOf fills the LOCK column from the repository's lock branches, deployctl's and branch-deploy's
// (lock.ByEnvironment: one request for up to 100 locks, whatever the number of environments). The
// global lock shows on every environment.
func locksOf(c *ghapi.Client, repo repository.Repository, now func() time.Time) environment.LocksFunc {
	return func(ctx context.Context, names []string) (map[string]environment.Lock, error) {
		locks, err := lock.ByEnvironment(ctx, c, repo, names, now())
		if err != nil {
			return nil, err
		}
		out := make(map[string]environment.Lock, len(locks))
		for name, l := range locks {
			out[name] = l
		}
		return out, nil
	}
}
