//go:build unix

package listen_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

func hmacHex(body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

const headSHA = "0123456789abcdef0123456789abcdef01234567"

// TestDeliveringDeployments is GitHub's guide end to end: a merged pull
// request becomes a deployment, the deployment runs the command, statuses
// go in_progress then success, and their webhooks are logged.
func TestDeliveringDeployments(t *testing.T) {
	e := newEnv(t)
	l := e.start("--log-url-base", "http://"+freeAddrPlaceholder)
	_ = l
	e.gh.MergePullRequest("octo/demo", 7, "feature", headSHA, "main", "mona")

	var id int64
	e.waitFor(10*time.Second, "deployment created", func() bool {
		ds := e.gh.Deployments("octo/demo")
		if len(ds) == 1 {
			id = ds[0].ID
		}
		return id != 0
	})
	d := e.deployment(id)
	if d.SHA != headSHA || d.Environment != "production" || d.Ref != headSHA {
		t.Fatalf("deployment %+v", d)
	}
	var pl map[string]string
	if err := json.Unmarshal(d.Payload, &pl); err != nil || pl["deploy_user"] != "mona" {
		t.Fatalf("payload %s", d.Payload)
	}
	d = e.waitFinal(id, 15*time.Second)
	if got := strings.Join(states(d), ","); got != "in_progress,success" {
		t.Fatalf("statuses %s", got)
	}
	st := latest(d)
	if st.EnvironmentURL != fmt.Sprintf("https://production.example.com/%d", id) {
		t.Fatalf("environment_url %q", st.EnvironmentURL)
	}
	if !strings.HasPrefix(st.LogURL, "http://"+freeAddrPlaceholder+"/logs/") || len(st.LogURL) < 64 {
		t.Fatalf("log_url %q", st.LogURL)
	}
	// The log is served at the unguessable URL, on the listener's address.
	logPath := strings.TrimPrefix(st.LogURL, "http://"+freeAddrPlaceholder)
	resp, err := http.Get("http://" + e.addr + logPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "deploying "+headSHA) {
		t.Fatalf("log: %d %q", resp.StatusCode, body)
	}
	if resp, _ := http.Get("http://" + e.addr + "/logs/" + strings.Repeat("0", 64)); resp.StatusCode != 404 {
		t.Fatalf("a made-up token got %d", resp.StatusCode)
	}

	out := readFile(t, filepath.Join(e.work, fmt.Sprintf("out-%d", id)))
	for _, want := range []string{"REPO=octo/demo", "ENV=production", "SHA=" + headSHA, "TASK=deploy", "CREATOR=octocat", `PAYLOAD={"deploy_user":"mona"}`, "SECRET=\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("command environment lacks %q:\n%s", want, out)
		}
	}
	// The deployment_status deliveries are logged.
	e.waitFor(10*time.Second, "status webhooks logged", func() bool {
		return contains(l.stderr.String(), fmt.Sprintf("Deployment status for %d is success", id))
	})
	for _, d := range e.gh.Deliveries() {
		if d.StatusCode != 202 {
			t.Errorf("delivery %s %s answered %d", d.Event, d.ID, d.StatusCode)
		}
	}
	// Every API request carried the fake's token and went to the fake.
	for _, r := range e.gh.Requests() {
		if r.Header.Get("Authorization") != "token "+githubtest.DefaultToken {
			t.Errorf("%s %s without the token", r.Method, r.Path)
		}
	}
}

// freeAddrPlaceholder is the public host a reverse proxy would serve logs on.
const freeAddrPlaceholder = "deploy-logs.example.test"

func TestFailureTimeoutAndHang(t *testing.T) {
	e := newEnv(t)
	e.start("--timeout", "1500ms")
	fail := e.createDeployment("staging", "fail")
	hang := e.createDeployment("qa", "hang")
	d := e.waitFinal(fail, 10*time.Second)
	if st := latest(d); st.State != "failure" || !strings.Contains(st.Description, "status 3") {
		t.Fatalf("fail: %+v", st)
	}
	d = e.waitFinal(hang, 20*time.Second)
	if st := latest(d); st.State != "error" || !strings.Contains(st.Description, "timed out") {
		t.Fatalf("hang: %+v", st)
	}
}

