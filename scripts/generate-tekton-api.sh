#!/usr/bin/env bash
# Regenerates src/validate/tekton/api-data.ts from a tektoncd/pipeline git repository at a release
# tag: the field tree, feature gates and removed fields `validate` checks (docs/validate.md).
# Usage: scripts/generate-tekton-api.sh PIPELINE_GIT_DIR TAG
set -euo pipefail
repo=${1:?tektoncd/pipeline git directory}
tag=${2:?release tag, e.g. v1.15.0}
root=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git --git-dir="$repo" rev-parse "$tag^{commit}" 2>/dev/null || git -C "$repo" rev-parse "$tag^{commit}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(git --git-dir="$repo" archive "$commit" pkg/apis 2>/dev/null || git -C "$repo" archive "$commit" pkg/apis) | tar -x -C "$work"
# core/v1 types (env, volumes, pod templates…) from the k8s.io/api version the release requires,
# through the Go module proxy.
(git --git-dir="$repo" show "$commit:go.mod" 2>/dev/null || git -C "$repo" show "$commit:go.mod") > "$work/go.mod"
k8s_version=$(awk '$1 == "k8s.io/api" { print $2 }' "$work/go.mod")
k8s_dir=$(cd "$root/scripts/tekton-api" && GOFLAGS=-mod=mod go mod download -json "k8s.io/api@$k8s_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
(cd "$root/scripts/tekton-api" && go run . -src "$work" -release "$tag" -commit "$commit" -k8s-api "$k8s_dir" -out "$root/src/validate/tekton/api-data.ts")
npx --no-install prettier --write "$root/src/validate/tekton/api-data.ts" >/dev/null
echo "wrote src/validate/tekton/api-data.ts from tektoncd/pipeline $tag ($commit)"
