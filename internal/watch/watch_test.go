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
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/status"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

func fakeClient(tb testing.TB, gh *githubtest.Server) *ghapi.Client {
	tb.Helper()
	t, err := ghapi.Resolve("github.com", func(k string) string {
		return map[string]string{"GITHUB_API_URL": gh.URL(), "GH_TOKEN": githubtest.DefaultToken}[k]
	})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := ghapi.NewClient(t, ghapi.ClientOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// stepClock is a clock whose timers fire only when the test says: between two ticks the test changes
// GitHub's state, so it knows exactly what each poll sees.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan stepTimer
}

type stepTimer struct {
	d    time.Duration
	fire chan time.Time
}

func newStepClock() *stepClock {
	return &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), timers: make(chan stepTimer)}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.timers <- stepTimer{d, ch}
	return ch
}

// instantClock fires every timer at once, moving time on: a ten-minute wait runs in milliseconds.
type instantClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *instantClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

type following struct {
	mu      sync.Mutex
	changes []string // the state of each update that changed something ("-" while none exists)
	polls   int
	pending *stepTimer // the watcher's timer, while it waits
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

// polled waits until the watcher has finished a poll and waits for the next one (or Follow returned).
func (f *following) polled(t *testing.T, c *stepClock) {
	t.Helper()
	select {
	case tm := <-c.timers:
		f.pending = &tm
	case <-f.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the watcher never waited for its next poll")
	}
}

// tick lets the waiting watcher poll once more, and returns when that poll is done: what the test changes
// before a tick, that poll sees.
func (f *following) tick(t *testing.T, c *stepClock) {
	t.Helper()
	if f.pending == nil {
		t.Fatalf("Follow is not waiting: %+v, %v (changes %q)", f.res, f.err, f.changed())
	}
	c.mu.Lock()
	c.now = c.now.Add(f.pending.d)
	now := c.now
	c.mu.Unlock()
	f.pending.fire <- now
	f.pending = nil
	f.polled(t, c)
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
			c := fakeClient(t, gh)
			id := create(t, c, "staging", "main")
			gh.ResetRequests()
			clock := newStepClock()
			f := follow(t, c, Target{ID: id}, Options{Clock: clock})
			f.polled(t, clock)

			f.tick(t, clock) // the first poll saw no status; the second sees the same
			set(t, c, id, status.Queued)
			f.tick(t, clock)
			f.tick(t, clock) // unchanged: a 304
			set(t, c, id, status.InProgress)
			f.tick(t, clock)
			f.tick(t, clock)
			set(t, c, id, final)
			f.tick(t, clock)
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
	c := fakeClient(t, gh)
	repo := gh.Repo("octo/demo")
	old := repo.Branch("main")
	other := create(t, c, "production", "main") // another environment: never followed
	set(t, c, other, status.Success)
	sha := repo.Commit("main", "Ship it", "alice")
	clock := newStepClock()
	f := follow(t, c, Target{Environment: "production", SHA: sha[:7]}, Options{Clock: clock})
	f.polled(t, clock)

	f.tick(t, clock)
	f.tick(t, clock)
	create(t, c, "staging", "main") // the right SHA, the wrong environment
	f.tick(t, clock)
	id := create(t, c, "production", "main")
	f.tick(t, clock)
	set(t, c, id, status.InProgress)
	f.tick(t, clock)
	set(t, c, id, status.Success)
	f.tick(t, clock)
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
	c := fakeClient(t, gh)
	replaced := create(t, c, "staging", "main")
	set(t, c, replaced, status.InProgress)
	// Between two polls it succeeded and was replaced: the watcher sees inactive first.
	clock := newStepClock()
	f := follow(t, c, Target{ID: replaced}, Options{Clock: clock})
	f.polled(t, clock)
	set(t, c, replaced, status.Success)
	set(t, c, replaced, status.Inactive)
	f.tick(t, clock)
	if res, err := f.wait(t); err != nil || !res.Succeeded || res.Deployment.State != "inactive" {
		t.Errorf("success then inactive: %+v, %v", res, err)
	}

	never := create(t, c, "staging", "main")
	set(t, c, never, status.Inactive)
	res, err := Follow(context.Background(), c, demo, Target{ID: never}, Options{Clock: &instantClock{}})
	if err != nil || res.Succeeded {
		t.Errorf("inactive without a success: %+v, %v", res, err)
	}
}

func TestTimeoutAndErrors(t *testing.T) {
	gh := githubtest.NewT(t)
	c := fakeClient(t, gh)
	id := create(t, c, "staging", "main")
	set(t, c, id, status.InProgress)
	gh.ResetRequests()
	res, err := Follow(context.Background(), c, demo, Target{ID: id}, Options{Clock: &instantClock{}, Timeout: 10 * time.Minute})
	if !errors.Is(err, ErrTimeout) || res == nil || res.Deployment.State != "in_progress" {
		t.Fatalf("Follow = %+v, %v; want ErrTimeout with the last state", res, err)
	}
	// 10 minutes at 3 s: 201 polls; the deployment and its first status count, every other poll is a 304.
	if full, nm := counted(gh); full != 2 || nm != 200 {
		t.Errorf("%d counted requests and %d 304s, want 2 and 200", full, nm)
	}

	if _, err := Follow(context.Background(), c, demo, Target{ID: 999}, Options{Clock: &instantClock{}}); ghapi.StatusCode(err) != 404 {
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
