package cmdutil

import (
	"runtime/debug"
	"testing"
)

func TestResolveBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "c21336ee7741ab4e73542ed7b1fa4c809a3b7e89"},
		{Key: "vcs.time", Value: "2026-11-25T18:21:34Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		name    string
		stamped BuildInfo
		info    *debug.BuildInfo
		want    string
	}{
		{
			name:    "release build stamped by goreleaser",
			stamped: BuildInfo{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-01-02T03:04:05Z"},
			info:    &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			want:    "1.2.3 (commit 0123456789ab, built 2026-01-02T03:04:05Z, go1.26.8 linux/amd64)",
		},
		{
			name:    "goreleaser without git information",
			stamped: BuildInfo{Version: "0.0.1-next", Commit: "none", Date: "2026-01-02T03:04:05Z"},
			info:    &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want:    "0.0.1-next (built 2026-01-02T03:04:05Z, go1.26.8 linux/amd64)",
		},
		{
			name: "go install module@v1.4.0",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			want: "1.4.0 (go1.26.8 linux/amd64)",
		},
		{
			name: "go build in a dirty checkout",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261125182134-c21336ee7741+dirty"}, Settings: vcs},
			want: "0.0.0-20261125182134-c21336ee7741+dirty (commit c21336ee7741-dirty, committed 2026-11-25T18:21:34Z, go1.26.8 linux/amd64)",
		},
		{
			name: "go build -buildvcs=false",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: "dev (go1.26.8 linux/amd64)",
		},
		{
			name: "no build info",
			want: "dev (go1.26.8 linux/amd64)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stamped := tt.stamped
			stamped.Platform = "linux/amd64"
			if tt.info == nil {
				stamped.GoVersion = "go1.26.8"
			}
			got := resolveBuildInfo(stamped, tt.info).String()
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
