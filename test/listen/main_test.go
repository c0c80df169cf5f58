//go:build unix

// Package listen_test runs a real `deployctl listen` process against the
// project's fake GitHub, which delivers signed webhooks to it: the whole
// "Delivering deployments" flow, bad input, and faults (duplicates, restarts,
// kill -9, SIGTERM, API failures, lanes).
package listen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

func TestMain(m *testing.M) { testbin.Main(m) }

const secret = "e2e-webhook-secret"

// deployScript is the --exec command of every test. What it does depends on
// DEPLOY_TASK, so one listener can run deployments that succeed, fail, hang
// or wait for the test.
const deployScript = `#!/bin/sh
set -u
out="$WORK/out-$DEPLOY_ID"
{
  printf 'ID=%s\n' "$DEPLOY_ID"; printf 'REPO=%s\n' "$DEPLOY_REPO"; printf 'ENV=%s\n' "$DEPLOY_ENVIRONMENT"
  printf 'SHA=%s\n' "$DEPLOY_SHA"; printf 'TASK=%s\n' "$DEPLOY_TASK"; printf 'CREATOR=%s\n' "$DEPLOY_CREATOR"
  printf 'PAYLOAD=%s\n' "$DEPLOY_PAYLOAD"; printf 'SECRET=%s\n' "${DEPLOYCTL_WEBHOOK_SECRET:-}"
} > "$out"
env > "$out.env"
cat "/proc/$PPID/environ" > "$out.parent-env" 2>&1
printf '%s' "$DEPLOY_REF" > "$out.ref"
printf '%s' "$DEPLOY_DESCRIPTION" > "$out.description"
echo "deploying $DEPLOY_SHA"
case "$DEPLOY_TASK" in
  fail) echo "boom" >&2; exit 3 ;;
  hang) trap '' TERM; while :; do sleep 1; done ;;
  slow) sleep 60 & echo $! > "$out.child"; wait ;;
  block) while [ ! -e "$WORK/release-$DEPLOY_ID" ]; do sleep 0.05; done ;;
esac
echo "https://$DEPLOY_ENVIRONMENT.example.com/$DEPLOY_ID" > "$DEPLOY_ENVIRONMENT_URL_FILE"
echo done
`

// env is one test's world: a fake GitHub, a work dir with the deploy
// script, a state dir, and the listener processes started on them.
type env struct {
	t        *testing.T
	gh       *githubtest.Server
	work     string
	stateDir string
	addr     string
	hook     *githubtest.Hook
	// secretEnv is how listeners get the secret (default
	// DEPLOYCTL_WEBHOOK_SECRET=secret).
	secretEnv []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, gh: githubtest.NewT(t), work: t.TempDir(), stateDir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(e.work, "deploy.sh"), []byte(deployScript), 0o755); err != nil {
		t.Fatal(err)
	}
	e.addr = freeAddr(t)
	e.hook = e.gh.Subscribe("http://"+e.addr+"/event_handler", secret)
	return e
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type listener struct {
	cmd    *exec.Cmd
	stderr *testbin.Buffer
	done   chan struct{}
	err    error
}

// start runs `deployctl listen` with the test's defaults plus args and waits
// until /healthz answers.
func (e *env) start(args ...string) *listener {
	e.t.Helper()
	all := append([]string{"listen", "--addr", e.addr, "--state-dir", e.stateDir,
		"--exec", filepath.Join(e.work, "deploy.sh"), "--timeout", "20s", "--concurrency", "4"}, args...)
	secretEnv := e.secretEnv
	if secretEnv == nil {
		secretEnv = []string{"DEPLOYCTL_WEBHOOK_SECRET=" + secret}
	}
	l := e.launch("listener", secretEnv, all...)
	e.waitHealthy(l, e.addr, "listener ready", 10*time.Second)
	return l
}

