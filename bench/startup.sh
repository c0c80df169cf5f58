#!/usr/bin/env bash
# Startup time of the deployctl binary: `--version` and `list --help`, the two
# commands issue 2 bounds at a median under 10 ms, beside `gh --version` when
# gh is installed. Needs hyperfine (Debian: apt-get install hyperfine).
#   bash bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/deployctl
trap 'rm -rf "$(dirname "$bin")"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin" .
cmds=("$bin --version" "$bin list --help")
if command -v gh >/dev/null; then cmds+=("gh --version"); fi
hyperfine --shell=none --warmup 20 --runs 200 --export-json /tmp/deployctl-startup.json "${cmds[@]}"
python3 - <<'PY'
import json, statistics
for r in json.load(open("/tmp/deployctl-startup.json"))["results"]:
    print(f"{r['command']:<50} median {statistics.median(r['times'])*1000:6.2f} ms")
PY
