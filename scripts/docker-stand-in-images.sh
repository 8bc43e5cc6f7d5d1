#!/usr/bin/env bash
# Builds local stand-ins for the public base images the Dockerfiles and docker-compose.yml name,
# for machines where Docker Hub cannot be reached. Only images that are missing and cannot be
# pulled are built; the project's Dockerfiles and compose file stay what a Docker Hub user runs.
#
#   node:20-bookworm-slim      Debian bookworm (debootstrap --variant=minbase) + this machine's Node 20 and npm
#   temporalio/temporal:1.5.1  Debian bookworm + the Temporal CLI built from its Go module
#   temporalio/ui:2.42.1       Debian bookworm + the Temporal UI server built from its Go module
# and, for the `scale` stack (docker-compose.scale.yml), only when asked with --scale:
#   postgres:15-bookworm       Debian bookworm + Debian's postgresql-15, with an entry point that reads
#                              POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB like the official image's
#   chrislusf/seaweedfs:4.53   Debian bookworm + SeaweedFS built from its Go module (weed in /usr/bin)
#   nginx:1.27-bookworm        Debian bookworm + Debian's nginx (1.22; the proxy settings used are the same)
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

# apt_install <dir> <package>...: Debian packages into a staged root file system, without starting services.
apt_install() {
  local dir="$1"
  shift
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 0755 "$dir/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  chroot "$dir" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  rm -rf "$dir/var/lib/apt/lists/"* "$dir/usr/sbin/policy-rc.d"
  : >"$dir/etc/resolv.conf"
}

build_postgres() {
  local dir
  bookworm_rootfs
  dir="$(stage_dir postgres)"
  # Like the official image: no cluster from the package; the entry point makes one in PGDATA.
  mkdir -p "$dir/etc/postgresql-common"
  echo 'create_main_cluster = false' >"$dir/etc/postgresql-common/createcluster.conf"
  apt_install "$dir" postgresql-15
  mkdir -p "$dir/var/lib/postgresql/data" "$dir/var/run/postgresql"
  chroot "$dir" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
  cat >"$dir/usr/local/bin/docker-entrypoint.sh" <<'ENTRY'
#!/bin/bash
# Stand-in for the official image's entry point: the same variables and init folder, a smaller script.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql && chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: POSTGRES_PASSWORD is required" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # Like the official image: the socket inside the container trusts, the network needs the password.
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  # A server on the socket only, for the database and the init scripts.
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  export PGPASSWORD="$POSTGRES_PASSWORD"
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -q -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$script" ] || continue
    echo "postgres: running $script"
    psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -q -f "$script"
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec "$@" -c listen_addresses='*'
ENTRY
  chmod 0755 "$dir/usr/local/bin/docker-entrypoint.sh"
  # (docker import cannot set STOPSIGNAL: the compose file sets stop_signal: SIGINT, the official image's.)
  import_image "$dir" postgres:15-bookworm \
    'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'ENV PGDATA=/var/lib/postgresql/data' 'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]'
}

build_seaweedfs() {
  local dir
  [ -x "$BIN/weed" ] || bash "$(dirname "$0")/prereqs.sh" >/dev/null
  bookworm_rootfs
  dir="$(stage_dir seaweedfs)"
  install -m 0755 "$BIN/weed" "$dir/usr/bin/weed"
  mkdir -p "$dir/data"
  import_image "$dir" chrislusf/seaweedfs:4.53 "$PATH_ENV" 'ENTRYPOINT ["weed"]'
}

build_nginx() {
  local dir
  bookworm_rootfs
  dir="$(stage_dir nginx)"
  apt_install "$dir" nginx
  ln -sf /dev/stdout "$dir/var/log/nginx/access.log"
  ln -sf /dev/stderr "$dir/var/log/nginx/error.log"
  import_image "$dir" nginx:1.27-bookworm "$PATH_ENV" 'CMD ["nginx", "-g", "daemon off;"]'
}

if [ "${1:-}" = "--scale" ]; then
  available postgres:15-bookworm || build_postgres
  available chrislusf/seaweedfs:4.53 || build_seaweedfs
  available nginx:1.27-bookworm || build_nginx
  log "ready: postgres:15-bookworm chrislusf/seaweedfs:4.53 nginx:1.27-bookworm"
  exit 0
fi

[ "${1:-}" = "--rebuild" ] && docker rmi -f node:20-bookworm-slim temporalio/temporal:1.5.1 temporalio/ui:2.42.1 >/dev/null 2>&1 || true
available node:20-bookworm-slim || build_node
available temporalio/temporal:1.5.1 || build_temporal
available temporalio/ui:2.42.1 || build_temporal_ui
log "ready: node:20-bookworm-slim temporalio/temporal:1.5.1 temporalio/ui:2.42.1"
