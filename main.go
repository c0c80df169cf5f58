// Command deployctl creates and tracks GitHub deployments and runs them from
// GitHub's webhooks. It also runs as the gh extension "gh deployctl".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Stamped by the release build (-ldflags "-X main.version=...").
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
