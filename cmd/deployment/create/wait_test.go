package create_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/deployment/create"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/status"
	"github.com/deployctl/gh-deployctl/internal/watch/watchtest"
)

func TestCreateWaitFlags(t *testing.T) {
	for _, tt := range []struct {
		line    string
		wantErr string
		wait    bool
		every   time.Duration
		timeout time.Duration
	}{
		{line: "create --ref main", every: 3 * time.Second},
		{line: "create --ref main --wait", wait: true, every: 3 * time.Second},
		{line: "create --ref main --wait --interval 1s --timeout 2m", wait: true, every: time.Second, timeout: 2 * time.Minute},
		{line: "create --ref main --timeout 2m", wantErr: "--timeout needs --wait"},
		{line: "create --ref main --interval 1s", wantErr: "--interval needs --wait"},
		{line: "create --ref main --wait --interval 0s", wantErr: "--interval"},
		{line: "create --ref main --wait --timeout -1m", wantErr: "--timeout"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			var got *create.CreateOptions
			f := cmdtest.Factory(t, nil)
			err := cmdtest.RunCmd(t, f, "", create.NewCmdCreate(f, func(o *create.CreateOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.After.Wait != tt.wait || got.After.Interval != tt.every || got.After.Timeout != tt.timeout {
				t.Errorf("after = %+v", got.After)
			}
		})
	}
}

func TestCreateWait(t *testing.T) {
	for _, tt := range []struct {
		name, flags string
		final       status.State
		exit        int
		out, err    string
	}{
		{"success", "", status.Success, 0, "1\n", ""},
		{"failure", "", status.Failure, 1, "1\n", "Deployment 1 ended in failure\n"},
		{"json when it ends", "--json id,state", status.Success, 0, `{"id":1,"state":"success"}` + "\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gh := githubtest.NewT(t)
			f := cmdtest.Factory(t, map[string]string{"GITHUB_API_URL": gh.URL(), "GH_TOKEN": githubtest.DefaultToken, "GH_REPO": "octo/demo"})
			ios, _, out, errOut := iostreams.Test()
			f.IOStreams = ios
			clock := watchtest.NewStepClock()
			done := make(chan struct{})
			var err error
			go func() {
				defer close(done)
				c := create.NewCmdCreate(f, func(o *create.CreateOptions) error { o.After.Clock = clock; return create.CreateRun(o) })
				err = cmdtest.RunCmd(t, f, "", c, "create --ref main --skip-checks --wait "+tt.flags)
			}()
			clock.Polled(t, done)
			client, cerr := f.Client("github.com")
			if cerr != nil {
				t.Fatal(cerr)
			}
			demo := repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}
			if _, err := status.Set(context.Background(), client, demo, 1, status.SetRequest{State: tt.final}); err != nil {
				t.Fatal(err)
			}
			clock.Tick(t, done)
			<-done
			if got := cmdutil.ExitCode(err); got != tt.exit {
				t.Errorf("exit %d, want %d (%v)", got, tt.exit, err)
			}
			sha := deploy.ShortSHA(gh.Repo("octo/demo").Branch("main"))
			wantErr := heredoc.Docf(`
				Deployment 1 (main %[1]s) to production: no status yet (0s)
				Deployment 1 (main %[1]s) to production: %[2]s (3s)
			`, sha, tt.final) + tt.err
			if out.String() != tt.out || errOut.String() != wantErr {
				t.Errorf("stdout %q, want %q\nstderr:\n%s\nwant:\n%s", out, tt.out, errOut, wantErr)
			}
		})
	}
}

// A top-level timeout in the config file (or DEPLOYCTL_TIMEOUT) is for every command with --timeout: create
// without --wait ignores it; create's own section or the command line is refused.
func TestCreateTimeoutFromElsewhere(t *testing.T) {
	s := cmdtest.NewSession(t)
	dir := filepath.Join(s.Env["XDG_CONFIG_HOME"], "deployctl")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(yaml string) {
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("timeout: 5m\n")
	s.Run("create --ref main --skip-checks").WantExit(0).WantOut("1\n")
	s.Env["DEPLOYCTL_TIMEOUT"] = "5m"
	s.Run("create --ref main --skip-checks").WantExit(0).WantOut("2\n")
	delete(s.Env, "DEPLOYCTL_TIMEOUT")
	write("create:\n  timeout: 5m\n")
	s.Run("create --ref main --skip-checks").WantExit(cmdutil.ExitUsage).WantErrContains("--timeout needs --wait")
}
