// Command deployctl is deployctl under its own name, for
//
//	go install github.com/deployctl/gh-deployctl/cmd/deployctl@latest
//
// which installs "deployctl". The repository root's main package is the same
// program; go install of the module's root installs it as "gh-deployctl",
// the name gh gives extensions, so that one speaks as "gh deployctl".
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
