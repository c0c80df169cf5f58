package cmdutil

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyCmdutilKnowsCobra: internal/ knows nothing of cobra, pflag or
// viper; cmdutil, the commands' plumbing, and gendocs, which renders the
// command tree into completions and man pages, are the exceptions.
func TestOnlyCmdutilKnowsCobra(t *testing.T) {
	seen := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		switch filepath.Base(path) {
		case "cmdutil", "gendocs", "testdata":
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		seen++
		for _, imp := range append(pkg.Imports, pkg.TestImports...) {
			if strings.HasPrefix(imp, "github.com/spf13/") {
				t.Errorf("%s imports %s", path, imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 5 {
		t.Fatalf("only %d packages found under internal/", seen)
	}
}
