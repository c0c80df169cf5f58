package cmdutil

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// BuildInfo says which build of deployctl this is. The release build stamps
// it through -ldflags "-X main.version=... -X main.commit=... -X main.date=...";
// a plain go build or go install falls back to the module version and the
// VCS stamp Go embeds in the binary.
type BuildInfo struct {
	Version string // "1.2.3" (a leading "v" is dropped), or "dev"
	Commit  string // full commit hash, "" when unknown
	Date    string // build time (RFC 3339) when stamped, "" when unknown
	// CommitDate is the commit's time from the VCS stamp, shown when Date
	// is not stamped.
	CommitDate string
	// Modified is true for a build from a working tree with uncommitted changes.
	Modified bool
	// GoVersion and Platform describe the toolchain and target ("linux/amd64").
	GoVersion string
	Platform  string
}

// ResolveBuildInfo fills what the linker did not stamp from the binary's
// embedded build information.
func ResolveBuildInfo(b BuildInfo) BuildInfo {
	info, _ := debug.ReadBuildInfo()
	return resolveBuildInfo(b, info)
}

func resolveBuildInfo(b BuildInfo, info *debug.BuildInfo) BuildInfo {
	// goreleaser stamps "none" and "unknown" for what it could not find.
	for _, v := range []*string{&b.Version, &b.Commit, &b.Date} {
		if *v == "none" || *v == "unknown" {
			*v = ""
		}
	}
	stamped := b.Commit != ""
	if info != nil {
		// go install module@v1.2.3 sets the module version; go build in a
		// checkout sets a pseudo-version (v0.0.0-2025...-abcdef+dirty).
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if !stamped {
					b.CommitDate = s.Value
				}
			case "vcs.modified":
				if !stamped {
					b.Modified = s.Value == "true"
				}
			}
		}
		if b.GoVersion == "" {
			b.GoVersion = info.GoVersion
		}
	}
	b.Version = strings.TrimPrefix(b.Version, "v")
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.GoVersion == "" {
		b.GoVersion = runtime.Version()
	}
	if b.Platform == "" {
		b.Platform = runtime.GOOS + "/" + runtime.GOARCH
	}
	return b
}

// String is the version line without the program's name:
// "1.2.3 (commit 0123456789ab, built 2025-11-25T18:16:00Z, go1.26.8 linux/amd64)".
func (b BuildInfo) String() string {
	var parts []string
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if b.Modified {
			c += "-dirty"
		}
		parts = append(parts, "commit "+c)
	}
	if b.Date != "" {
		parts = append(parts, "built "+b.Date)
	} else if b.CommitDate != "" {
		parts = append(parts, "committed "+b.CommitDate)
	}
	goVersion, platform := b.GoVersion, b.Platform
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	if platform == "" {
		platform = runtime.GOOS + "/" + runtime.GOARCH
	}
	parts = append(parts, goVersion+" "+platform)
	version := b.Version
	if version == "" {
		version = "dev"
	}
	return version + " (" + strings.Join(parts, ", ") + ")"
}
