package listen_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MakeNowJust/heredoc"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/cmd/listen"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

func TestListenFlagsToOptions(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory(ios, cmdutil.BuildInfo{Version: "test"})
	env := map[string]string{"DEPLOYCTL_CONCURRENCY": "3", "XDG_CONFIG_HOME": t.TempDir()}
	f.Getenv = func(k string) string { return env[k] }
	var got *listen.ListenOptions
	c := cmd.NewCmdRoot(f)
	// Replace listen with one that captures its options.
	for _, sub := range c.Commands() {
		if sub.Name() == "listen" {
			c.RemoveCommand(sub)
		}
	}
	c.AddCommand(listen.NewCmdListen(f, func(o *listen.ListenOptions) error { got = o; return nil }))
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
func listenOptionsFrom(t *testing.T, env map[string]string, args ...string) (*listen.ListenOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory(ios, cmdutil.BuildInfo{Version: "test"})
	f.Getenv = func(k string) string { return env[k] }
	c := cmd.NewCmdRoot(f)
	for _, sub := range c.Commands() {
		if sub.Name() == "listen" {
			c.RemoveCommand(sub)
		}
	}
	var got *listen.ListenOptions
	c.AddCommand(listen.NewCmdListen(f, func(o *listen.ListenOptions) error { got = o; return nil }))
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
	want := listen.ListenOptions{
		Addr: "0.0.0.0:8080", Path: "/hooks/github", StateDir: "/var/lib/deployctl", Exec: "./deploy.sh --from-config",
		EnvironmentFilter: "prod*", Concurrency: 4, NoCreateOnMerge: true, LogURLBase: "https://deploys.example.com",
		LogFormat: "json", Environment: "from-top-level", SecretFile: "/run/secrets/hook",
		Timeout: 90 * time.Second, ShutdownGrace: 5 * time.Second,
	}
	got.Context, got.IO, got.Getenv, got.Client = nil, nil, nil, nil
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("options\n got %+v\nwant %+v", *got, want)
	}

	// --config and DEPLOYCTL_CONFIG name another file; a bad value there is a usage error.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listen:\n  concurrency: many\n"), 0o600)
	_, err = listenOptionsFrom(t, map[string]string{"DEPLOYCTL_CONFIG": bad})
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "listen.concurrency") {
		t.Fatalf("bad config value: %v", err)
	}
}
