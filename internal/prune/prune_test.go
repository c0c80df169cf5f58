package prune

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// dep is deployment id of env created id minutes after t0.
func dep(id int64, env, state string) deploy.Deployment {
	return deploy.Deployment{ID: id, Environment: env, Ref: "main", State: state, CreatedAt: t0.Add(time.Duration(id) * time.Minute)}
}

func TestNewPlan(t *testing.T) {
	history := []deploy.Deployment{
		dep(1, "prod", "inactive"), dep(2, "prod", "success"), dep(3, "prod", "failure"), dep(4, "prod", "inactive"),
		dep(5, "prod", "success"), dep(6, "prod", ""), dep(7, "prod", "failure"),
		dep(8, "qa", "inactive"), dep(9, "qa", "success"),
	}
	type want struct {
		action Action
		writes []Write
		reason string
	}
	del, inact := []Write{Delete}, []Write{SetInactive}
	both := []Write{SetInactive, Delete}
	tests := []struct {
		name     string
		o        Options
		want     map[int64]want // missing = not in the plan
		inactive int
	}{
		{"keep 1 and the active one, delete", Options{Keep: 1, Delete: true}, map[int64]want{
			7: {Kept, nil, "newest"}, 6: {Deleted, both, ""}, 5: {Kept, nil, "active"}, 4: {Deleted, del, ""},
			3: {Deleted, del, ""}, 2: {Deleted, both, ""}, 1: {Deleted, del, ""},
			9: {Kept, nil, "newest"}, 8: {Deleted, del, ""},
		}, 0},
		{"deactivate skips what is inactive", Options{Keep: 1}, map[int64]want{
			7: {Kept, nil, "newest"}, 6: {Deactivated, inact, ""}, 5: {Kept, nil, "active"},
			3: {Deactivated, inact, ""}, 2: {Deactivated, inact, ""}, 9: {Kept, nil, "newest"},
		}, 3},
		{"keep 0 still keeps the active one", Options{Keep: 0, Delete: true, Environment: "qa"}, map[int64]want{
			9: {Kept, nil, "active"}, 8: {Deleted, del, ""},
		}, 0},
		{"keep 3 in prod", Options{Keep: 3, Delete: true, Environment: "prod"}, map[int64]want{
			7: {Kept, nil, "newest"}, 6: {Kept, nil, "newest"}, 5: {Kept, nil, "newest"}, 4: {Deleted, del, ""},
			3: {Deleted, del, ""}, 2: {Deleted, both, ""}, 1: {Deleted, del, ""},
		}, 0},
		{"older than", Options{Keep: 0, Delete: true, Environment: "prod", OlderThan: 4 * time.Minute, Now: t0.Add(8 * time.Minute)}, map[int64]want{
			7: {Kept, nil, "recent"}, 6: {Kept, nil, "recent"}, 5: {Kept, nil, "active"}, 4: {Kept, nil, "recent"},
			3: {Deleted, del, ""}, 2: {Deleted, both, ""}, 1: {Deleted, del, ""},
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shuffled := slices.Clone(history)
			slices.Reverse(shuffled[:5])
			p := NewPlan(shuffled, tt.o)
			if p.AlreadyInactive != tt.inactive {
				t.Errorf("already inactive %d, want %d", p.AlreadyInactive, tt.inactive)
			}
			if len(p.Items) != len(tt.want) {
				t.Errorf("%d items, want %d: %+v", len(p.Items), len(tt.want), p.Items)
			}
			for i, it := range p.Items {
				w, ok := tt.want[it.ID]
				if !ok {
					t.Errorf("deployment %d is in the plan: %+v", it.ID, it)
					continue
				}
				if it.Action != w.action || !slices.Equal(it.Writes, w.writes) || it.Reason != w.reason {
					t.Errorf("deployment %d: %s %v %q, want %s %v %q", it.ID, it.Action, it.Writes, it.Reason, w.action, w.writes, w.reason)
				}
				if i > 0 && p.Items[i-1].Environment == it.Environment && p.Items[i-1].ID < it.ID {
					t.Errorf("items not newest first at %d", i)
				}
			}
		})
	}
	p := NewPlan([]deploy.Deployment{dep(1, "prod", "inactive"), {ID: 2, Environment: "prod", Ref: "topic", State: "failure", CreatedAt: t0.Add(2 * time.Minute)},
		dep(3, "prod", "inactive")}, Options{Ref: "main", Delete: true, Keep: 1})
	if len(p.Items) != 2 || p.Items[0].ID != 3 || p.Items[1].Action != Deleted {
		t.Errorf("--ref main: %+v", p.Items)
	}
}

