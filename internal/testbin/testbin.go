// Package testbin builds the deployctl binary for tests that run it the way a
// user does. It reads every source file of the module, from inside a test:
// go test caches a test's result by the files the test itself opens (once
// the tests have started, not in TestMain), and a build in a subprocess is
// invisible to it, so without this a test of the binary would pass from the
// cache after the program changed.
package testbin

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	once     sync.Once
	builtDir string
	built    string
	buildErr error
)

// Deployctl returns a deployctl binary built from the module's sources, once
// per test process. Call Cleanup from TestMain after m.Run.
func Deployctl(tb testing.TB) string {
	tb.Helper()
	root, err := ModuleRoot()
	if err == nil {
		err = readSources(root) // on every call: each test must record the sources
	}
	if err != nil {
		tb.Fatal(err)
	}
	once.Do(func() {
		builtDir, buildErr = os.MkdirTemp("", "deployctl-test-")
		if buildErr == nil {
			built = filepath.Join(builtDir, Exe("deployctl"))
			buildErr = Build(built)
		}
	})
	if buildErr != nil {
		tb.Fatalf("building deployctl: %v", buildErr)
	}
	return built
}

// Cleanup removes what Deployctl built.
func Cleanup() {
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
}

// Main is the TestMain of a package whose tests run the binary: it runs
// them, removes the build and exits with their result.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// ModuleRoot is the directory holding the module's go.mod, found from the
// working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testbin: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Exe adds ".exe" on Windows.
func Exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// Build compiles the module's main package (the repository root) to out,
// with CGO_ENABLED=0 as releases are built, and extra go build flags.
func Build(out string, flags ...string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	if err := readSources(root); err != nil {
		return err
	}
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, b)
	}
	return nil
}

// readSources opens the files the binary is built from, so that go test
// records them as inputs of the test.
func readSources(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") && d.Name() != "go.mod" && d.Name() != "go.sum" {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, f)
		f.Close()
		return err
	})
}
