package watch

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/status"
	"github.com/deployctl/gh-deployctl/internal/watch/watchtest"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

type following struct {
	mu      sync.Mutex
	changes []string // the state of each update that changed something ("-" while none exists)
	polls   int
	done    chan struct{}
	res     *Result
	err     error
}

func follow(t *testing.T, c *ghapi.Client, target Target, o Options) *following {
	f := &following{done: make(chan struct{})}
	o.OnUpdate = func(u Update) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.polls++
		if u.Changed {
			s := u.State
			if u.Deployment == nil {
				s = "-"
			} else if s == "" {
				s = "none"
			}
			f.changes = append(f.changes, s)
		}
	}
	go func() {
		defer close(f.done)
		f.res, f.err = Follow(context.Background(), c, demo, target, o)
	}()
	return f
}

func (f *following) wait(t *testing.T) (*Result, error) {
	t.Helper()
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not return")
	}
	return f.res, f.err
}

func (f *following) changed() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.changes, " ")
}

func set(t testing.TB, c *ghapi.Client, id int64, st status.State) {
	t.Helper()
	if _, err := status.Set(context.Background(), c, demo, id, status.SetRequest{State: st}); err != nil {
		t.Fatal(err)
	}
}

func create(t testing.TB, c *ghapi.Client, env, ref string) int64 {
	t.Helper()
	d, err := deploy.Create(context.Background(), c, demo, deploy.CreateRequest{Ref: ref, Environment: env, RequiredContexts: &[]string{}})
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// counted is how many of the watcher's requests counted against the rate limit (304s do not).
func counted(gh *githubtest.Server) (full, notModified int) {
	for _, r := range gh.Requests() {
		switch {
		case r.Method != "GET":
		case r.Status == 304:
			notModified++
		default:
			full++
		}
	}
	return full, notModified
}

func TestFollowByIDThroughItsStates(t *testing.T) {
	for _, final := range []status.State{status.Success, status.Failure, status.Error} {
		t.Run(string(final), func(t *testing.T) {
			gh := githubtest.NewT(t)
			c := ghapitest.Client(t, gh, "")
			id := create(t, c, "staging", "main")
			gh.ResetRequests()
			clock := watchtest.NewStepClock()
			f := follow(t, c, Target{ID: id}, Options{Clock: clock})
			clock.Polled(t, f.done)

			clock.Tick(t, f.done) // the first poll saw no status; the second sees the same
			set(t, c, id, status.Queued)
			clock.Tick(t, f.done)
			clock.Tick(t, f.done) // unchanged: a 304
			set(t, c, id, status.InProgress)
			clock.Tick(t, f.done)
			clock.Tick(t, f.done)
			set(t, c, id, final)
			clock.Tick(t, f.done)
			res, err := f.wait(t)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := f.changed(), "none queued in_progress "+string(final); got != want {
				t.Errorf("changes %q, want %q", got, want)
			}
			if res.Deployment.ID != id || res.Deployment.State != string(final) || res.Succeeded != (final == status.Success) {
				t.Errorf("result %+v", res)
			}
			// 7 polls: the deployment once, then its latest status each time; 4 answers were new, 3 were 304s.
			if full, nm := counted(gh); full != 5 || nm != 3 {
				t.Errorf("%d counted requests and %d 304s, want 5 and 3", full, nm)
			}
		})
	}
}

func TestFollowAnEnvironmentBeforeItsDeploymentExists(t *testing.T) {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	repo := gh.Repo("octo/demo")
	old := repo.Branch("main")
	other := create(t, c, "production", "main") // another environment: never followed
	set(t, c, other, status.Success)
	sha := repo.Commit("main", "Ship it", "alice")
	clock := watchtest.NewStepClock()
	f := follow(t, c, Target{Environment: "production", SHA: sha[:7]}, Options{Clock: clock})
	clock.Polled(t, f.done)

	clock.Tick(t, f.done)
	clock.Tick(t, f.done)
	create(t, c, "staging", "main") // the right SHA, the wrong environment
	clock.Tick(t, f.done)
	id := create(t, c, "production", "main")
	clock.Tick(t, f.done)
	set(t, c, id, status.InProgress)
	clock.Tick(t, f.done)
	set(t, c, id, status.Success)
	clock.Tick(t, f.done)
	res, err := f.wait(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.changed(); got != "- none in_progress success" {
		t.Errorf("changes %q", got)
	}
	if res.Deployment.ID != id || res.Deployment.SHA != sha || !res.Succeeded || old == sha {
		t.Errorf("result %+v", res)
	}
}

func TestInactiveCountsOnlyAfterASuccess(t *testing.T) {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	replaced := create(t, c, "staging", "main")
	set(t, c, replaced, status.InProgress)
	// Between two polls it succeeded and was replaced: the watcher sees inactive first.
	clock := watchtest.NewStepClock()
	f := follow(t, c, Target{ID: replaced}, Options{Clock: clock})
	clock.Polled(t, f.done)
	set(t, c, replaced, status.Success)
	set(t, c, replaced, status.Inactive)
	clock.Tick(t, f.done)
	if res, err := f.wait(t); err != nil || !res.Succeeded || res.Deployment.State != "inactive" {
		t.Errorf("success then inactive: %+v, %v", res, err)
	}

	never := create(t, c, "staging", "main")
	set(t, c, never, status.Inactive)
	res, err := Follow(context.Background(), c, demo, Target{ID: never}, Options{Clock: watchtest.NewInstantClock()})
	if err != nil || res.Succeeded {
		t.Errorf("inactive without a success: %+v, %v", res, err)
	}
}

func TestTimeoutAndErrors(t *testing.T) {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	id := create(t, c, "staging", "main")
	set(t, c, id, status.InProgress)
	gh.ResetRequests()
	res, err := Follow(context.Background(), c, demo, Target{ID: id}, Options{Clock: watchtest.NewInstantClock(), Timeout: 10 * time.Minute})
	if !errors.Is(err, ErrTimeout) || res == nil || res.Deployment.State != "in_progress" {
		t.Fatalf("Follow = %+v, %v; want ErrTimeout with the last state", res, err)
	}
	// 10 minutes at 3 s: 201 polls; the deployment and its first status count, every other poll is a 304.
	if full, nm := counted(gh); full != 2 || nm != 200 {
		t.Errorf("%d counted requests and %d 304s, want 2 and 200", full, nm)
	}

	if _, err := Follow(context.Background(), c, demo, Target{ID: 999}, Options{Clock: watchtest.NewInstantClock()}); ghapi.StatusCode(err) != 404 {
		t.Errorf("unknown deployment: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Follow(ctx, c, demo, Target{Environment: "nowhere"}, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	for _, bad := range []Target{{}, {ID: 1, Environment: "x"}, {Environment: "x", SHA: "abc"}, {Environment: "x", SHA: "zzzzzzz"}, {Environment: "x", SHA: "abcdef0", Ref: "main"}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
