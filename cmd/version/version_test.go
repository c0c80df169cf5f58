package version_test

import (
	"bytes"
	"testing"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

func TestVersionCommandAndFlag(t *testing.T) {
	for _, exe := range []string{"deployctl", "gh deployctl"} {
		for _, args := range [][]string{{"version"}, {"--version"}} {
			f, out, _ := testFactoryForVersion()
			f.Executable = exe
			if err := cmd.Execute(t.Context(), f, args); err != nil {
				t.Fatalf("%s %v: %v", exe, args, err)
			}
			want := exe + " version 1.2.3 (commit 0123456789ab, built 2026-01-02T03:04:05Z, go1.26.8 linux/amd64)\n"
			if out.String() != want {
				t.Errorf("%s %v printed %q, want %q", exe, args, out.String(), want)
			}
		}
	}
}

func testFactoryForVersion() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{
		IOStreams: ios,
		Getenv:    func(string) string { return "" },
		Version: cmdutil.BuildInfo{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567",
			Date: "2026-01-02T03:04:05Z", GoVersion: "go1.26.8", Platform: "linux/amd64"},
		Executable: "deployctl",
	}
	return f, out, errOut
}
