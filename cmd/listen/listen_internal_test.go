package listen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	listener "github.com/deployctl/gh-deployctl/internal/listen"
)

func TestListenSecret(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(file, []byte("from-file\n"), 0o600)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		opts ListenOptions
		env  string
		want string
		err  string
	}{
		{opts: ListenOptions{Secret: "flag"}, want: "flag"},
		{opts: ListenOptions{SecretFile: file}, want: "from-file"},
		{env: "from-env", want: "from-env"},
		{opts: ListenOptions{InsecureSkipVerify: true}, want: ""},
		{err: "--insecure-skip-verify"},
		{opts: ListenOptions{Secret: "a", SecretFile: file}, err: "only one"},
	} {
		env["DEPLOYCTL_WEBHOOK_SECRET"] = c.env
		c.opts.Getenv = getenv
		got, err := listenSecret(&c.opts)
		if c.err != "" {
			if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: err = %v, want a usage error saying %q", c.opts, err, c.err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%+v: %q %v, want %q", c.opts, got, err, c.want)
		}
	}
}

// slowWriter takes a while over every write, as a slow terminal or pipe.
type slowWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(20 * time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *slowWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.buf.String() }

// TestListenRunWiring: the command sets the listener's GC and, before it
// returns, has written the whole log, also to a slow stderr.
func TestListenRunWiring(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })
	ios, _, _, _ := iostreams.Test()
	stderr := &slowWriter{}
	ios.ErrOut = stderr
	opts := &ListenOptions{
		IO: ios, Getenv: func(string) string { return "" },
		Addr: "127.0.0.1:0", Path: listener.DefaultPath, InsecureSkipVerify: true, StateDir: t.TempDir(),
		NoCreateOnMerge: true, EnvironmentFilter: "*", Concurrency: 1, Environment: listener.DefaultEnvironment,
		Timeout: time.Minute, ShutdownGrace: time.Second, LogFormat: "text",
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop as soon as it has started
	opts.Context = ctx
	if err := listenRun(opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(stderr.String()); !strings.HasSuffix(got, " stopped") {
		t.Errorf("stderr when the command returned:\n%s\nwant it to end with the listener's last line, \"stopped\"", got)
	}
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC during the listener %d, want 400", got)
	}
}

// TestExecCheckedAtStart (issue 10, item 9): an --exec that is not there or
// cannot be run is a usage error before anything starts.
func TestExecCheckedAtStart(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "deploy.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, exec := range []string{"/nonexistent/deploy.sh", notExec, "no-such-command-anywhere --flag"} {
		ios, _, _, stderr := iostreams.Test()
		opts := &ListenOptions{
			Context: context.Background(), IO: ios, Getenv: func(string) string { return "" },
			Addr: "127.0.0.1:0", Path: listener.DefaultPath, InsecureSkipVerify: true, StateDir: filepath.Join(dir, "state"),
			Exec: exec, EnvironmentFilter: "*", Concurrency: 1, Environment: listener.DefaultEnvironment,
			Timeout: time.Minute, ShutdownGrace: time.Second, LogFormat: "text",
		}
		err := listenRun(opts)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--exec") {
			t.Errorf("--exec %q: %v (exit %d), want a usage error naming --exec", exec, err, cmdutil.ExitCode(err))
		}
		if _, err := os.Stat(filepath.Join(dir, "state")); err == nil || stderr.Len() > 0 {
			t.Errorf("--exec %q: the listener started (%s)", exec, stderr)
		}
	}
}
