package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// TestVersionStamped builds with the release's -ldflags and reads them back
// through --version and the version command.
func TestVersionStamped(t *testing.T) {
	bin := filepath.Join(t.TempDir(), exe("deployctl"))
	ldflags := "-X main.version=9.8.7 -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2026-02-03T04:05:06Z"
	if err := testbin.Build(bin, "-ldflags", ldflags); err != nil {
		t.Fatal(err)
	}
	want := "deployctl version 9.8.7 (commit 0123456789ab, built 2026-02-03T04:05:06Z, " +
		runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	for _, arg := range []string{"--version", "version"} {
		out, _ := run(t, t.TempDir(), cleanEnv(t, nil), bin, arg)
		if out != want {
			t.Errorf("deployctl %s = %q, want %q", arg, out, want)
		}
	}
}

// TestVersionPlainBuild: a go build from the checkout, unstamped, names the
// module's pseudo-version and the commit Go embedded.
func TestVersionPlainBuild(t *testing.T) {
	git := requireTool(t, "git", "apt-get install git")
	root := moduleRoot(t)
	head, err := exec.Command(git, "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("skipping: %s is not a git checkout (%v)", root, err)
	}
	bin := filepath.Join(t.TempDir(), exe("deployctl"))
	// GOFLAGS may carry -buildvcs=false; a user's go build stamps VCS data.
	cmd := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	out, _ := run(t, t.TempDir(), cleanEnv(t, nil), bin, "version")
	commit := strings.TrimSpace(string(head))[:12]
	re := regexp.MustCompile(`^deployctl version \d+\.\d+\.\d+-(0\.)?\d{14}-` + commit + `(\+dirty)? \(commit ` + commit +
		`(-dirty)?, committed \d{4}-\d\d-\d\dT[0-9:]+Z, go[0-9.]+ [a-z0-9]+/[a-z0-9]+\)\n$`)
	if !re.MatchString(out) {
		t.Errorf("plain go build: version printed %q, want it to match %s", out, re)
	}
}
