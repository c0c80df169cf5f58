package cmd_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/shlex"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// silentServer accepts connections and never answers, like a hung API.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// execute runs line like main does, with ctx, and returns the exit code and
// stderr; the test fails if it has not returned within limit.
func execute(t *testing.T, ctx context.Context, f *cmdutil.Factory, line string, limit time.Duration) (int, string) {
	t.Helper()
	args, err := shlex.Split(line)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Execute(ctx, f, args) }()
	select {
	case err := <-done:
		return cmdutil.ExitCode(err), f.IOStreams.ErrOut.(interface{ String() string }).String()
	case <-time.After(limit):
		t.Fatalf("%s still running after %s", line, limit)
		return 0, ""
	}
}

func hungFactory(t *testing.T, env map[string]string) *cmdutil.Factory {
	env["GITHUB_API_URL"] = silentServer(t)
	env["GH_TOKEN"] = "ghp_test"
	env["GH_REPO"] = "octo/demo"
	f := cmdtest.Factory(t, env)
	f.Retry = ghapi.RetryPolicy{Attempts: 3, Backoff: time.Millisecond, MaxWait: time.Minute}
	return f
}

// TestHungServerIsAnError: a server that accepts and never answers ends
// every command after --http-timeout (DEPLOYCTL_HTTP_TIMEOUT), a read's
// retries included, instead of hanging it.
func TestHungServerIsAnError(t *testing.T) {
	for _, tt := range []struct{ line, env, want string }{
		{line: "create --ref main --http-timeout 200ms", want: "within 200ms"},
		{line: "get 1 --http-timeout 200ms", want: "within 200ms"},
		{line: "list", env: "150ms", want: "within 150ms"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			env := map[string]string{}
			if tt.env != "" {
				env["DEPLOYCTL_HTTP_TIMEOUT"] = tt.env
			}
			f := hungFactory(t, env)
			code, stderr := execute(t, context.Background(), f, tt.line, 20*time.Second)
			if code != 1 || !strings.Contains(stderr, "no answer from "+env["GITHUB_API_URL"]+" "+tt.want) ||
				!strings.Contains(stderr, "--http-timeout") {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
	for _, bad := range []string{"list --http-timeout 0", "list --http-timeout -1s", `list --http-timeout ""`, "list --http-timeout soon"} {
		f := hungFactory(t, map[string]string{})
		if code, stderr := execute(t, context.Background(), f, bad, 5*time.Second); code != 2 {
			t.Errorf("%s: exit %d, stderr %q", bad, code, stderr)
		}
	}
}

// TestCtrlCEndsACommandAtOnce: a signal ends a command waiting on GitHub,
// or on a terminal for --payload -, at once with exit 130 (143 for
// SIGTERM).
func TestCtrlCEndsACommandAtOnce(t *testing.T) {
	f := hungFactory(t, map[string]string{})
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(100*time.Millisecond, func() { cancel(&cmdutil.InterruptError{Signal: syscall.SIGINT, Code: 130}) })
	if code, stderr := execute(t, ctx, f, "list", 5*time.Second); code != 130 || strings.TrimSpace(stderr) != "interrupted" {
		t.Errorf("waiting on GitHub: exit %d, stderr %q", code, stderr)
	}

	// --payload - with stdin a terminal nobody types into, on every
	// command that takes create's flags.
	for _, line := range []string{"create --ref main --payload -", "run --ref main --payload - -- true", "rollback production --payload - --yes"} {
		f = hungFactory(t, map[string]string{})
		stdin, w := io.Pipe()
		defer w.Close()
		f.IOStreams.In = stdin
		f.IOStreams.SetStdinTTY(true)
		errOut := &testbin.Buffer{}
		f.IOStreams.ErrOut = errOut
		ctx, cancel = context.WithCancelCause(context.Background())
		go func() {
			// Interrupt once it says what it waits for.
			for deadline := time.Now().Add(5 * time.Second); !strings.Contains(errOut.String(), "Reading the payload (--payload -) from stdin"); {
				if time.Now().After(deadline) {
					return // execute reports the command still running
				}
				time.Sleep(5 * time.Millisecond)
			}
			cancel(&cmdutil.InterruptError{Signal: syscall.SIGTERM, Code: 143})
		}()
		code, stderr := execute(t, ctx, f, line, 5*time.Second)
		if code != 143 || !strings.HasSuffix(stderr, "interrupted\n") {
			t.Errorf("%s, waiting on stdin: exit %d, stderr %q", line, code, stderr)
		}
	}
}

// TestPayloadFromAPipeSaysNothing: stdin that is not a terminal is read
// without the notice.
func TestPayloadFromAPipeSaysNothing(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Stdin = `{"from": "pipe"}`
	s.Run("create --ref main --payload - --json payload").WantExit(0).WantOut(`{"payload":{"from":"pipe"}}` + "\n")
	if s.Err != "" {
		t.Errorf("stderr %q", s.Err)
	}
}
