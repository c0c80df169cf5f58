// Package test holds deployctl's shipping tests: they build the real binary
// and drive it the way users meet it — as a gh extension through Debian's
// gh, through the completion scripts in bash, zsh and fish, and through the
// goreleaser release config.
//
// Tests that need an outside tool (gh, bash with bash-completion, zsh, fish,
// goreleaser) skip when it is missing, saying what to install; with
// DEPLOYCTL_TEST_REQUIRE_TOOLS=1 (as in CI) they fail instead. -short skips
// the slow goreleaser build.
package test
