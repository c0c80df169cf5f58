package githubtest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTestDirIsRelativeToTheModuleRoot: the README's
// DEPLOYCTL_TEST_API_DIR=../shared/github-api works from every package.
func TestTestDirIsRelativeToTheModuleRoot(t *testing.T) {
	wd, _ := os.Getwd()
	root := filepath.Dir(filepath.Dir(wd)) // internal/githubtest -> the module
	t.Setenv(EnvAPIDir, "../shared/github-api")
	if got, want := TestDir(EnvAPIDir), filepath.Join(root, "..", "shared", "github-api"); got != want {
		t.Errorf("relative: %s, want %s", got, want)
	}
	t.Setenv(EnvAPIDir, "/abs/dir")
	if got := TestDir(EnvAPIDir); got != "/abs/dir" {
		t.Errorf("absolute: %s", got)
	}
	t.Setenv(EnvAPIDir, "")
	if got := TestDir(EnvAPIDir); got != "" {
		t.Errorf("unset: %q", got)
	}
}