func TestForIDs(t *testing.T) {
	states := map[int64]deploy.Deployment{1: dep(1, "prod", "success"), 2: dep(2, "prod", "inactive"), 3: dep(3, "prod", "failure")}
	p := ForIDs([]int64{1, 2, 3}, states, false)
	if p.Writes() != 2 || p.Items[1].Reason != "already inactive" {
		t.Errorf("deactivate: %+v", p.Items)
	}
	p = ForIDs([]int64{1, 2, 3}, states, true)
	if !slices.Equal(p.Items[0].Writes, []Write{SetInactive, Delete}) || !slices.Equal(p.Items[1].Writes, []Write{Delete}) || p.Writes() != 4 {
		t.Errorf("delete: %+v", p.Items)
	}
}

// clock is a fake clock whose sleeps move it on at once, recording how long each was.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return ctx.Err()
}

// prune runs read -> plan -> execute once, as the command does.
func prune(ctx context.Context, t *testing.T, gh *githubtest.Server, o Options, e *Executor) ([]Item, error) {
	t.Helper()
	c := ghapitest.Client(t, gh, "")
	deps, err := Read(ctx, c, demo, o.Environment)
	if err != nil {
		t.Fatal(err)
	}
	e.Client, e.Repo = c, demo
	return e.Run(ctx, NewPlan(deps, o))
}

func remaining(gh *githubtest.Server) (ids []int64, states map[int64]string) {
	states = map[int64]string{}
	for _, d := range gh.Deployments("octo/demo") {
		ids = append(ids, d.ID)
		states[d.ID] = d.Statuses[len(d.Statuses)-1].State
	}
	return ids, states
}

var envs = []string{"production", "staging", "qa", "eu", "us"}

