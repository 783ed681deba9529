#!/usr/bin/env bash
# The corpus measurement of docs/validate.md: validate and Tekton's own admission checks
# (scripts/tekton-oracle, built against tektoncd/pipeline from the Go module proxy) on the same
# files, compared resource by resource. Needs the built CLI (npm run build) and network access to
# the Go module proxy; CI does not run it.
# Usage: scripts/validate-corpus.sh DIR...   (e.g. a checkout's task/ and pipeline/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root/scripts/tekton-oracle" && go build -o "$work/oracle" .)
"$work/oracle" "$@" > "$work/oracle.jsonl"
"$root/bin/tkn-artifacts" validate "$@" --defaults -o json --fail-on none > "$work/report.json"
node "$root/scripts/tekton-oracle/compare.mjs" "$work/oracle.jsonl" "$work/report.json" -v
