// Command deployctl creates and tracks GitHub deployments and runs them from
// GitHub's webhooks. It also runs as the gh extension "gh deployctl".
package main

import (
	"os"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// Stamped by a release build (-ldflags "-X main.version=...").
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	err := cmd.Run(cmdutil.BuildInfo{Version: version, Commit: commit, Date: date})
	os.Exit(cmdutil.ExitCode(err))
}
