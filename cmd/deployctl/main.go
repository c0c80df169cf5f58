// Command deployctl is deployctl under its own name, for
//
//	go install github.com/deployctl/gh-deployctl/cmd/deployctl@latest
//
// which installs "deployctl". The repository root's main package is the same
// program; go install of the module's root installs it as "gh-deployctl",
// the name gh gives extensions, so that one speaks as "gh deployctl".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Stamped by a release build (-ldflags "-X main.version=...").
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	f := cmd.NewFactory(iostreams.System(), cmd.ResolveBuildInfo(cmd.BuildInfo{Version: version, Commit: commit, Date: date}))
	err := cmd.Execute(ctx, f, os.Args[1:])
	stop()
	os.Exit(cmd.ExitCode(err))
}
