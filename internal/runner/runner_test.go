//go:build unix

package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
