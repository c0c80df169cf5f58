package create

import (
	"context"
	"errors"
	"fmt"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/lock"
)

// Admit is the lock check of every command that deploys (create, run, promote, rollback), made before
// anything is created or run: an environment whose lock, or the global lock, is held by someone else and
// has not expired is refused (exit 1 naming the owner, how long, why). An expired lock is noted on
// stderr. --ignore-lock (ignore) skips the check and its requests. It costs one request, two when a live
// lock exists (who the caller is).
func Admit(ctx context.Context, opts *cmdutil.APIOptions, client *ghapi.Client, repo repository.Repository, environment string, ignore bool) error {
	// What is checked locally comes before the first request.
	if err := cmdutil.NewGitHubOutput(opts.Getenv).Check(); err != nil {
		return err
	}
	if ignore {
		return nil
	}
	if environment == "" {
		environment = "production" // GitHub's default
	}
	now := opts.Now()
	checked, err := lock.Check(ctx, client, repo, environment, lock.CheckOptions{Getenv: opts.Getenv, Now: now})
	var locked *lock.LockedError
	if errors.As(err, &locked) {
		return fmt.Errorf("cannot deploy: %w; nothing was created\n%s", err, locked.Hint())
	}
	if err != nil {
		return err
	}
	for _, n := range checked.Notes(now) {
		fmt.Fprintln(opts.IO.ErrOut, n)
	}
	return nil
}
