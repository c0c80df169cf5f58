package promote

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/status"
)

func TestRollbackTarget(t *testing.T) {
	at := func(n int) time.Time { return time.Date(2026, 1, 1, 0, n, 0, 0, time.UTC) }
	dep := func(id int64, sha string) deploy.Deployment {
		return deploy.Deployment{ID: id, SHA: sha, CreatedAt: at(int(id))}
	}
	active := dep(5, "aaa")
	newestFirst := []deploy.Deployment{dep(6, "bbb"), active, dep(4, "aaa"), dep(3, "ccc"), dep(2, "ddd"), dep(1, "eee")}
	for _, c := range []struct {
		name      string
		succeeded map[int64]bool
		want      int64 // 0: none
	}{
		{"the newest older one that succeeded", map[int64]bool{6: true, 4: true, 3: false, 2: true, 1: true}, 2},
		{"the first candidate", map[int64]bool{3: true, 2: true}, 3},
		{"none succeeded", map[int64]bool{6: true, 4: true}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var asked []int64
			got, err := RollbackTarget(newestFirst, active, func(d deploy.Deployment) (bool, error) {
				asked = append(asked, d.ID)
				return c.succeeded[d.ID], nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (c.want == 0) || (got != nil && got.ID != c.want) {
				t.Fatalf("target %+v, want %d", got, c.want)
			}
			for _, id := range asked {
				if id >= 4 {
					t.Errorf("asked about deployment %d: newer than the active one, or of its SHA", id)
				}
			}
		})
	}
	// Same creation time: the lower ID is the older one.
	same := []deploy.Deployment{{ID: 9, SHA: "x", CreatedAt: at(1)}, {ID: 7, SHA: "y", CreatedAt: at(1)}}
	got, _ := RollbackTarget(same, deploy.Deployment{ID: 8, SHA: "z", CreatedAt: at(1)}, func(deploy.Deployment) (bool, error) { return true, nil })
	if got == nil || got.ID != 7 {
		t.Fatalf("tie: %+v", got)
	}
	boom := errors.New("boom")
	if _, err := RollbackTarget(newestFirst, active, func(deploy.Deployment) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
}

func TestCheckPayload(t *testing.T) {
	for raw, ok := range map[string]bool{`{"a":1}`: true, `{}`: true, `[1]`: false, `"s"`: false, `null`: false, `42`: false} {
		if err := CheckPayload(json.RawMessage(raw)); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
	if err := CheckPayload(nil); err != nil {
		t.Errorf("no payload: %v", err)
	}
	got, _ := withKey(json.RawMessage(`{"a":1,"promoted_from":3}`), KeyPromotedFrom, 12)
	if string(got) != `{"a":1,"promoted_from":12}` {
		t.Errorf("merged %s", got)
	}
}

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

type fake struct {
	t  *testing.T
	gh *githubtest.Server
	c  *ghapi.Client
}

func newFake(t *testing.T) *fake {
	gh := githubtest.NewT(t)
	c := ghapitest.Client(t, gh, "")
	return &fake{t: t, gh: gh, c: c}
}

// deploy creates a deployment of a new commit on main to env and gives it
// state (none when "").
func (f *fake) deploy(env, state string) *deploy.Deployment {
	f.t.Helper()
	sha := f.gh.Repo("octo/demo").Commit("main", "change for "+env, "octocat")
	d, err := deploy.Create(context.Background(), f.c, demo, deploy.CreateRequest{Ref: sha, Environment: env, Task: "deploy", RequiredContexts: &[]string{}})
	if err != nil {
		f.t.Fatal(err)
	}
	if state != "" {
		if _, err := status.Set(context.Background(), f.c, demo, d.ID, status.SetRequest{State: status.State(state)}); err != nil {
			f.t.Fatal(err)
		}
	}
	return d
}

func TestPromote(t *testing.T) {
	f := newFake(t)
	staging := f.deploy("staging", "success")
	f.deploy("staging", "failure") // newer, but not active
	prod := f.deploy("production", "success")
	p, err := Promote(context.Background(), f.c, demo, "staging", "production", deploy.CreateRequest{Task: "deploy", Payload: json.RawMessage(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Source.ID != staging.ID || p.Active == nil || p.Active.ID != prod.ID || p.Environment != "production" {
		t.Fatalf("plan %+v", p)
	}
	if p.Request.Ref != staging.SHA || p.Request.Environment != "production" || string(p.Request.Payload) != `{"a":1,"promoted_from":`+itoa(staging.ID)+`}` {
		t.Fatalf("request %+v payload %s", p.Request, p.Request.Payload)
	}

	// Nothing in the target yet: fine. Nothing active in the source: nothing to promote.
	p, err = Promote(context.Background(), f.c, demo, "staging", "qa", deploy.CreateRequest{})
	if err != nil || p.Active != nil {
		t.Fatalf("plan %+v, %v", p, err)
	}
	var nothing *NothingError
	if _, err := Promote(context.Background(), f.c, demo, "qa", "production", deploy.CreateRequest{}); !errors.As(err, &nothing) {
		t.Fatalf("err %v", err)
	}
}

func TestRollback(t *testing.T) {
	f := newFake(t)
	good := f.deploy("production", "success")
	f.deploy("production", "failure")
	f.deploy("staging", "success") // another environment
	active := f.deploy("production", "success")
	// good is inactive now (a later success made it so): it had succeeded.
	p, err := Rollback(context.Background(), f.c, demo, "production", 0, deploy.CreateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Source.ID != good.ID || p.Active.ID != active.ID || p.Request.Ref != good.SHA || string(p.Request.Payload) != `{"rollback_of":`+itoa(active.ID)+`}` {
		t.Fatalf("plan %+v request %+v", p, p.Request)
	}

	// --to names the deployment.
	p, err = Rollback(context.Background(), f.c, demo, "production", good.ID, deploy.CreateRequest{})
	if err != nil || p.Source.ID != good.ID {
		t.Fatalf("plan %+v, %v", p, err)
	}
	var nothing *NothingError
	if _, err := Rollback(context.Background(), f.c, demo, "production", active.ID, deploy.CreateRequest{}); !errors.As(err, &nothing) {
		t.Fatalf("--to the active one: %v", err)
	}
	// staging has one deployment only; qa none.
	for _, env := range []string{"staging", "qa"} {
		if _, err := Rollback(context.Background(), f.c, demo, env, 0, deploy.CreateRequest{}); !errors.As(err, &nothing) {
			t.Fatalf("%s: %v", env, err)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
