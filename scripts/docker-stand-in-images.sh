#!/usr/bin/env bash
# Builds local stand-ins for the public base images the Dockerfiles and docker-compose.yml name,
# for machines where Docker Hub cannot be reached. Only images that are missing and cannot be
# pulled are built; the project's Dockerfiles and compose file stay what a Docker Hub user runs.
#
#   node:20-bookworm-slim      Debian bookworm (debootstrap --variant=minbase) + this machine's Node 20 and npm
#   temporalio/temporal:1.5.1  Debian bookworm + the Temporal CLI built from its Go module
#   temporalio/ui:2.42.1       Debian bookworm + the Temporal UI server built from its Go module
#
# Needs: root, docker, debootstrap (Debian: apt-get install debootstrap), Go, Node 20.
# Cache (root file system, Go binaries): MLOPS_CACHE_DIR, default ~/.cache/mlops.
set -euo pipefail

CACHE="${MLOPS_CACHE_DIR:-$HOME/.cache/mlops}"
BIN="$CACHE/bin"
ROOTFS="$CACHE/images/rootfs-bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
TEMPORAL_CLI_VERSION=v1.5.1
TEMPORAL_UI_VERSION=v2.42.1

log() { echo "stand-in images: $*"; }

# true when the image is present or could be pulled
available() {
  docker image inspect "$1" >/dev/null 2>&1 && return 0
  timeout 60 docker pull -q "$1" >/dev/null 2>&1
}

bookworm_rootfs() {
  if [ ! -x "$ROOTFS/bin/sh" ]; then
    log "debootstrap bookworm into $ROOTFS (once)"
    rm -rf "$ROOTFS.tmp"
    mkdir -p "$(dirname "$ROOTFS")"
    debootstrap --variant=minbase bookworm "$ROOTFS.tmp" "$DEBIAN_MIRROR" >/dev/null
    rm -rf "$ROOTFS.tmp/var/cache/apt/archives/"*.deb "$ROOTFS.tmp/var/lib/apt/lists/"*
    # Like Debian's official images: apt keeps no package caches in image layers.
    cat >"$ROOTFS.tmp/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
    rm -f "$ROOTFS.tmp/var/cache/apt/"*.bin
    mv "$ROOTFS.tmp" "$ROOTFS"
  fi
}

# stage_dir <name>: a fresh copy of the root file system to add files to. Certificate authorities
# this machine added (/usr/local/share/ca-certificates, e.g. a TLS-inspecting proxy in front of the
# package registries) are trusted in the stand-ins too, so builds inside them reach the same registries.
stage_dir() {
  local dir
  dir="$(mktemp -d "/tmp/stand-in-$1.XXXXXX")"
  cp -a "$ROOTFS/." "$dir/"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$dir/usr/local/share/ca-certificates" "$dir/etc/ssl/certs"
    cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
    [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
  fi
  echo "$dir"
}

# import_image <dir> <tag> <change>...: the folder as a one-layer image
import_image() {
  local dir="$1" tag="$2"
  shift 2
  local changes=()
  for change in "$@"; do changes+=(--change "$change"); done
  tar -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$dir"
  log "built $tag"
}

go_binary() { # go_binary <name> <module@version>
  if [ ! -x "$BIN/$1" ]; then
    log "building $2 with Go (once, a few minutes)"
    mkdir -p "$BIN.tmp-$1"
    GOTOOLCHAIN=local GOBIN="$BIN.tmp-$1" go install "$2"
    mkdir -p "$BIN"
    mv "$BIN.tmp-$1/"* "$BIN/$1"
    rm -rf "$BIN.tmp-$1"
  fi
}

PATH_ENV='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
# Node trusts the system bundle as well as its own (see stage_dir).
CA_ENV='ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'

build_node() {
  local node npm_dir dir headers
  node="$(command -v node)"
  case "$("$node" --version)" in v20.*) ;; *) echo "stand-in images: node:20 needs Node 20 on this machine" >&2; exit 1 ;; esac
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  bookworm_rootfs
  dir="$(stage_dir node)"
  install -m 0755 "$node" "$dir/usr/local/bin/node"
  mkdir -p "$dir/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$dir/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  # Node's C++ headers, where the official image has them: native modules (better-sqlite3) compile
  # against them instead of downloading them from nodejs.org.
  headers="$(dirname "$(dirname "$node")")/include/node"
  local extra=()
  if [ -f "$headers/common.gypi" ]; then
    mkdir -p "$dir/usr/local/include"
    cp -a "$headers" "$dir/usr/local/include/node"
    extra+=('ENV npm_config_nodedir=/usr/local')
  else
    log "no Node headers at $headers: native modules will try to download them"
  fi
  # the official image's unprivileged user
  echo 'node:x:1000:' >>"$dir/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$dir/etc/passwd"
  echo 'node:*:19000:0:99999:7:::' >>"$dir/etc/shadow"
  mkdir -p "$dir/home/node" && chown 1000:1000 "$dir/home/node"
  import_image "$dir" node:20-bookworm-slim "$PATH_ENV" "ENV NODE_VERSION=$("$node" --version | tr -d v)" \
    "$CA_ENV" "${extra[@]}" 'CMD ["node"]'
}

build_temporal() {
  local dir
  go_binary temporal "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  bookworm_rootfs
  dir="$(stage_dir temporal)"
  install -m 0755 "$BIN/temporal" "$dir/usr/local/bin/temporal"
  import_image "$dir" temporalio/temporal:1.5.1 "$PATH_ENV" 'ENTRYPOINT ["temporal"]'
}

build_temporal_ui() {
  local dir module
  go_binary temporal-ui-server "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION"
  module="$(GOTOOLCHAIN=local go env GOMODCACHE)/github.com/temporalio/ui-server/v2@$TEMPORAL_UI_VERSION"
  bookworm_rootfs
  dir="$(stage_dir temporal-ui)"
  mkdir -p "$dir/home/ui-server/config"
  install -m 0755 "$BIN/temporal-ui-server" "$dir/home/ui-server/ui-server"
  cp "$module/config/docker.yaml" "$dir/home/ui-server/config/docker.yaml"
  import_image "$dir" temporalio/ui:2.42.1 "$PATH_ENV" 'WORKDIR /home/ui-server' \
    'ENTRYPOINT ["./ui-server", "--env", "docker", "start"]'
}

[ "${1:-}" = "--rebuild" ] && docker rmi -f node:20-bookworm-slim temporalio/temporal:1.5.1 temporalio/ui:2.42.1 >/dev/null 2>&1 || true
available node:20-bookworm-slim || build_node
available temporalio/temporal:1.5.1 || build_temporal
available temporalio/ui:2.42.1 || build_temporal_ui
log "ready: node:20-bookworm-slim temporalio/temporal:1.5.1 temporalio/ui:2.42.1"