// TestHostileData: webhook data with shell syntax reaches the command
// verbatim and runs nothing; URLs in the payload are never called.
func TestHostileData(t *testing.T) {
	e := newEnv(t)
	var hits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer trap.Close()
	e.start("--no-create-on-merge", "--exec", filepath.Join(e.work, "deploy.sh"))

	// A real deployment, delivered with a doctored payload (as a compromised
	// relay or a creative deployer could send).
	id := e.createDeployment("review", "deploy")
	e.waitFinal(id, 10*time.Second)

	pwned := filepath.Join(e.work, "pwned")
	ref := "$(touch " + pwned + ")`touch " + pwned + "2`\nnext; touch " + pwned + "3"
	desc := "desc $(id) `id` \n$HOME ${PATH}"
	payload, _ := json.Marshal(map[string]any{
		"action": "created",
		"deployment": map[string]any{
			"id": id + 1000, "sha": headSHA, "ref": ref, "task": "deploy", "environment": "review", "description": desc,
			"creator": map[string]any{"login": "mona"}, "payload": map[string]any{},
			"url": trap.URL + "/deployment", "statuses_url": trap.URL + "/statuses",
		},
		"repository": map[string]any{"full_name": "octo/demo", "url": trap.URL + "/repos/octo/demo"},
	})
	dl, err := e.gh.Deliver("deployment", payload)
	if err != nil || dl.StatusCode != 202 {
		t.Fatalf("delivery: %+v %v", dl, err)
	}
	// The final status for the made-up deployment ID goes to the fake (404
	// there), once the command has finished.
	e.waitFor(10*time.Second, "final status attempt", func() bool {
		for _, r := range e.gh.Requests() {
			if strings.Contains(r.Path, fmt.Sprintf("/deployments/%d/statuses", id+1000)) && strings.Contains(string(r.Body), `"success"`) {
				return true
			}
		}
		return false
	})
	out := filepath.Join(e.work, fmt.Sprintf("out-%d", id+1000))
	if got := readFile(t, out+".ref"); got != ref {
		t.Errorf("DEPLOY_REF = %q, want %q", got, ref)
	}
	if got := readFile(t, out+".description"); got != desc {
		t.Errorf("DEPLOY_DESCRIPTION = %q, want %q", got, desc)
	}
	for _, f := range []string{pwned, pwned + "2", pwned + "3"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s exists: webhook data was executed", f)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the URL from the payload got %d requests", n)
	}
}

