package listen_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// chat is an incoming webhook that fails its first two posts; the first
// hangs until the test lets it go.
type chat struct {
	srv     *httptest.Server
	release chan struct{}
	mu      sync.Mutex
	posts   int
	got     chan string // accepted texts
}

func newChat(t *testing.T) *chat {
	c := &chat{release: make(chan struct{}), got: make(chan string, 8)}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.posts++
		n := c.posts
		c.mu.Unlock()
		if r.Header.Get("Authorization") != "" {
			t.Errorf("a notification carried %q", r.Header.Get("Authorization"))
		}
		switch n {
		case 1:
			select {
			case <-c.release:
			case <-time.After(8 * time.Second):
			}
			http.Error(w, "down", http.StatusInternalServerError)
		case 2:
			http.Error(w, "still down", http.StatusBadGateway)
		default:
			var p struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(body, &p); err != nil || p.Text == "" {
				t.Errorf("post %d is not Slack JSON with a text: %s", n, body)
			}
			c.got <- p.Text
		}
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// TestNotifyAndMetrics: a chat that is down does not delay the deployment
// (it finishes while the first post hangs); the third post brings the start
// message, then the end; /metrics counts the delivery and the deployment.
func TestNotifyAndMetrics(t *testing.T) {
	e := newEnv(t)
	c := newChat(t)
	metricsAddr := freeAddr(t)
	l := e.start("--notify", c.srv.URL+"/hooks/SECRETPATH", "--metrics-addr", metricsAddr)

	id := e.createDeployment("production", "deploy")
	d := e.waitFinal(id, 15*time.Second)
	if got := strings.Join(states(d), ","); got != "in_progress,success" {
		t.Fatalf("statuses %s", got)
	}
	c.mu.Lock()
	posts := c.posts
	c.mu.Unlock()
	if posts > 1 {
		t.Errorf("%d posts before the deployment finished: the first one hangs, so the deployment waited for retries", posts)
	}
	close(c.release)
	for _, want := range []string{
		fmt.Sprintf("Deploying octo/demo %s (main) to production by octocat", d.SHA[:7]),
		fmt.Sprintf("Deployed octo/demo %s (main) to production: success after", d.SHA[:7]),
	} {
		select {
		case text := <-c.got:
			if !strings.HasPrefix(text, want) {
				t.Errorf("notification %q, want it to start with %q", text, want)
			}
			if !strings.Contains(text, "/octo/demo/deployments/production|deployments>") {
				t.Errorf("notification %q has no link to the environment's deployments", text)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no notification %q", want)
		}
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels map[string]string) float64 {
		for _, m := range fams[name].GetMetric() {
			ok := true
			for _, l := range m.GetLabel() {
				ok = ok && labels[l.GetName()] == l.GetValue()
			}
			if ok && len(m.GetLabel()) == len(labels) {
				switch fams[name].GetType() {
				case dto.MetricType_COUNTER:
					return m.GetCounter().GetValue()
				case dto.MetricType_HISTOGRAM:
					return float64(m.GetHistogram().GetSampleCount())
				default:
					return m.GetGauge().GetValue()
				}
			}
		}
		return -1
	}
	if got := value("deployctl_deliveries_total", map[string]string{"event": "deployment", "result": "accepted"}); got != 1 {
		t.Errorf("deployment deliveries accepted = %v, want 1", got)
	}
	if got := value("deployctl_deployments_total", map[string]string{"environment": "production", "state": "success"}); got != 1 {
		t.Errorf("production successes = %v, want 1", got)
	}
	if got := value("deployctl_deploy_duration_seconds", map[string]string{"environment": "production"}); got != 1 {
		t.Errorf("duration observations = %v, want 1", got)
	}
	if got := value("deployctl_queue_depth", map[string]string{}); got != 0 {
		t.Errorf("queue depth after the deployment = %v, want 0", got)
	}
	if fams["go_goroutines"] == nil {
		t.Error("no Go runtime metrics")
	}
	if strings.Contains(l.stderr.String(), "SECRETPATH") {
		t.Errorf("the chat hook's URL was logged:\n%s", l.stderr.String())
	}
}

// TestTriggerDrivesAListener: the deliveries `deployctl trigger` sends pass
// the listener's signature check and classification: a ping is answered, a
// merged pull request creates a deployment at the fake GitHub, which then
// runs; a wrong secret is refused and trigger exits 1.
func TestTriggerDrivesAListener(t *testing.T) {
	e := newEnv(t)
	e.start()
	trigger := func(args ...string) (string, error) {
		cmd := exec.Command(testbin.Deployctl(t), append([]string{"trigger", "--to", "http://" + e.addr + "/event_handler", "-R", "octo/demo"}, args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.work, "XDG_CONFIG_HOME=" + e.work, "DEPLOYCTL_WEBHOOK_SECRET=" + secret}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := trigger("ping"); err != nil || !strings.Contains(out, "\t200\tpong") {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	if out, err := trigger("pull_request", "--ref", "feature-1"); err != nil || !strings.Contains(out, "\t202\taccepted") {
		t.Fatalf("pull_request: %v\n%s", err, out)
	}
	var id int64
	e.waitFor(10*time.Second, "the merged pull request's deployment", func() bool {
		if ds := e.gh.Deployments("octo/demo"); len(ds) == 1 {
			id = ds[0].ID
		}
		return id != 0
	})
	if d := e.waitFinal(id, 15*time.Second); latest(d).State != "success" {
		t.Errorf("deployment %d: %v", id, states(d))
	}
	out, err := trigger("deployment", "--secret", "not-the-secret")
	if exitCode(err) != 1 || !strings.Contains(out, "\t401\t") {
		t.Errorf("wrong secret: %v\n%s", err, out)
	}
}

// TestPollMode: no webhook, no secret: --poll asks GitHub. A deployment
// that existed at the first start is history; one created while polling
// runs, and so does a merged pull request's; an idle stretch sends only
// conditional requests, each answered 304 (none counted against the rate
// limit).
func TestPollMode(t *testing.T) {
	e := newEnv(t)
	old := e.createDeployment("production", "deploy") // before the first start: history
	l := e.launch("listener", nil, "listen", "--addr", e.addr, "--state-dir", e.stateDir,
		"--exec", filepath.Join(e.work, "deploy.sh"), "--poll", "1s", "-R", "octo/demo")
	e.waitFor(10*time.Second, "the baseline", func() bool {
		_, err := os.Stat(filepath.Join(e.stateDir, "poll.json"))
		return err == nil
	})
	// No webhook path without a secret.
	if code := e.post("deployment", "11111111-2222-3333-4444-555555555555", "application/json", "", []byte("{}")); code != http.StatusNotFound {
		t.Errorf("the webhook path answered %d in poll mode without a secret, want 404", code)
	}

	created := time.Now()
	id := e.createDeployment("staging", "deploy")
	e.waitFor(10*time.Second, "the new deployment's command to start", func() bool {
		_, err := os.Stat(filepath.Join(e.work, fmt.Sprintf("out-%d", id)))
		return err == nil
	})
	t.Logf("creation to command start: %v (interval 1s)", time.Since(created).Round(10*time.Millisecond))
	if d := e.waitFinal(id, 15*time.Second); latest(d).State != "success" {
		t.Errorf("polled deployment: %v", states(d))
	}
	e.gh.MergePullRequest("octo/demo", 9, "feature-9", headSHA, "main", "mona")
	var merged int64
	e.waitFor(15*time.Second, "the merged pull request's deployment", func() bool {
		for _, d := range e.gh.Deployments("octo/demo") {
			if d.SHA == headSHA {
				merged = d.ID
			}
		}
		return merged != 0
	})
	if d := e.waitFinal(merged, 15*time.Second); latest(d).State != "success" {
		t.Errorf("merged pull request's deployment: %v", states(d))
	}
	if d := e.deployment(old); len(d.Statuses) != 0 {
		t.Errorf("the deployment from before the first start was run: %v", states(d))
	}
	if _, err := os.Stat(filepath.Join(e.work, fmt.Sprintf("out-%d", old))); err == nil {
		t.Error("the deployment from before the first start ran")
	}
	for _, d := range e.gh.Deployments("octo/demo") {
		if runs := strings.Count(l.stderr.String(), fmt.Sprintf("deployment=%d environment=", d.ID)); d.ID != old && runs == 0 {
			t.Errorf("deployment %d not in the log", d.ID)
		}
	}

	// Idle: a few polls, each a 304.
	time.Sleep(1500 * time.Millisecond) // the statuses posted above are seen once
	before, usage := len(e.gh.Requests()), e.gh.RateUsage()
	time.Sleep(3500 * time.Millisecond)
	idle := e.gh.Requests()[before:]
	if len(idle) < 4 {
		t.Fatalf("%d requests in 3.5 s of polling every 1s", len(idle))
	}
	for _, r := range idle {
		if r.Method != http.MethodGet || r.Status != http.StatusNotModified || r.Header.Get("If-None-Match") == "" {
			t.Errorf("idle poll: %s %s answered %d (If-None-Match %q), want a conditional GET answered 304",
				r.Method, r.Path, r.Status, r.Header.Get("If-None-Match"))
		}
	}
	if now := e.gh.RateUsage(); now.Counted() != usage.Counted() {
		t.Errorf("idle polls counted %d against the rate limit", now.Counted()-usage.Counted())
	}
	t.Logf("idle: %d requests in 3.5 s for one repository (%.0f an hour), %d counted", len(idle),
		float64(len(idle))*3600/3.5, e.gh.RateUsage().Counted()-usage.Counted())
}
