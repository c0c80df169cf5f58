package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MakeNowJust/heredoc"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/listen"
)

func TestListenFlagsToOptions(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := NewFactory(ios, BuildInfo{Version: "test"})
	env := map[string]string{"DEPLOYCTL_CONCURRENCY": "3", "XDG_CONFIG_HOME": t.TempDir()}
	f.Getenv = func(k string) string { return env[k] }
	var got *ListenOptions
	c := NewCmdRoot(f)
	// Replace listen with one that captures its options.
	for _, sub := range c.Commands() {
		if sub.Name() == "listen" {
			c.RemoveCommand(sub)
		}
	}
	c.AddCommand(NewCmdListen(f, func(_ context.Context, o *ListenOptions) error { got = o; return nil }))
	c.SetArgs([]string{"listen", "--exec", "./deploy.sh --fast", "-e", "staging", "--timeout", "90s",
		"--environment-filter", "stag*", "--log-format", "json"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Exec != "./deploy.sh --fast" || got.Environment != "staging" || got.Timeout != 90*time.Second ||
		got.EnvironmentFilter != "stag*" || got.LogFormat != "json" || got.Addr != "127.0.0.1:4567" ||
		got.Path != "/event_handler" || got.Concurrency != 3 {
		t.Fatalf("options %+v", got)
	}
}

// listenOptionsFrom runs `listen args` with env and returns the options the
// command would run with.
func listenOptionsFrom(t *testing.T, env map[string]string, args ...string) (*ListenOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := NewFactory(ios, BuildInfo{Version: "test"})
	f.Getenv = func(k string) string { return env[k] }
	c := NewCmdRoot(f)
	for _, sub := range c.Commands() {
		if sub.Name() == "listen" {
			c.RemoveCommand(sub)
		}
	}
	var got *ListenOptions
	c.AddCommand(NewCmdListen(f, func(_ context.Context, o *ListenOptions) error { got = o; return nil }))
	c.SetArgs(append([]string{"listen"}, args...))
	return got, c.Execute()
}

// TestListenConfig: the config file's listen: section, then its top level,
// configure the flags a user did not set; DEPLOYCTL_<FLAG> wins over both, and
// a flag over everything.
func TestListenConfig(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "deployctl", "config.yaml")
	os.MkdirAll(filepath.Dir(config), 0o700)
	os.WriteFile(config, []byte(heredoc.Doc(`
		environment: from-top-level
		concurrency: 9
		listen:
		  addr: 0.0.0.0:8080
		  path: /hooks/github
		  state-dir: /var/lib/deployctl
		  exec: ./deploy.sh --from-config
		  environment-filter: "prod*"
		  concurrency: 4
		  timeout: 10m
		  shutdown-grace: 45s
		  no-create-on-merge: true
		  log-url-base: https://deploys.example.com
		  log-format: json
	`)), 0o600)
	env := map[string]string{"XDG_CONFIG_HOME": dir, "DEPLOYCTL_TIMEOUT": "90s", "DEPLOYCTL_SECRET_FILE": "/run/secrets/hook"}
	got, err := listenOptionsFrom(t, env, "--shutdown-grace", "5s")
	if err != nil {
		t.Fatal(err)
	}
	want := ListenOptions{
		Addr: "0.0.0.0:8080", Path: "/hooks/github", StateDir: "/var/lib/deployctl", Exec: "./deploy.sh --from-config",
		EnvironmentFilter: "prod*", Concurrency: 4, NoCreateOnMerge: true, LogURLBase: "https://deploys.example.com",
		LogFormat: "json", Environment: "from-top-level", SecretFile: "/run/secrets/hook",
		Timeout: 90 * time.Second, ShutdownGrace: 5 * time.Second,
	}
	got.IO, got.Getenv, got.Client = nil, nil, nil
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("options\n got %+v\nwant %+v", *got, want)
	}

	// --config and DEPLOYCTL_CONFIG name another file; a bad value there is a usage error.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listen:\n  concurrency: many\n"), 0o600)
	_, err = listenOptionsFrom(t, map[string]string{"DEPLOYCTL_CONFIG": bad})
	if err == nil || ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "listen.concurrency") {
		t.Fatalf("bad config value: %v", err)
	}
}

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
			wantUsageError(t, err, c.err)
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
		Addr: "127.0.0.1:0", Path: listen.DefaultPath, InsecureSkipVerify: true, StateDir: t.TempDir(),
		NoCreateOnMerge: true, EnvironmentFilter: "*", Concurrency: 1, Environment: listen.DefaultEnvironment,
		Timeout: time.Minute, ShutdownGrace: time.Second, LogFormat: "text",
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop as soon as it has started
	if err := listenRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(stderr.String()); !strings.HasSuffix(got, " stopped") {
		t.Errorf("stderr when the command returned:\n%s\nwant it to end with the listener's last line, \"stopped\"", got)
	}
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC during the listener %d, want 400", got)
	}
}
