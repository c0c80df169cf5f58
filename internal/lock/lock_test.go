package lock

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/lock/locktest"
)

var demo = repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func fake(t *testing.T) *githubtest.Server {
	gh := githubtest.NewT(t)
	gh.AddTokenFor("alice-token", "alice", true)
	gh.AddTokenFor("bob-token", "bob", true)
	return gh
}

func TestQueriesMatchGitHubSchema(t *testing.T) {
	dir := os.Getenv(githubtest.EnvAPIDir)
	if dir == "" {
		t.Skip(githubtest.EnvAPIDir + " not set")
	}
	schema, err := githubtest.LoadGraphQLSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{"read": ReadQuery, "list": ListQuery} {
		if err := githubtest.ValidateQuery(schema, q); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBranchName(t *testing.T) {
	for env, want := range map[string]string{
		"production": "production-branch-deploy-lock", "eu west\t1": "eu-west-1-branch-deploy-lock", "": "global-branch-deploy-lock",
	} {
		if got := BranchName(env); got != want {
			t.Errorf("BranchName(%q) = %q, want %q", env, got, want)
		}
	}
}

func TestClaimWritesBranchDeploysFormat(t *testing.T) {
	gh := fake(t)
	c := ghapitest.Client(t, gh, "alice-token")
	gh.ResetRequests()
	res, err := Claim(context.Background(), c, demo, ClaimRequest{Environment: "production", Reason: "fixing the db", TTL: time.Hour,
		Link: "https://github.com/octo/demo/actions/runs/7", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Already || res.Lock.CreatedBy != "alice" {
		t.Errorf("result %+v", res)
	}
	var methods []string
	for _, r := range gh.Requests() {
		methods = append(methods, r.Method+" "+strings.TrimPrefix(r.Path, "/repos/octo/demo"))
	}
	if got := strings.Join(methods, ", "); got != "GET /user, POST /graphql, POST /git/trees, POST /git/commits, POST /git/refs" {
		t.Errorf("requests: %s", got)
	}
	repo := gh.Repo("octo/demo")
	commit, ok := repo.GitCommitOf("production-branch-deploy-lock")
	if !ok || commit.Message != "lock [skip ci]" || len(commit.Parents) != 1 || commit.Parents[0] != repo.Branch("main") {
		t.Fatalf("lock commit %+v", commit)
	}
	if _, ok := repo.BranchFile("production-branch-deploy-lock", "README.md"); !ok {
		t.Error("the lock branch lost the default branch's files")
	}
	raw, _ := repo.BranchFile("production-branch-deploy-lock", "lock.json")
	var f map[string]any
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"schema_version": 1.0, "reason": "fixing the db", "branch": nil, "created_at": "2026-12-01T10:00:00Z",
		"created_by": "alice", "sticky": true, "environment": "production", "global": false,
		"unlock_command": ".unlock production", "link": "https://github.com/octo/demo/actions/runs/7",
		"expires_at": "2026-12-01T11:00:00Z", "claim_id": f["claim_id"],
	}
	if len(f) != len(want) {
		t.Errorf("lock.json has %d fields, want %d: %s", len(f), len(want), raw)
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %#v, want %#v", k, f[k], v)
		}
	}
	if id, _ := f["claim_id"].(string); len(id) != 16 {
		t.Errorf("claim_id %q", f["claim_id"])
	}

	// The same caller again: nothing written.
	gh.ResetRequests()
	again, err := Claim(context.Background(), c, demo, ClaimRequest{Environment: "production", Now: now.Add(time.Minute)})
	if err != nil || !again.Already || again.Lock.Reason != "fixing the db" {
		t.Errorf("second claim: %+v, %v", again, err)
	}
	for _, r := range gh.Requests() {
		if r.Method != "GET" && r.Path != "/graphql" {
			t.Errorf("second claim wrote: %s %s", r.Method, r.Path)
		}
	}
	// Someone else: refused, naming the owner.
	_, err = Claim(context.Background(), ghapitest.Client(t, gh, "bob-token"), demo, ClaimRequest{Environment: "production", Now: now.Add(2 * time.Hour / 3)})
	var held *LockedError
	if !errors.As(err, &held) || held.Lock.CreatedBy != "alice" ||
		err.Error() != "production is locked by alice for 40m: fixing the db (expires in 20m)" {
		t.Errorf("bob's claim: %v", err)
	}
}

func TestRacingClaimsOneWins(t *testing.T) {
	gh := fake(t)
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	for _, u := range users[2:] {
		gh.AddTokenFor(u+"-token", u, true)
	}
	var wg sync.WaitGroup
	results := make([]error, len(users))
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = Claim(context.Background(), ghapitest.Client(t, gh, u+"-token"), demo, ClaimRequest{Environment: "production", Now: now})
		}()
	}
	wg.Wait()
	raw, _ := gh.Repo("octo/demo").BranchFile("production-branch-deploy-lock", "lock.json")
	var f struct {
		CreatedBy string `json:"created_by"`
	}
	_ = json.Unmarshal(raw, &f)
	winners := 0
	for i, err := range results {
		var held *LockedError
		switch {
		case err == nil:
			winners++
			if users[i] != f.CreatedBy {
				t.Errorf("%s won but lock.json names %s", users[i], f.CreatedBy)
			}
		case errors.As(err, &held):
			if held.Lock.CreatedBy != f.CreatedBy {
				t.Errorf("%s was told %s won, lock.json names %s", users[i], held.Lock.CreatedBy, f.CreatedBy)
			}
		default:
			t.Errorf("%s: %v", users[i], err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d winners", winners)
	}
}

func TestCheck(t *testing.T) {
	gh := fake(t)
	alice, bob := ghapitest.Client(t, gh, "alice-token"), ghapitest.Client(t, gh, "bob-token")
	ctx := context.Background()

	gh.ResetRequests()
	got, err := Check(ctx, bob, demo, "production", CheckOptions{Now: now})
	if err != nil || len(got.Expired)+len(got.Own) != 0 || len(gh.Requests()) != 1 {
		t.Fatalf("unlocked: %+v %v, %d requests", got, err, len(gh.Requests()))
	}
	if _, err := Claim(ctx, alice, demo, ClaimRequest{Environment: "production", Reason: "db migration", Now: now}); err != nil {
		t.Fatal(err)
	}
	gh.ResetRequests()
	_, err = Check(ctx, bob, demo, "production", CheckOptions{Now: now.Add(90 * time.Minute)})
	var locked *LockedError
	if !errors.As(err, &locked) || err.Error() != "production is locked by alice for 1h30m: db migration" ||
		locked.Description() != "locked by alice: db migration" {
		t.Errorf("bob: %v", err)
	}
	if n := len(gh.Requests()); n != 2 {
		t.Errorf("the check cost %d requests, want 2", n)
	}
	if got, err := Check(ctx, alice, demo, "production", CheckOptions{Now: now}); err != nil || len(got.Own) != 1 {
		t.Errorf("alice: %+v %v", got, err)
	}
	// With the actor given (the listener knows the deployment's creator), one request.
	gh.ResetRequests()
	if _, err := Check(ctx, bob, demo, "production", CheckOptions{Actor: "ALICE", Now: now}); err != nil || len(gh.Requests()) != 1 {
		t.Errorf("actor alice via bob's token: %v, %d requests", err, len(gh.Requests()))
	}
	if _, err := Check(ctx, bob, demo, "staging", CheckOptions{Now: now}); err != nil {
		t.Errorf("staging is not locked: %v", err)
	}
	// A global lock covers every environment.
	if _, err := Claim(ctx, bob, demo, ClaimRequest{Reason: "freeze", Now: now}); err != nil {
		t.Fatal(err)
	}
	_, err = Check(ctx, alice, demo, "staging", CheckOptions{Now: now.Add(time.Minute)})
	if !errors.As(err, &locked) || !locked.Lock.Global || err.Error() != "every environment is locked (global lock) by bob for 1m: freeze" {
		t.Errorf("global: %v", err)
	}
	_, err = Claim(ctx, alice, demo, ClaimRequest{Environment: "staging", Now: now})
	if !errors.As(err, &locked) || !locked.Lock.Global {
		t.Errorf("claiming under bob's global lock: %v", err)
	}
}

func TestExpiredLocksAreIgnoredAndTakenOver(t *testing.T) {
	gh := fake(t)
	alice, bob := ghapitest.Client(t, gh, "alice-token"), ghapitest.Client(t, gh, "bob-token")
	ctx := context.Background()
	first, err := Claim(ctx, alice, demo, ClaimRequest{Environment: "production", TTL: 10 * time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(15 * time.Minute)
	got, err := Check(ctx, bob, demo, "production", CheckOptions{Now: later})
	if err != nil || len(got.Expired) != 1 {
		t.Fatalf("expired: %+v %v", got, err)
	}
	if n := got.Notes(later); len(n) != 1 || n[0] != "note: ignoring the lock on production by alice: it expired 5m ago" {
		t.Errorf("notes %q", n)
	}
	res, err := Claim(ctx, bob, demo, ClaimRequest{Environment: "production", Reason: "mine now", Now: later})
	if err != nil || res.Replaced == nil || res.Replaced.CreatedBy != "alice" {
		t.Fatalf("takeover: %+v %v", res, err)
	}
	commit, _ := gh.Repo("octo/demo").GitCommitOf("production-branch-deploy-lock")
	if len(commit.Parents) != 2 || commit.Parents[0] != gh.Repo("octo/demo").Branch("main") || commit.Parents[1] != first.Lock.Commit {
		t.Errorf("takeover commit parents %v", commit.Parents)
	}
	// A takeover racing with ours loses: the ref moved.
	_, err = Claim(ctx, alice, demo, ClaimRequest{Environment: "production", Now: later})
	var held *LockedError
	if !errors.As(err, &held) || held.Lock.CreatedBy != "bob" {
		t.Errorf("alice after the takeover: %v", err)
	}
}

// A lock written the way branch-deploy writes it (branch from the default branch, then lock.json through the
// contents API, with its fields and a pull request comment link) reads the same.
func TestReadsBranchDeploysLocks(t *testing.T) {
	gh := fake(t)
	locktest.WriteAsBranchDeploy(t, gh, BranchName("production"), locktest.BranchDeployJSON("production", "monalisa", ""))
	locktest.WriteAsBranchDeploy(t, gh, GlobalBranch, locktest.BranchDeployJSON("", "hubot", "global freeze"))
	locks, err := List(context.Background(), ghapitest.Client(t, gh, ""), demo)
	if err != nil {
		t.Fatal(err)
	}
	if len(locks) != 2 || !locks[0].Global || locks[0].CreatedBy != "hubot" || locks[0].Reason != "global freeze" {
		t.Fatalf("locks = %+v", locks)
	}
	l := locks[1]
	if l.Environment != "production" || l.CreatedBy != "monalisa" || l.Reason != "" || l.Branch != "cool-new-feature" ||
		l.Link != "https://github.com/octo/demo/pull/4#issuecomment-1234" || l.ExpiresAt != nil || l.Sticky != true ||
		!l.CreatedAt.Equal(time.Date(2022, 6, 15, 21, 12, 14, 41e6, time.UTC)) || l.UnlockCommand != ".unlock production" {
		t.Errorf("lock = %+v", l)
	}
	if For(locks, "staging") != &locks[0] {
		t.Error("the global lock applies to staging")
	}
}

func TestUnreadableLockStillLocks(t *testing.T) {
	gh := fake(t)
	locktest.WriteAsBranchDeploy(t, gh, BranchName("production"), []byte("not json"))
	_, err := Check(context.Background(), ghapitest.Client(t, gh, ""), demo, "production", CheckOptions{Now: now})
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Lock.CreatedBy != "unknown" || !strings.Contains(err.Error(), "lock.json on production-branch-deploy-lock is not valid JSON") {
		t.Errorf("%v", err)
	}
}

func TestRelease(t *testing.T) {
	gh := fake(t)
	c := ghapitest.Client(t, gh, "alice-token")
	ctx := context.Background()
	if _, err := Claim(ctx, c, demo, ClaimRequest{Environment: "eu west", Now: now}); err != nil {
		t.Fatal(err)
	}
	l, err := Release(ctx, ghapitest.Client(t, gh, "bob-token"), demo, "eu west")
	if err != nil || l == nil || l.CreatedBy != "alice" || l.Environment != "eu west" {
		t.Fatalf("release: %+v %v", l, err)
	}
	if _, err := Release(ctx, c, demo, "eu west"); !errors.Is(err, ErrNotLocked) {
		t.Errorf("second release: %v", err)
	}
	for _, b := range gh.Repo("octo/demo").Branches() {
		if IsLockBranch(b) {
			t.Errorf("branch %s left behind", b)
		}
	}
}

func TestWhoamiWithAnInstallationToken(t *testing.T) {
	gh := fake(t)
	gh.AddAppToken("ghs_installation")
	c := ghapitest.Client(t, gh, "ghs_installation")
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if who, err := Whoami(context.Background(), c, getenv); err != nil || who != "github-actions[bot]" {
		t.Errorf("outside Actions: %q %v", who, err)
	}
	env["GITHUB_ACTIONS"], env["GITHUB_ACTOR"] = "true", "mona"
	if who, err := Whoami(context.Background(), c, getenv); err != nil || who != "mona" {
		t.Errorf("inside Actions: %q %v", who, err)
	}
	if who, err := Whoami(context.Background(), ghapitest.Client(t, gh, "alice-token"), getenv); err != nil || who != "alice" {
		t.Errorf("a user's token in Actions: %q %v", who, err)
	}
}

func TestParseKeepsWhatBranchDeployWrites(t *testing.T) {
	l := parse("production-branch-deploy-lock", "abc", `{"reason":null,"created_by":"x","environment":"production","global":false}`)
	if l.Reason != "" || l.Environment != "production" || !l.CreatedAt.IsZero() || Age(now, l.CreatedAt) != "an unknown time" {
		t.Errorf("%+v", l)
	}
	raw := (&Lock{Environment: "prod", CreatedBy: "me", CreatedAt: now, UnlockCommand: ".unlock prod", ClaimID: "1"}).marshal()
	back := parse("prod-branch-deploy-lock", "", string(raw))
	if back.CreatedBy != "me" || !back.CreatedAt.Equal(now) || back.Environment != "prod" {
		t.Errorf("round trip %+v", back)
	}
	if !strings.Contains(string(raw), `"reason": null`) || !strings.Contains(string(raw), `"link": null`) || strings.Contains(string(raw), "expires_at") {
		t.Errorf("lock.json %s", raw)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 45 * time.Second: "45s", 12 * time.Minute: "12m", 3*time.Hour + 5*time.Minute: "3h5m",
		5 * time.Hour: "5h", 52 * time.Hour: "2d4h", 72 * time.Hour: "3d",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