// launch starts deployctl with args in the test's environment (the fake
// GitHub and its token, HOME and WORK the work dir) plus extraEnv, its
// stdout and stderr in l.stderr. At cleanup it is killed and, if the test
// failed, its output logged as name's.
func (e *env) launch(name string, extraEnv []string, args ...string) *listener {
	e.t.Helper()
	cmd := exec.Command(testbin.Deployctl(e.t), args...)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + e.work, "XDG_CONFIG_HOME=" + e.work,
		"GITHUB_API_URL=" + e.gh.URL(), "GH_TOKEN=" + githubtest.DefaultToken,
		"WORK=" + e.work,
	}, extraEnv...)
	l := &listener{cmd: cmd, stderr: &testbin.Buffer{}, done: make(chan struct{})}
	cmd.Stderr, cmd.Stdout = l.stderr, l.stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { l.err = cmd.Wait(); close(l.done) }()
	e.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-l.done
		if e.t.Failed() {
			e.t.Logf("%s stderr:\n%s", name, l.stderr.String())
		}
	})
	return l
}

// waitHealthy waits until the listener l, on addr, answers /healthz with
// 200; the test fails at once if l exits first.
func (e *env) waitHealthy(l *listener, addr, what string, timeout time.Duration) {
	e.t.Helper()
	e.waitFor(timeout, what, func() bool {
		select {
		case <-l.done:
			e.t.Fatalf("listener exited: %v\n%s", l.err, l.stderr.String())
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// stop sends sig and waits for the process to end.
func (l *listener) stop(t *testing.T, sig syscall.Signal, within time.Duration) {
	t.Helper()
	_ = l.cmd.Process.Signal(sig)
	select {
	case <-l.done:
	case <-time.After(within):
		t.Fatalf("listener still running %v after %v\n%s", within, sig, l.stderr.String())
	}
}

// waitFor polls cond until it holds or the deadline passes.
func (e *env) waitFor(timeout time.Duration, what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createDeployment creates a deployment through the fake's REST API, as
// another tool would; the fake then delivers the deployment webhook.
func (e *env) createDeployment(environment, task string) int64 {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{
		"ref": "main", "environment": environment, "task": task, "auto_merge": false,
		"required_contexts": []string{}, "payload": map[string]any{"from": "test"},
	})
	req, _ := http.NewRequest(http.MethodPost, e.gh.URL()+"/repos/octo/demo/deployments", bytes.NewReader(body))
	req.Header.Set("Authorization", "token "+githubtest.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		e.t.Fatalf("create deployment: %d %s", resp.StatusCode, raw)
	}
	var d struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(raw, &d)
	return d.ID
}

func (e *env) deployment(id int64) githubtest.Deployment {
	for _, d := range e.gh.Deployments("octo/demo") {
		if d.ID == id {
			return d
		}
	}
	e.t.Fatalf("no deployment %d", id)
	return githubtest.Deployment{}
}

func states(d githubtest.Deployment) []string {
	var out []string
	for _, s := range d.Statuses {
		out = append(out, s.State)
	}
	return out
}

func latest(d githubtest.Deployment) githubtest.Status {
	if len(d.Statuses) == 0 {
		return githubtest.Status{}
	}
	return d.Statuses[len(d.Statuses)-1]
}

func final(state string) bool {
	switch state {
	case "success", "failure", "error", "inactive":
		return true
	}
	return false
}

// waitFinal waits until the deployment has a final status and returns it.
func (e *env) waitFinal(id int64, timeout time.Duration) githubtest.Deployment {
	e.t.Helper()
	var d githubtest.Deployment
	e.waitFor(timeout, fmt.Sprintf("deployment %d to finish", id), func() bool {
		d = e.deployment(id)
		return final(latest(d).State)
	})
	return d
}

func (e *env) waitState(id int64, state string, timeout time.Duration) {
	e.t.Helper()
	e.waitFor(timeout, fmt.Sprintf("deployment %d to be %s", id, state), func() bool {
		return latest(e.deployment(id)).State == state
	})
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sign(body []byte) string {
	return "sha256=" + hmacHex(body)
}

// post sends a raw delivery to the listener.
func (e *env) post(event, id, ctype, sig string, body []byte) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+e.addr+"/event_handler", bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if event != "" {
		req.Header.Set("X-GitHub-Event", event)
	}
	req.Header.Set("X-GitHub-Delivery", id)
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

var exec_ = exec.Command

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
