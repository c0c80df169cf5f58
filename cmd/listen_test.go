package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
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
			if err == nil || !strings.Contains(err.Error(), c.err) || ExitCode(err) != ExitUsage {
				t.Errorf("%+v: err %v, want usage error with %q", c.opts, err, c.err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%+v: %q %v, want %q", c.opts, got, err, c.want)
		}
	}
}
