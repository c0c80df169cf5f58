package watch

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/status"
	"github.com/deployctl/gh-deployctl/internal/watch/watchtest"
)

// BenchmarkWaitTenMinutesInProgress is `wait` on a deployment that stays in_progress for ten minutes at the
// default interval (3 s: 201 polls), on a simulated clock. counted/op is what counted against the rate limit:
// the goal is the first poll only (the deployment and its latest status); every later poll is a 304.
//
//	go test -run '^$' -bench WaitTenMinutes ./internal/watch/
func BenchmarkWaitTenMinutesInProgress(b *testing.B) {
	gh := githubtest.New(githubtest.Options{})
	defer gh.Close()
	c := ghapitest.Client(b, gh, "")
	ctx := context.Background()
	var full, nm, polls int
	for b.Loop() {
		id := create(b, c, "staging", "main")
		if _, err := status.Set(ctx, c, demo, id, status.SetRequest{State: status.InProgress}); err != nil {
			b.Fatal(err)
		}
		gh.ResetRequests()
		polls = 0
		_, err := Follow(ctx, c, demo, Target{ID: id}, Options{Clock: watchtest.NewInstantClock(), Timeout: 10 * time.Minute,
			OnUpdate: func(Update) { polls++ }})
		if !errors.Is(err, ErrTimeout) {
			b.Fatal(err)
		}
		full, nm = counted(gh)
	}
	b.ReportMetric(float64(polls), "polls/op")
	b.ReportMetric(float64(full), "counted/op")
	b.ReportMetric(float64(nm), "304s/op")
}