func TestBadDeliveries(t *testing.T) {
	e := newEnv(t)
	e.start()
	body := []byte(`{"zen":"hi","hook_id":1}`)
	big := make([]byte, 26<<20)
	for _, c := range []struct {
		name, event, ctype, sig string
		body                    []byte
		want                    int
	}{
		{"ping", "ping", "application/json", sign(body), body, 200},
		{"no signature", "ping", "application/json", "", body, 401},
		{"bad signature", "ping", "application/json", sign([]byte("x")), body, 401},
		{"sha1 algorithm", "ping", "application/json", "sha1=" + hmacHex(body)[:40], body, 401},
		{"malformed json", "deployment", "application/json", sign([]byte("{")), []byte("{"), 400},
		{"malformed form", "deployment", "application/x-www-form-urlencoded", sign([]byte("payload=%")), []byte("payload=%"), 400},
		{"unknown event", "issues", "application/json", sign(body), body, 202},
		{"too large", "push", "application/json", "sha256=00", big, 413},
	} {
		if got := e.post(c.event, "bad-"+strings.ReplaceAll(c.name, " ", "-"), c.ctype, c.sig, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if n := len(e.gh.Deployments("octo/demo")); n != 0 {
		t.Fatalf("%d deployments after bad deliveries", n)
	}
}

func TestRefusesToStartWithoutSecret(t *testing.T) {
	e := newEnv(t)
	cmd := exec_(testbin.Deployctl(t), "listen", "--addr", e.addr, "--state-dir", e.stateDir)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.work, "GITHUB_API_URL=" + e.gh.URL(), "GH_TOKEN=x"}
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "--insecure-skip-verify") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestDuplicateDeliveryAcrossRestart(t *testing.T) {
	e := newEnv(t)
	e.hook.ContentType = "form" // application/x-www-form-urlencoded, payload=...
	l := e.start()
	e.gh.MergePullRequest("octo/demo", 8, "feature", headSHA, "main", "mona")
	var first githubtest.Delivery
	e.waitFor(10*time.Second, "merge delivered", func() bool {
		for _, d := range e.gh.Deliveries() {
			if d.Event == "pull_request" {
				first = d
				return true
			}
		}
		return false
	})
	e.waitFor(10*time.Second, "deployment created", func() bool { return len(e.gh.Deployments("octo/demo")) == 1 })
	if d, err := e.gh.Redeliver(first.ID); err != nil || d.StatusCode != 202 {
		t.Fatalf("redelivery: %+v %v", d, err)
	}
	id := e.gh.Deployments("octo/demo")[0].ID
	e.waitFinal(id, 10*time.Second)
	l.stop(t, syscall.SIGTERM, 10*time.Second)

	e.start()
	if d, err := e.gh.Redeliver(first.ID); err != nil || d.StatusCode != 202 {
		t.Fatalf("redelivery after restart: %+v %v", d, err)
	}
	// The redelivered deployment webhook does not run it again either.
	for _, d := range e.gh.Deliveries() {
		if d.Event == "deployment" {
			if r, err := e.gh.Redeliver(d.ID); err != nil || r.StatusCode != 202 {
				t.Fatalf("deployment redelivery: %+v %v", r, err)
			}
		}
	}
	// Wait until the listener has done whatever those redeliveries queued:
	// a new merge after them is created, deployed (in the same lane, after
	// any deployment queued before it) and finished.
	e.gh.MergePullRequest("octo/demo", 9, "sentinel", strings.Repeat("9", 40), "main", "mona")
	var sentinel int64
	e.waitFor(10*time.Second, "the later merge's deployment", func() bool {
		for _, d := range e.gh.Deployments("octo/demo") {
			if d.SHA == strings.Repeat("9", 40) {
				sentinel = d.ID
				return true
			}
		}
		return false
	})
	e.waitFinal(sentinel, 10*time.Second)
	ds := e.gh.Deployments("octo/demo")
	if len(ds) != 2 {
		t.Fatalf("%d deployments, want 2 (one per merge)", len(ds))
	}
	// (The later deployment's success made this one inactive.)
	if got := strings.Join(states(e.deployment(id)), ","); got != "in_progress,success,inactive" {
		t.Fatalf("statuses %s: the redelivered deployment ran again", got)
	}
}

func TestKill9MidDeployThenRestart(t *testing.T) {
	e := newEnv(t)
	l := e.start()
	id := e.createDeployment("production", "slow")
	e.waitState(id, "in_progress", 10*time.Second)
	childFile := filepath.Join(e.work, fmt.Sprintf("out-%d.child", id))
	e.waitFor(5*time.Second, "child started", func() bool { _, err := os.Stat(childFile); return err == nil })
	var child int
	fmt.Sscan(readFile(t, childFile), &child)

	l.stop(t, syscall.SIGKILL, 5*time.Second)
	if st := latest(e.deployment(id)).State; st != "in_progress" {
		t.Fatalf("state after kill -9: %s", st)
	}
	l = e.start()
	d := e.waitFinal(id, 10*time.Second)
	if st := latest(d); st.State != "error" || !strings.Contains(st.Description, "listener stopped") {
		t.Fatalf("after restart: %+v", st)
	}
	e.waitFor(5*time.Second, "orphaned child killed", func() bool { return syscall.Kill(child, 0) != nil })
	_ = l
}

func TestSIGTERMWithLongDeploy(t *testing.T) {
	e := newEnv(t)
	l := e.start("--shutdown-grace", "1s", "--concurrency", "1")
	long := e.createDeployment("production", "slow")
	e.waitState(long, "in_progress", 10*time.Second)
	waiting := e.createDeployment("production", "deploy")
	e.waitState(waiting, "queued", 10*time.Second)

	start := time.Now()
	l.stop(t, syscall.SIGTERM, 15*time.Second)
	if d := time.Since(start); d < time.Second {
		t.Errorf("stopped after %v, before the grace", d)
	}
	if exitCode(l.err) != 0 {
		t.Errorf("exit: %v", l.err)
	}
	// The log's last line is written before the process exits.
	if lines := strings.Split(strings.TrimSpace(l.stderr.String()), "\n"); !strings.HasSuffix(lines[len(lines)-1], " stopped") {
		t.Errorf("last log line %q, want the listener's \"stopped\"", lines[len(lines)-1])
	}
	for _, id := range []int64{long, waiting} {
		st := latest(e.deployment(id))
		if st.State != "error" || !strings.Contains(st.Description, "shut down") {
			t.Errorf("deployment %d: %+v", id, st)
		}
	}
}

func TestAPIFailsThenRecovers(t *testing.T) {
	e := newEnv(t)
	e.start()
	// Every status post fails for a while: the client's own retries run
	// out, the listener's retries of the final status carry on.
	e.gh.FailNext("POST", "/repos/octo/demo/deployments/", 6, 502, nil)
	id := e.createDeployment("production", "deploy")
	d := e.waitFinal(id, 40*time.Second)
	if st := latest(d); st.State != "success" {
		t.Fatalf("final %+v (statuses %v)", st, states(d))
	}
}

func TestLanes(t *testing.T) {
	e := newEnv(t)
	e.start("--concurrency", "2")
	a := e.createDeployment("production", "block")
	e.waitState(a, "in_progress", 10*time.Second)
	b := e.createDeployment("production", "block")
	c := e.createDeployment("staging", "block")
	e.waitState(b, "queued", 10*time.Second)
	e.waitState(c, "in_progress", 10*time.Second) // another environment runs alongside
	release := func(id int64) {
		os.WriteFile(filepath.Join(e.work, fmt.Sprintf("release-%d", id)), nil, 0o644)
	}
	if st := latest(e.deployment(b)).State; st != "queued" {
		t.Fatalf("second production deployment is %s while the first runs", st)
	}
	release(a)
	e.waitFinal(a, 10*time.Second)
	e.waitState(b, "in_progress", 10*time.Second)
	release(b)
	release(c)
	for _, id := range []int64{b, c} {
		if st := latest(e.waitFinal(id, 10*time.Second)); st.State != "success" {
			t.Fatalf("deployment %d: %+v", id, st)
		}
	}
	if got := strings.Join(states(e.deployment(b)), ","); got != "queued,in_progress,success" {
		t.Fatalf("queued deployment statuses %s", got)
	}
	if got := strings.Join(states(e.deployment(c)), ","); got != "in_progress,success" {
		t.Fatalf("parallel deployment statuses %s", got)
	}
}

// TestReplayRealDeliveries posts every delivery GitHub sent that the project
// keeps to the running listener, in both content types.
func TestReplayRealDeliveries(t *testing.T) {
	deliveries := githubtest.RealDeliveries(t)
	e := newEnv(t)
	l := e.start()
	for i, d := range deliveries {
		body, event := d.Payload, d.Event
		want := 202
		if event == "ping" {
			want = 200
		}
		form := []byte(url.Values{"payload": {string(body)}}.Encode())
		if got := e.post(event, fmt.Sprintf("replay-%d-json", i), "application/json", sign(body), body); got != want {
			t.Errorf("%s (json): %d, want %d", d.Name, got, want)
		}
		if got := e.post(event, fmt.Sprintf("replay-%d-form", i), "application/x-www-form-urlencoded", sign(form), form); got != want {
			t.Errorf("%s (form): %d, want %d", d.Name, got, want)
		}
	}
	e.waitFor(10*time.Second, "deployment_status logged", func() bool {
		return contains(l.stderr.String(), "Deployment status for 145988746 is success")
	})
}

// TestSecondSignalQuits: the first SIGTERM drains (the running deployment
// gets --shutdown-grace); a second one, for an operator who will not wait,
// ends the process at once. The next start marks the deployment error.
func TestSecondSignalQuits(t *testing.T) {
	e := newEnv(t)
	l := e.start("--shutdown-grace", "60s")
	id := e.createDeployment("production", "slow")
	// The command runs (so the journal says it may have): after the restart
	// it is not run again but marked error.
	e.waitFor(10*time.Second, "the command started", func() bool {
		_, err := os.Stat(filepath.Join(e.work, fmt.Sprintf("out-%d.child", id)))
		return err == nil
	})

	_ = l.cmd.Process.Signal(syscall.SIGTERM)
	e.waitFor(10*time.Second, "draining", func() bool { return contains(l.stderr.String(), "shutting down") })
	select {
	case <-l.done:
		t.Fatalf("listener stopped on the first signal, before the grace: %v", l.err)
	default:
	}
	start := time.Now()
	l.stop(t, syscall.SIGTERM, 5*time.Second)
	if ws, ok := l.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("second SIGTERM: %v, want killed by it", l.err)
	}
	t.Logf("quit %v after the second signal", time.Since(start).Round(time.Millisecond))

	e.start()
	if st := latest(e.waitFinal(id, 10*time.Second)); st.State != "error" {
		t.Fatalf("after restart: %+v", st)
	}
}
