#!/usr/bin/env bash
# Builds the full release matrix (linux, darwin, windows, freebsd x amd64,
# arm64) with goreleaser from a copy of the working tree tagged v0.0.0-snapshot
# style, and checks what gh and users will download. Leaves the checkout
# alone; prints where dist/ is. Takes about 4-5 minutes on 2 cores with a
# cold build cache.
#
#   scripts/release-snapshot.sh            # full matrix
#   KEEP=1 scripts/release-snapshot.sh     # keep the temporary copy
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v goreleaser >/dev/null || { echo "goreleaser not found: go install github.com/goreleaser/goreleaser/v2@v2.15.1" >&2; exit 1; }

work=$(mktemp -d)
if [ "${KEEP:-}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
cd "$root"
git ls-files -z --cached | while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  mkdir -p "$work/$(dirname "$f")"
  cp -p "$f" "$work/$f"
done
cd "$work"
[ -f README.md ] || { echo "note: no README.md yet; archiving a placeholder" >&2; echo "# deployctl" > README.md; }
export GIT_AUTHOR_NAME=snapshot GIT_AUTHOR_EMAIL=snapshot@example.com GIT_COMMITTER_NAME=snapshot GIT_COMMITTER_EMAIL=snapshot@example.com
git init -q
git remote add origin https://github.com/deployctl/gh-deployctl.git
git add -A
git commit -q -m snapshot
git tag v1.2.3

goreleaser check
start=$(date +%s)
goreleaser release --snapshot --clean
echo "goreleaser release --snapshot took $(( $(date +%s) - start ))s"

fail=0
for target in linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 freebsd-amd64 freebsd-arm64 windows-amd64.exe windows-arm64.exe; do
  asset="gh-deployctl_v1.2.3_$target"
  if ! grep -q "  $asset\$" dist/checksums.txt; then echo "missing gh extension asset $asset" >&2; fail=1; fi
  os=${target%%-*}; arch=${target#*-}; arch=${arch%.exe}
  ext=tar.gz; [ "$os" = windows ] && ext=zip
  archive="deployctl_1.2.4-next_${os}_${arch}.$ext"
  if [ ! -f "dist/$archive" ] || ! grep -q "  $archive\$" dist/checksums.txt; then echo "missing archive $archive" >&2; fail=1; fi
done
contents=$(tar tzf dist/deployctl_1.2.4-next_linux_amd64.tar.gz)
for f in deployctl README.md LICENSE completions/deployctl.bash completions/_deployctl completions/deployctl.fish completions/deployctl.ps1 man/man1/deployctl.1; do
  grep -qx "$f" <<<"$contents" || { echo "linux archive lacks $f" >&2; fail=1; }
done
unzip -l dist/deployctl_1.2.4-next_windows_amd64.zip | grep -q ' deployctl.exe$' || { echo "windows archive lacks deployctl.exe" >&2; fail=1; }
dist/deployctl_linux_amd64_v1/deployctl --version
[ "$fail" = 0 ] || exit 1
echo "release snapshot OK: $(grep -c . dist/checksums.txt) files in $work/dist"
