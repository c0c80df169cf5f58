#!/usr/bin/env bash
# Runs the shipping tests with every outside tool required (as CI does):
# the gh extension end to end, completions in bash/zsh/fish, the goreleaser
# check and linux/amd64 snapshot, version stamping, completion staleness.
# Needs: apt-get install gh zsh fish bash-completion git, and
# go install github.com/goreleaser/goreleaser/v2@v2.15.1 (on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH)/bin:$PATH"
DEPLOYCTL_TEST_REQUIRE_TOOLS=1 go test -count=1 "$@" ./test ./internal/gendocs
go test -count=1 -run 'Complet|ExecutableName|HelpAsExtension|Version' "$@" ./cmd
