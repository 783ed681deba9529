#!/usr/bin/env bash
# Provision the binaries the integration tests run (test/env/global-setup.ts starts them).
#
# Idempotent: every tool is built into a cache directory outside the repository, with a
# stamp file recording what was built. A tool whose stamp matches and whose binary exists
# is skipped, so a second run takes seconds. Works on a fresh machine with an empty Go
# module cache (only the Go module proxy and Debian's packages are needed).
#
#   TKN_TEST_CACHE   cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/tkn-artifacts-test-env)
#
# Output: one line per tool: name, version, cached|built|system (with seconds taken).
set -euo pipefail

# ---- pinned versions (the only place to change them) -----------------------------------
OLAREG_VERSION=v0.2.1      # github.com/olareg/olareg: OCI 1.1 registry with the referrers API
ORAS_VERSION=v1.3.3        # oras.land/oras
REGCTL_VERSION=v0.11.7     # github.com/regclient/regclient
COSIGN_VERSION=v2.6.1      # github.com/sigstore/cosign/v2: tag-stored .sig/.att/.sbom and OCI 1.1 referrers
CRANE_VERSION=v0.22.1      # github.com/google/go-containerregistry (crane): images and indexes
KREW_VERSION=v0.4.4        # sigs.k8s.io/krew: krew and validate-krew-manifest (test/integration/ship)
TKN_VERSION=v0.44.0        # github.com/tektoncd/cli: the real tkn, for `tkn artifacts` (test/integration/ship)
KUBERNETES_VERSION=v1.34.4 # k8s.io/kubernetes, see test/env/kube/go.mod (kept in sync there)
ETCD_VERSION=v3.6.4        # go.etcd.io/etcd/server/v3, the version kubernetes pins (go.mod)
DISTRIBUTION_PACKAGE=docker-registry # Debian's CNCF distribution 2.8 (/usr/bin/docker-registry)
HTPASSWD_PACKAGE=apache2-utils       # htpasswd -B (distribution only accepts bcrypt entries)
# -----------------------------------------------------------------------------------------

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KUBE_MODULE_DIR="$REPO_ROOT/test/env/kube"
TOOLS_MODULE_DIR="$REPO_ROOT/test/env/tools"
CACHE="${TKN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tkn-artifacts-test-env}"
BIN="$CACHE/bin"
STAMPS="$CACHE/stamps"
LOGS="$CACHE/logs"
mkdir -p "$BIN" "$STAMPS" "$LOGS"

export GOBIN="$BIN" # nothing is `go install`ed today, but keep stray installs in the cache
export GOFLAGS="-buildvcs=false"
export CGO_ENABLED=0
GO_BUILD_FLAGS=(-trimpath "-ldflags=-s -w")

die() {
  echo "provision-test-env: ERROR: $*" >&2
  exit 1
}

command -v go >/dev/null 2>&1 || die "go is not on PATH (Go 1.24+ is needed to build the test tools)"

now() { date +%s; }

report() { # name version status
  printf '%-16s %-24s %s\n' "$1" "$2" "$3"
}

stamp_ok() { # tool expected-stamp binary...
  local tool="$1" want="$2"
  shift 2
  [[ -f "$STAMPS/$tool" ]] || return 1
  [[ "$(cat "$STAMPS/$tool")" == "$want" ]] || return 1
  local b
  for b in "$@"; do [[ -x "$b" ]] || return 1; done
  return 0
}

run_logged() { # tool command... ; output to $LOGS/<tool>.log, tail on failure
  local tool="$1"
  shift
  if ! "$@" >"$LOGS/$tool.log" 2>&1; then
    echo "provision-test-env: building $tool failed: $*" >&2
    tail -n 40 "$LOGS/$tool.log" >&2 || true
    die "$tool could not be built (full log: $LOGS/$tool.log)"
  fi
}

module_hash() { # files... -> short sha256 of their contents (stamps cover the module files)
  cat "$@" | sha256sum | cut -c1-16
}

go_tool_build() { # tool package version [module] ; built from the wrapper module test/env/tools/<module:-tool>
  local tool="$1" pkg="$2" version="$3"
  local dir="$TOOLS_MODULE_DIR/${4:-$tool}"
  [[ -f "$dir/go.mod" && -f "$dir/go.sum" ]] || die "$dir/go.mod or go.sum missing"
  grep -qE "[[:space:]]${pkg%%/cmd/*} $version( |\$)" "$dir/go.mod" ||
    die "$dir/go.mod does not require ${pkg%%/cmd/*} $version (keep it in sync with this script)"
  local want
  want="$pkg@$version/$(module_hash "$dir/go.mod" "$dir/go.sum")"
  if stamp_ok "$tool" "$want" "$BIN/$tool"; then
    report "$tool" "$version" "cached"
    return
  fi
  local t0
  t0=$(now)
  run_logged "$tool" env -C "$dir" go build "${GO_BUILD_FLAGS[@]}" -o "$BIN/$tool" "$pkg"
  echo "$want" >"$STAMPS/$tool"
  report "$tool" "$version" "built in $(($(now) - t0))s"
}

