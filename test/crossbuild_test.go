package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// releaseTargets are the platforms .goreleaser.yaml builds.
var releaseTargets = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
	{"freebsd", "amd64"}, {"freebsd", "arm64"},
}

// TestCrossBuild compiles deployctl for every release target, the way
// goreleaser does (CGO_ENABLED=0), so that platform-specific code (process
// groups, signals, syscall fields) breaks here rather than at release time.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the cross-compilation of every release target in -short mode")
	}
	root := moduleRoot(t)
	out := t.TempDir()
	for _, tg := range releaseTargets {
		t.Run(tg.goos+"-"+tg.goarch, func(t *testing.T) {
			cmd := exec.Command("go", "build", "-o", filepath.Join(out, tg.goos+"-"+tg.goarch), ".")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+tg.goos, "GOARCH="+tg.goarch)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s GOARCH=%s go build: %v\n%s", tg.goos, tg.goarch, err, b)
			}
		})
	}
}
