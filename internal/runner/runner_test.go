//go:build unix

package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/status"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

func run(t *testing.T, ctx context.Context, script string, spec Spec) (Result, string) {
	t.Helper()
	dir := t.TempDir()
	log, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	spec.Argv = []string{"sh", "-c", script}
	spec.Log = log
	if spec.KillGrace == 0 {
		spec.KillGrace = 200 * time.Millisecond
	}
	res := Run(ctx, spec)
	out, _ := os.ReadFile(log.Name())
	return res, string(out)
}

func TestParse(t *testing.T) {
	argv, err := Parse(`./deploy.sh --env "prod env" 'a b'`)
	if err != nil || strings.Join(argv, "|") != "./deploy.sh|--env|prod env|a b" {
		t.Fatalf("%q %v", argv, err)
	}
	if _, err := Parse("  "); err == nil {
		t.Fatal("empty command accepted")
	}
}

func TestExitCodesAndEnv(t *testing.T) {
	hostile := "$(touch pwned) `touch pwned2`\nline2; rm -rf /"
	res, out := run(t, context.Background(), `printf '%s' "$DEPLOY_REF"; exit 3`, Spec{Env: []string{"DEPLOY_REF=" + hostile}})
	if res.Outcome != Exited || res.ExitCode != 3 {
		t.Fatalf("result %+v", res)
	}
	if out != hostile {
		t.Fatalf("command saw %q, want %q", out, hostile)
	}
}

func TestEnvironmentURLFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "url")
	res, _ := run(t, context.Background(), `echo https://staging.example.com/app > "$DEPLOY_ENVIRONMENT_URL_FILE"`, Spec{EnvURLFile: f})
	if res.EnvironmentURL != "https://staging.example.com/app" {
		t.Fatalf("environment url %q", res.EnvironmentURL)
	}
	res, _ = run(t, context.Background(), `echo 'javascript:alert(1)' > "$DEPLOY_ENVIRONMENT_URL_FILE"`, Spec{EnvURLFile: f})
	if res.EnvironmentURL != "" {
		t.Fatalf("non-http environment url accepted: %q", res.EnvironmentURL)
	}
}

