package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// BuildInfo is stamped by the release build through -ldflags; a plain go
// build or go install falls back to the module version and VCS stamp.
type BuildInfo struct {
	Version string
	Commit  string
	Date    string
}

// ResolveBuildInfo fills what the linker did not stamp from the binary's
// embedded build information.
func ResolveBuildInfo(b BuildInfo) BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

func (b BuildInfo) String() string {
	s := b.Version
	if b.Commit != "" || b.Date != "" {
		s += " ("
		if b.Commit != "" {
			c := b.Commit
			if len(c) > 12 {
				c = c[:12]
			}
			s += c
		}
		if b.Date != "" {
			if b.Commit != "" {
				s += ", "
			}
			s += b.Date
		}
		s += ")"
	}
	return s + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// NewCmdVersion prints what --version prints.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show deployctl's version",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(f.IOStreams.Out, "%s version %s\n", f.Executable, f.Version)
			return err
		},
	}
}