apt_updated=0
apt_install() { # package...
  if [[ $apt_updated == 0 ]]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOGS/apt-update.log" 2>&1 ||
      { tail -n 40 "$LOGS/apt-update.log" >&2; die "apt-get update failed"; }
    apt_updated=1
  fi
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    >"$LOGS/apt-install.log" 2>&1 ||
    { tail -n 40 "$LOGS/apt-install.log" >&2; die "apt-get install $* failed"; }
}

# ---- Debian packages: distribution 2.8, htpasswd, tmux, time ----------------------------
t0=$(now)
status="system"
pkgs=()
[[ -x /usr/bin/docker-registry ]] || pkgs+=("$DISTRIBUTION_PACKAGE")
command -v htpasswd >/dev/null 2>&1 || pkgs+=("$HTPASSWD_PACKAGE")
# A real pseudo-terminal for the terminal tests, and peak RSS for the memory tests.
command -v tmux >/dev/null 2>&1 || pkgs+=(tmux)
[[ -x /usr/bin/time ]] || pkgs+=(time)
if ((${#pkgs[@]})); then
  apt_install "${pkgs[@]}"
  status="installed in $(($(now) - t0))s"
  # The package ships a service listening on :5000 with its own config; the tests start
  # their own instances, so make sure the packaged one is not left running.
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  elif [[ -x /etc/init.d/docker-registry ]]; then
    /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
  fi
fi
[[ -x /usr/bin/docker-registry ]] || die "/usr/bin/docker-registry missing after installing $DISTRIBUTION_PACKAGE"
command -v htpasswd >/dev/null 2>&1 || die "htpasswd missing after installing $HTPASSWD_PACKAGE"
DISTRIBUTION_REPORTED="$(/usr/bin/docker-registry --version 2>/dev/null | awk '{print $3}')"
report "distribution" "${DISTRIBUTION_REPORTED:-unknown}" "$status"
report "htpasswd" "$(dpkg-query -W -f '${Version}' "$HTPASSWD_PACKAGE" 2>/dev/null || echo present)" "system"

# ---- Go tools, each built from its wrapper module under test/env/tools ------------------
# (`go install pkg@version` is not usable here: it asks the module proxy for the module's
# version list, which the proxy available to us refuses with 403.)
go_tool_build olareg github.com/olareg/olareg/cmd/olareg "$OLAREG_VERSION"
go_tool_build oras oras.land/oras/cmd/oras "$ORAS_VERSION"
go_tool_build regctl github.com/regclient/regclient/cmd/regctl "$REGCTL_VERSION"
go_tool_build cosign github.com/sigstore/cosign/v2/cmd/cosign "$COSIGN_VERSION"
go_tool_build crane github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION"
go_tool_build krew sigs.k8s.io/krew/cmd/krew "$KREW_VERSION"
go_tool_build validate-krew-manifest sigs.k8s.io/krew/cmd/validate-krew-manifest "$KREW_VERSION" krew
go_tool_build tkn github.com/tektoncd/cli/cmd/tkn "$TKN_VERSION"

# ---- etcd and kube-apiserver from the wrapper module test/env/kube ----------------------
[[ -f "$KUBE_MODULE_DIR/go.mod" && -f "$KUBE_MODULE_DIR/go.sum" ]] ||
  die "$KUBE_MODULE_DIR/go.mod or go.sum missing"
grep -q "k8s.io/kubernetes $KUBERNETES_VERSION" "$KUBE_MODULE_DIR/go.mod" ||
  die "test/env/kube/go.mod does not require k8s.io/kubernetes $KUBERNETES_VERSION (keep them in sync)"
grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "$KUBE_MODULE_DIR/go.mod" ||
  die "test/env/kube/go.mod does not require go.etcd.io/etcd/server/v3 $ETCD_VERSION (keep them in sync)"
# The stamp covers the module files, so editing them rebuilds.
kube_hash="$(module_hash "$KUBE_MODULE_DIR/go.mod" "$KUBE_MODULE_DIR/go.sum" "$KUBE_MODULE_DIR/cmd/etcd/main.go")"

want="etcd@$ETCD_VERSION/$kube_hash"
if stamp_ok etcd "$want" "$BIN/etcd"; then
  report etcd "$ETCD_VERSION" "cached"
else
  t0=$(now)
  run_logged etcd env -C "$KUBE_MODULE_DIR" go build "${GO_BUILD_FLAGS[@]}" -o "$BIN/etcd" ./cmd/etcd
  echo "$want" >"$STAMPS/etcd"
  report etcd "$ETCD_VERSION" "built in $(($(now) - t0))s"
fi

# The version both binaries report about themselves (what Kubernetes' own build stamps in).
kv="$KUBERNETES_VERSION"
minor="${kv#v*.}"
minor="${minor%%.*}"
major="${kv#v}"
major="${major%%.*}"
ldx=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldx+=" -X $p.gitVersion=$kv -X $p.gitMajor=$major -X $p.gitMinor=$minor"
  ldx+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done

want="kube-apiserver@$KUBERNETES_VERSION/$kube_hash"
if stamp_ok kube-apiserver "$want" "$BIN/kube-apiserver"; then
  report kube-apiserver "$KUBERNETES_VERSION" "cached"
else
  t0=$(now)
  run_logged kube-apiserver env -C "$KUBE_MODULE_DIR" go build -trimpath "-ldflags=-s -w$ldx" \
    -o "$BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  echo "$want" >"$STAMPS/kube-apiserver"
  report kube-apiserver "$KUBERNETES_VERSION" "built in $(($(now) - t0))s"
fi

# kubectl, from the same module: the completion tests run `kubectl __complete tkn artifacts …`,
# which is how kubectl itself reaches a plugin's completion.
want="kubectl@$KUBERNETES_VERSION/$kube_hash/versioned"
if stamp_ok kubectl "$want" "$BIN/kubectl"; then
  report kubectl "$KUBERNETES_VERSION" "cached"
else
  t0=$(now)
  run_logged kubectl env -C "$KUBE_MODULE_DIR" go build -trimpath "-ldflags=-s -w$ldx" \
    -o "$BIN/kubectl" k8s.io/kubernetes/cmd/kubectl
  echo "$want" >"$STAMPS/kubectl"
  report kubectl "$KUBERNETES_VERSION" "built in $(($(now) - t0))s"
fi

# ---- versions.json: what each binary reports about itself --------------------------------
json_escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\n\r'; }
first_match() { # regex, reads stdin; prints first match or empty
  grep -oE "$1" | head -n 1 || true
}
v_olareg="$("$BIN/olareg" version 2>&1 | first_match 'v[0-9]+\.[0-9]+\.[0-9]+[^ "]*')"
v_oras="$("$BIN/oras" version 2>&1 | first_match '[0-9]+\.[0-9]+\.[0-9]+[^ ]*')"
v_regctl="$("$BIN/regctl" version --format '{{.VCSTag}}' 2>/dev/null || true)"
[[ -n "$v_regctl" ]] || v_regctl="$("$BIN/regctl" version 2>&1 | first_match 'v[0-9]+\.[0-9]+\.[0-9]+')"
v_cosign="$("$BIN/cosign" version --json 2>/dev/null | first_match 'v[0-9]+\.[0-9]+\.[0-9]+[^ "]*')"
v_crane="$("$BIN/crane" version 2>&1 | first_match '[0-9]+\.[0-9]+\.[0-9]+[^ ]*')"
v_kube="$("$BIN/kube-apiserver" --version 2>&1 | first_match 'v[0-9]+\.[0-9]+\.[0-9]+[^ ]*')"
v_etcd="$("$BIN/etcd" --version 2>&1 | first_match '[0-9]+\.[0-9]+\.[0-9]+' )"
v_dist="$DISTRIBUTION_REPORTED"
for pair in "olareg:$v_olareg" "oras:$v_oras" "regctl:$v_regctl" "cosign:$v_cosign" "crane:$v_crane" \
  "kube-apiserver:$v_kube" \
  "etcd:$v_etcd" "distribution:$v_dist"; do
  [[ -n "${pair#*:}" ]] || die "could not read the version that ${pair%%:*} reports about itself"
done
cat >"$CACHE/versions.json.tmp" <<EOF
{
  "olareg": "$(json_escape "$v_olareg")",
  "distribution": "$(json_escape "$v_dist")",
  "oras": "$(json_escape "$v_oras")",
  "regctl": "$(json_escape "$v_regctl")",
  "cosign": "$(json_escape "$v_cosign")",
  "crane": "$(json_escape "$v_crane")",
  "kube-apiserver": "$(json_escape "$v_kube")",
  "etcd": "$(json_escape "$v_etcd")"
}
EOF
mv "$CACHE/versions.json.tmp" "$CACHE/versions.json"
echo "provision-test-env: ok, binaries in $BIN (versions in $CACHE/versions.json)"