func TestPruneThousandWithASecondaryLimitHalfway(t *testing.T) {
	gh := githubtest.NewT(t)
	gh.SeedHistory("octo/demo", 1000, envs...)
	before := gh.Deployments("octo/demo")
	gh.InjectSecondaryLimit(githubtest.SecondaryLimit{Method: "DELETE", After: 490, Count: 1, RetryAfter: 30})
	gh.InjectSecondaryLimit(githubtest.SecondaryLimit{Method: "DELETE", After: 499, Count: 2}) // no Retry-After
	gh.ResetRequests()
	clk := &clock{now: t0}
	items, err := prune(context.Background(), t, gh, Options{Keep: 2, Delete: true}, &Executor{Sleep: clk.Sleep, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(clk.sleeps, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute}) {
		t.Errorf("waits %v, want Retry-After, then a minute, then two", clk.sleeps)
	}
	for _, it := range items {
		if it.Error != "" {
			t.Errorf("item %d: %s", it.ID, it.Error)
		}
	}
	// Kept: the newest two of each environment and each environment's active deployment.
	want := map[int64]bool{}
	seen := map[string]int{}
	active := map[string]bool{}
	for _, d := range slices.Backward(before) {
		st := d.Statuses[len(d.Statuses)-1].State
		seen[d.Environment]++
		if seen[d.Environment] <= 2 {
			want[d.ID] = true
		}
		if st == "success" && !active[d.Environment] {
			active[d.Environment], want[d.ID] = true, true
		}
	}
	ids, _ := remaining(gh)
	if len(ids) != len(want) {
		t.Errorf("%d deployments left, want %d", len(ids), len(want))
	}
	for _, id := range ids {
		if !want[id] {
			t.Errorf("deployment %d should be gone", id)
		}
	}
	reads, writes := 0, 0
	for _, r := range gh.Requests() {
		if r.Path == "/graphql" {
			reads++
		} else {
			writes++
		}
	}
	if reads != 10 {
		t.Errorf("%d reads, want 10 (100 a page)", reads)
	}
	// One write for each deployment already inactive or failed, two for a success that is not active;
	// three refused by the limit.
	needed := 0
	for _, d := range before {
		if !want[d.ID] {
			needed++
			if NeedsInactiveToDelete(d.Statuses[len(d.Statuses)-1].State) {
				needed++
			}
		}
	}
	if writes != needed+3 {
		t.Errorf("%d writes, want %d needed + 3 refused", writes, needed)
	}
}

func TestInterruptedPruneFinishesOnTheNextRun(t *testing.T) {
	run := func(interrupt bool) ([]int64, map[int64]string) {
		gh := githubtest.NewT(t)
		gh.SeedHistory("octo/demo", 1000, envs...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		o := Options{Keep: 1}
		e := &Executor{}
		if interrupt {
			e.Progress = func(done, total int) {
				if done == total/2 {
					cancel()
				}
			}
		}
		items, err := prune(ctx, t, gh, o, e)
		if interrupt {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v", err)
			}
			n := 0
			for _, it := range items {
				if it.Action == Deactivated && it.Error == "" && len(it.Writes) > 0 {
					n++
				}
			}
			ids, states := remaining(gh)
			inactive := 0
			for _, id := range ids {
				if states[id] == "inactive" {
					inactive++
				}
			}
			if inactive == 0 || inactive == len(ids)-5 {
				t.Fatalf("the interrupted run did not stop halfway (%d inactive of %d)", inactive, len(ids))
			}
			// Second run: deletes too, as a user would finish the cleanup.
			if _, err := prune(context.Background(), t, gh, Options{Keep: 1, Delete: true}, &Executor{}); err != nil {
				t.Fatal(err)
			}
		} else {
			if _, err := prune(ctx, t, gh, o, e); err != nil {
				t.Fatal(err)
			}
			if _, err := prune(context.Background(), t, gh, Options{Keep: 1, Delete: true}, &Executor{}); err != nil {
				t.Fatal(err)
			}
		}
		return remaining(gh)
	}
	wantIDs, wantStates := run(false)
	gotIDs, gotStates := run(true)
	if !slices.Equal(gotIDs, wantIDs) || fmt.Sprint(gotStates) != fmt.Sprint(wantStates) {
		t.Errorf("after an interruption: %v %v\nuninterrupted: %v %v", gotIDs, gotStates, wantIDs, wantStates)
	}
	if len(wantIDs) != 5 {
		t.Errorf("%d deployments left, want each environment's newest", len(wantIDs))
	}
}

func TestPacedExecutorSpacesWrites(t *testing.T) {
	gh := githubtest.NewT(t)
	gh.SeedHistory("octo/demo", 40, "production")
	clk := &clock{now: time.Now()}
	items, err := prune(context.Background(), t, gh, Options{Keep: 1, Delete: true}, &Executor{PerMinute: 60, Sleep: clk.Sleep, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	writes := NewPlanWrites(items)
	if len(clk.sleeps) != writes-1 {
		t.Fatalf("%d pauses for %d writes", len(clk.sleeps), writes)
	}
	for _, d := range clk.sleeps {
		if d < 990*time.Millisecond || d > time.Second {
			t.Errorf("pause %v, want about a second", d)
		}
	}
}

// NewPlanWrites counts the writes of items.
func NewPlanWrites(items []Item) int { return Plan{Items: items}.Writes() }

func TestHourlyContentLimit(t *testing.T) {
	clk := &clock{now: t0}
	e := &Executor{PerMinute: 6000, Sleep: clk.Sleep, Now: clk.Now}
	for i := range ContentPerHour + 1 {
		if err := e.pace(context.Background(), SetInactive); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	if last := clk.sleeps[len(clk.sleeps)-1]; last < 50*time.Minute {
		t.Errorf("the 501st status post in an hour waited %v", last)
	}
}

// limitWait follows GitHub's docs: Retry-After; else X-RateLimit-Reset when Remaining is 0; else a minute,
// doubling; a 403 that is no rate limit is not waited for.
func TestLimitWait(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	resp := func(status int, body string, h ...string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		for i := 0; i < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	tests := []struct {
		name    string
		r       *http.Response
		attempt int
		wait    time.Duration
		limited bool
	}{
		{"retry-after", resp(403, `{"message":"You have exceeded a secondary rate limit"}`, "Retry-After", "42"), 1, 42 * time.Second, true},
		{"429 retry-after", resp(429, `{}`, "Retry-After", "7"), 3, 7 * time.Second, true},
		{"primary: until the reset", resp(403, `{"message":"API rate limit exceeded"}`, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000100"), 1, 101 * time.Second, true},
		{"secondary without headers", resp(403, `{"message":"You have exceeded a secondary rate limit"}`), 1, time.Minute, true},
		{"then doubling", resp(429, `{}`), 3, 4 * time.Minute, true},
		{"a 403 of another kind", resp(403, `{"message":"Resource not accessible by integration"}`), 1, 0, false},
		{"not a limit", resp(422, `{}`), 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, limited := limitWait(tt.r, tt.attempt, now)
			if wait != tt.wait || limited != tt.limited {
				t.Errorf("limitWait = %v %v, want %v %v", wait, limited, tt.wait, tt.limited)
			}
		})
	}
}
