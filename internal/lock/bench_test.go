package lock

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

// BenchmarkLockThenLockedCheck is `lock production` by alice, then the check `create -e production` by
// bob makes (refused): the requests each sends, at 50 ms of latency.
//
//	go test ./internal/lock -run '^$' -bench . -benchtime 20x
func BenchmarkLockThenLockedCheck(b *testing.B) {
	gh := githubtest.New(githubtest.Options{Latency: 50 * time.Millisecond})
	b.Cleanup(gh.Close)
	gh.AddTokenFor("alice-token", "alice", true)
	gh.AddTokenFor("bob-token", "bob", true)
	alice, bob := ghapitest.Client(b, gh, "alice-token"), ghapitest.Client(b, gh, "bob-token")
	ctx := context.Background()
	var lockReqs, checkReqs, unlockedReqs int
	for range b.N {
		gh.ResetRequests()
		if _, err := Claim(ctx, alice, demo, ClaimRequest{Environment: "production", Reason: "bench"}); err != nil {
			b.Fatal(err)
		}
		lockReqs += len(gh.Requests())
		gh.ResetRequests()
		var locked *LockedError
		if _, err := Check(ctx, bob, demo, "production", CheckOptions{}); !errors.As(err, &locked) {
			b.Fatalf("not refused: %v", err)
		}
		checkReqs += len(gh.Requests())
		gh.ResetRequests()
		if _, err := Check(ctx, bob, demo, "staging", CheckOptions{}); err != nil {
			b.Fatal(err)
		}
		unlockedReqs += len(gh.Requests())
		if _, err := Release(ctx, alice, demo, "production"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lockReqs)/float64(b.N), "lock-requests")
	b.ReportMetric(float64(checkReqs)/float64(b.N), "locked-check-requests")
	b.ReportMetric(float64(unlockedReqs)/float64(b.N), "unlocked-check-requests")
}
