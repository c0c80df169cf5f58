// Package cmdutil is the plumbing every deployctl command shares: the
// Factory (the one seam to the outside world: streams, environment, clock,
// HTTP), the error kinds that decide the exit code, the --json/--jq/--template
// flags, the repository and client options of commands that talk to GitHub,
// and argument checks. It is the only package under internal/ that knows
// cobra; the commands themselves live under cmd/.
package cmdutil
