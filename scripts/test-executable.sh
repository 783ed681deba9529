#!/usr/bin/env bash
# The integration suite's CLI runs made by the standalone executable for this machine, on a PATH
# with no Node on it: what a user who installed the binary alone gets. The release is built
# afresh (a stale one would test old code). The ship tests are left out: they test npm, krew
# and tkn installs, which need Node, and run the executable themselves.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
node_bin="$root/node_modules/node/bin/node"
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "test-executable: no executable is built for $(uname -m)" >&2; exit 2 ;;
esac
"$node_bin" scripts/release.mjs >/dev/null
executable="$root/dist/release/tkn-artifacts-linux-$arch"

# Every command on PATH but Node's own, as links in a directory of their own.
bare=$(mktemp -d)
trap 'rm -rf "$bare"' EXIT
IFS=: read -ra directories <<<"$PATH"
for directory in "${directories[@]}"; do
  [ -d "$directory" ] || continue
  for command in "$directory"/*; do
    name=${command##*/}
    case $name in node | nodejs | npm | npx | corepack) continue ;; esac
    [ -x "$command" ] && [ ! -e "$bare/$name" ] && ln -s "$command" "$bare/$name"
  done
done
if PATH="$bare" command -v node >/dev/null 2>&1; then
  echo "test-executable: node is still on the bare PATH" >&2
  exit 1
fi
echo "test-executable: $executable, PATH without Node ($(ls "$bare" | wc -l) commands)"
PATH="$bare" TKN_ARTIFACTS_CLI="$executable" \
  "$node_bin" node_modules/vitest/vitest.mjs run --project integration --exclude 'test/integration/ship/**'
