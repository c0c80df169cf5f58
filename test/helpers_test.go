package test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// RequireToolsEnv turns "tool missing" skips into failures (CI sets it).
const RequireToolsEnv = "DEPLOYCTL_TEST_REQUIRE_TOOLS"

// requireTool returns the path of an outside program, or skips (fails under
// DEPLOYCTL_TEST_REQUIRE_TOOLS=1) saying how to install it.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not installed ("+install+")")
	}
	return path
}

// requireFile is requireTool for a file some package provides.
func requireFile(t *testing.T, path, install string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missing(t, path+" is missing ("+install+")")
	}
}

func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatalf("%s, and %s=1 requires it", what, RequireToolsEnv)
	}
	t.Skipf("skipping: %s; set %s=1 to make this a failure", what, RequireToolsEnv)
}

// moduleRoot is the repository's root directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// deployctlBinary returns the directory holding the "deployctl" built from
// the module (deployctl.exe on Windows).
func deployctlBinary(t *testing.T) string {
	t.Helper()
	return filepath.Dir(testbin.Deployctl(t))
}

func exe(name string) string { return testbin.Exe(name) }

// cleanEnv is an environment with nothing of the user's GitHub or gh setup:
// a fresh HOME and config directories, PATH with dirs first, then extra.
func cleanEnv(t *testing.T, dirs []string, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"PATH=" + strings.Join(append(dirs, os.Getenv("PATH")), string(os.PathListSeparator)),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"GH_CONFIG_DIR=" + filepath.Join(home, ".config", "gh"),
		"GH_NO_UPDATE_NOTIFIER=1",
		"GH_NO_EXTENSION_UPDATE_NOTIFIER=1",
		"GH_PROMPT_DISABLED=1",
		"NO_COLOR=1",
		"LANG=C.UTF-8",
		"TERM=dumb",
	}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// run runs a program with env in dir, with a deadline, and returns its
// stdout and stderr; it fails t when the program fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) (string, string) {
	t.Helper()
	out, errOut, err := runErr(t, dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, out, errOut)
	}
	return out, errOut
}

// runErr bounds a program at 10 minutes: a goreleaser snapshot compiles the
// binary and the doc generator, slow on a cold build cache and a busy machine.
func runErr(t *testing.T, dir string, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = strings.NewReader("")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

func TestMain(m *testing.M) { testbin.Main(m) }
