package cleanup

import (
	"context"
	"strings"
	"testing"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/prune"
)

// Progress goes to stderr on a terminal only.
func TestProgressOnATerminalOnly(t *testing.T) {
	for _, tty := range []bool{true, false} {
		gh := githubtest.NewT(t)
		gh.SeedHistory("octo/demo", 6, "production")
		c := ghapitest.Client(t, gh, "")
		demo := repository.Repository{Host: "github.com", Owner: "octo", Name: "demo"}
		deps, err := prune.Read(context.Background(), c, demo, "")
		if err != nil {
			t.Fatal(err)
		}
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(tty)
		o := &Options{APIOptions: cmdutil.APIOptions{Context: context.Background(), IO: ios}}
		if _, err := o.Execute(&prune.Executor{Client: c, Repo: demo}, prune.NewPlan(deps, prune.Options{Keep: 1, Delete: true})); err != nil {
			t.Fatal(err)
		}
		if got := errOut.String(); tty != strings.Contains(got, "Cleaning up") || tty != strings.Contains(got, "/5)") {
			t.Errorf("stderr a terminal: %v; stderr %q", tty, got)
		}
	}
}
