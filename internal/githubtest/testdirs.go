package githubtest

import (
	"os"
	"path/filepath"
)

// TestDir reads the folder named by the environment variable env
// (EnvAPIDir, EnvWebhooksDir). A relative path is taken from the module's
// root, not from the directory of the package under test (go test runs
// each package in its own), so `DEPLOYCTL_TEST_API_DIR=../shared/github-api
// go test ./...` means the same folder for every package. "" when unset.
func TestDir(env string) string {
	dir := os.Getenv(env)
	if dir == "" || filepath.IsAbs(dir) {
		return dir
	}
	if root := moduleRoot(); root != "" {
		return filepath.Join(root, dir)
	}
	return dir
}

// moduleRoot is the nearest directory at or above the working directory
// holding a go.mod.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