// TestTimeoutKillsGroup: a command that ignores TERM and leaves a child
// behind is killed, child included.
func TestTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child")
	var pgid int
	start := time.Now()
	res, _ := run(t, context.Background(), `trap '' TERM; sleep 300 & echo $! > `+pidFile+`; while :; do sleep 1; done`,
		Spec{Timeout: 300 * time.Millisecond, Started: func(g int, _ uint64) { pgid = g }})
	if res.Outcome != TimedOut {
		t.Fatalf("result %+v", res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	if pgid == 0 {
		t.Fatal("Started not called")
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatal("process group still alive")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCancelStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res, _ := run(t, ctx, `sleep 300`, Spec{})
	if res.Outcome != Stopped {
		t.Fatalf("result %+v", res)
	}
}

func TestNotFound(t *testing.T) {
	log, _ := os.Create(filepath.Join(t.TempDir(), "log"))
	defer log.Close()
	res := Run(context.Background(), Spec{Argv: []string{"/nonexistent/deploy"}, Log: log})
	if res.Outcome != Failed || res.Err == nil {
		t.Fatalf("result %+v", res)
	}
}

func TestProcessStart(t *testing.T) {
	if ProcessStart(os.Getpid()) == 0 {
		t.Fatal("no start time for this process")
	}
}

func TestEnv(t *testing.T) {
	d := deploy.Deployment{ID: 42, Environment: "staging", Ref: "main", SHA: "8b0fcf6", Task: "deploy",
		Payload: []byte(`{"a":1}`), Description: "d", Creator: "octocat"}
	got := strings.Join(Env("octo/demo", d, "https://logs.example.com/1"), "\n")
	want := strings.Join([]string{"DEPLOY_ID=42", "DEPLOY_REPO=octo/demo", "DEPLOY_ENVIRONMENT=staging", "DEPLOY_REF=main",
		"DEPLOY_SHA=8b0fcf6", "DEPLOY_TASK=deploy", `DEPLOY_PAYLOAD={"a":1}`, "DEPLOY_DESCRIPTION=d", "DEPLOY_CREATOR=octocat",
		"DEPLOY_LOG_URL=https://logs.example.com/1"}, "\n")
	if got != want {
		t.Fatalf("Env:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(strings.Join(Env("octo/demo", d, ""), "\n"), "DEPLOY_LOG_URL") {
		t.Fatal("DEPLOY_LOG_URL without a log URL")
	}
}

// TestPassThrough: without a Log the command reads Stdin and writes Stdout
// and Stderr; Env replaces a variable of the base environment, whose other
// DEPLOY_* variables are dropped; a temporary environment URL file is made
// and removed.
func TestPassThrough(t *testing.T) {
	var stdout, stderr strings.Builder
	var urlFile string
	res := Run(context.Background(), Spec{
		Argv:    []string{"sh", "-c", `read line; echo "out $line $DEPLOY_ID ${DEPLOY_LOG_URL-unset}"; echo err >&2; echo "$DEPLOY_ENVIRONMENT_URL_FILE" >&2; echo https://app.example.com > "$DEPLOY_ENVIRONMENT_URL_FILE"`},
		BaseEnv: []string{"PATH=" + os.Getenv("PATH"), "DEPLOY_ID=stale", "DEPLOY_LOG_URL=https://stale.example.com"},
		Env:     []string{"DEPLOY_ID=7"},
		Stdin:   strings.NewReader("hello\n"), Stdout: &stdout, Stderr: &stderr,
	})
	if res.Outcome != Exited || res.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	if stdout.String() != "out hello 7 unset\n" {
		t.Fatalf("stdout %q", stdout.String())
	}
	errLines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(errLines) != 2 || errLines[0] != "err" {
		t.Fatalf("stderr %q", stderr.String())
	}
	urlFile = errLines[1]
	if res.EnvironmentURL != "https://app.example.com" {
		t.Fatalf("environment url %q", res.EnvironmentURL)
	}
	if _, err := os.Stat(filepath.Dir(urlFile)); !os.IsNotExist(err) {
		t.Fatalf("temporary directory %s left behind: %v", filepath.Dir(urlFile), err)
	}
}

// TestSignalForwarded: a signal on Spec.Signals reaches the whole group;
// the run ends Stopped with that signal even though the command exits 0
// on it, and maps to 128+N.
func TestSignalForwarded(t *testing.T) {
	dir := t.TempDir()
	ready, got := filepath.Join(dir, "ready"), filepath.Join(dir, "got")
	sigs := make(chan os.Signal, 2)
	go func() {
		testbin.WaitFile(t, ready, 10*time.Second)
		sigs <- syscall.SIGINT
	}()
	res := Run(context.Background(), Spec{
		Argv:    []string{"sh", "-c", `trap 'echo INT > ` + got + `; exit 0' INT; touch ` + ready + `; while :; do sleep 0.05; done`},
		Signals: sigs, KillGrace: 5 * time.Second,
	})
	if res.Outcome != Stopped || res.Signal != "SIGINT" || res.ExitStatus() != 130 {
		t.Fatalf("result %+v, exit status %d", res, res.ExitStatus())
	}
	if b, _ := os.ReadFile(got); string(b) != "INT\n" {
		t.Fatalf("the command did not get SIGINT: %q", b)
	}
	state, desc := res.Final()
	if state != status.Error || !strings.HasPrefix(desc, "Interrupted by SIGINT after ") {
		t.Fatalf("final %s %q", state, desc)
	}
}

// TestSecondSignalKills: a command that ignores the forwarded signal is
// killed at the second one, long before KillGrace.
func TestSecondSignalKills(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	sigs := make(chan os.Signal, 2)
	go func() {
		testbin.WaitFile(t, ready, 10*time.Second)
		sigs <- syscall.SIGTERM
		sigs <- syscall.SIGTERM
	}()
	start := time.Now()
	res := Run(context.Background(), Spec{
		Argv:    []string{"sh", "-c", `trap '' TERM; touch ` + ready + `; while :; do sleep 0.05; done`},
		Signals: sigs, KillGrace: time.Minute,
	})
	if res.Outcome != Stopped || res.ExitStatus() != 143 {
		t.Fatalf("result %+v", res)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestFinalAndExitStatus: the outcome -> final status and shell exit
// status mapping, for real runs of each kind.
func TestFinalAndExitStatus(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name  string
		ctx   context.Context
		spec  Spec
		state status.State
		desc  string
		code  int
	}{
		{"success", context.Background(), Spec{Argv: []string{"true"}}, status.Success, "Deployed in ", 0},
		{"failure", context.Background(), Spec{Argv: []string{"sh", "-c", "exit 3"}}, status.Failure, "Deploy command exited with status 3 after ", 3},
		{"timeout", context.Background(), Spec{Argv: []string{"sleep", "30"}, Timeout: 50 * time.Millisecond}, status.Error, "Deploy command timed out after 50ms and was killed", 124},
		{"stopped", ctx, Spec{Argv: []string{"sleep", "30"}, StopReason: "Shut down"}, status.Error, "Shut down", 143},
		{"signal", context.Background(), Spec{Argv: []string{"sh", "-c", "kill -KILL $$"}}, status.Error, "Deploy command was killed by SIGKILL", 137},
		{"not found", context.Background(), Spec{Argv: []string{filepath.Join(dir, "missing")}}, status.Error, "Deploy command could not run: ", 127},
		{"not in PATH", context.Background(), Spec{Argv: []string{"deployctl-no-such-command"}}, status.Error, "Deploy command could not run: ", 127},
		{"not executable", context.Background(), Spec{Argv: []string{noexec}}, status.Error, "Deploy command could not run: ", 126},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := Run(c.ctx, c.spec)
			state, desc := res.Final()
			if state != c.state || !strings.HasPrefix(desc, c.desc) || res.ExitStatus() != c.code {
				t.Fatalf("%+v: final %s %q, exit status %d; want %s %q..., %d", res, state, desc, res.ExitStatus(), c.state, c.desc, c.code)
			}
		})
	}
}

func TestFinalDescriptionFits(t *testing.T) {
	res := Result{Outcome: Failed, Err: errors.New(strings.Repeat("x", 300))}
	if _, desc := res.Final(); len([]rune(desc)) != status.MaxDescription || !strings.HasSuffix(desc, "…") {
		t.Fatalf("description %q", desc)
	}
}

// TestLeftoversKilled (D9): what the command leaves in its process group
// when it exits is killed, so it cannot run on past the deployment.
func TestLeftoversKilled(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	res, _ := run(t, context.Background(), `sleep 60 & echo $! > `+pidFile+`; exit 0`, Spec{LogLimit: MaxLog})
	if res.Outcome != Exited || res.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	if pid, gone := testbin.WaitGone(t, pidFile, 5*time.Second); !gone {
		t.Fatalf("the command's background process %d still runs after the run", pid)
	}
}

// TestLogKeepsTail (D11): a log with a limit stays under it, keeps what was
// there before the run, says what was dropped and ends with the command's
// last output.
func TestLogKeepsTail(t *testing.T) {
	for name, flags := range map[string]int{"append": os.O_APPEND, "plain": 0} {
		t.Run(name, func(t *testing.T) {
			log, err := os.OpenFile(filepath.Join(t.TempDir(), "log"), os.O_CREATE|os.O_WRONLY|flags, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			defer log.Close()
			log.WriteString("header line\n")
			const limit = 64 << 10
			res := Run(context.Background(), Spec{
				Argv: []string{"sh", "-c", `i=0; while [ $i -lt 5000 ]; do echo "line $i of the deploy output"; i=$((i+1)); done; echo last line`},
				Log:  log, LogLimit: limit, KillGrace: 200 * time.Millisecond,
			})
			if res.Outcome != Exited || res.ExitCode != 0 {
				t.Fatalf("result %+v", res)
			}
			b, _ := os.ReadFile(log.Name())
			out := string(b)
			if len(b) > limit || !strings.HasPrefix(out, "header line\ndeployctl: ") || !strings.Contains(out, "bytes of output dropped") ||
				!strings.HasSuffix(out, "line 4999 of the deploy output\nlast line\n") {
				t.Fatalf("log of %d bytes (limit %d):\n%.200s\n...\n%s", len(b), limit, out, out[max(0, len(out)-200):])
			}
		})
	}
}
