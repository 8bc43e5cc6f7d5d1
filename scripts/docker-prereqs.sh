#!/usr/bin/env bash
# Makes sure the Compose end-to-end test can run, installing only what is missing:
#   - a running Docker engine (Debian: apt-get install docker.io, then dockerd in the background);
#   - Docker Compose 2.24 or later (not in Debian: built once from its Go module into the cache);
#   - debootstrap, which scripts/docker-stand-in-images.sh uses when base images cannot be pulled.
# Installing needs root and apt-get; elsewhere it says what to install. Re-running it is cheap.
set -euo pipefail

COMPOSE_VERSION="v2.35.1"
CACHE="${MLOPS_CACHE_DIR:-$HOME/.cache/mlops}"
BIN="$CACHE/bin"
say() { echo "docker prereqs: $*"; }
fail() { echo "docker prereqs: $*" >&2; exit 1; }
can_install() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; }

apt_install() {
  can_install || fail "$1 is missing; install it ($2) and re-run."
  say "installing $2 from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

# --- the engine
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || apt_install "the Docker engine" docker.io
  can_install || fail "the Docker engine is not running; start it (e.g. sudo dockerd &) and re-run."
  say "starting dockerd (log: $CACHE/dockerd.log)"
  mkdir -p "$CACHE"
  nohup dockerd --storage-driver=overlay2 --mtu=1400 >"$CACHE/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || fail "dockerd did not come up in 60 s; see $CACHE/dockerd.log"
fi
say "Docker engine $(docker version --format '{{.Server.Version}}')"

# --- Compose >= 2.24
version_ok() { # version_ok <version>: a release version at least 2.24
  local v="${1#v}"
  [[ "$v" =~ ^[0-9]+\.[0-9]+ ]] || return 1
  [ "$(printf '%s\n2.24.0\n' "$v" | sort -V | head -1)" = "2.24.0" ]
}
compose_ok() { version_ok "$(docker compose version --short 2>/dev/null)"; }
if ! compose_ok; then
  if ! version_ok "$("$BIN/docker-compose" version --short 2>/dev/null)"; then
    command -v go >/dev/null 2>&1 || fail "Docker Compose >= 2.24 is missing and Go is not installed to build it."
    say "building Docker Compose $COMPOSE_VERSION from its Go module into $BIN (a few minutes, once)"
    module="$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -d "$module" ] || fail "could not download github.com/docker/compose/v2@$COMPOSE_VERSION"
    mkdir -p "$BIN"
    (cd "$module" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
      -o "$BIN/docker-compose.tmp" ./cmd)
    mv "$BIN/docker-compose.tmp" "$BIN/docker-compose"
  fi
  plugins="$HOME/.docker/cli-plugins"
  [ "$(id -u)" = "0" ] && plugins=/usr/local/lib/docker/cli-plugins
  mkdir -p "$plugins"
  ln -sf "$BIN/docker-compose" "$plugins/docker-compose"
  compose_ok || fail "docker compose reports $(docker compose version --short 2>&1); need >= 2.24"
fi
say "Docker Compose $(docker compose version --short)"

# --- debootstrap, for stand-in base images
if ! command -v debootstrap >/dev/null 2>&1 && ! command -v /usr/sbin/debootstrap >/dev/null 2>&1; then
  if can_install; then apt_install debootstrap debootstrap; else say "debootstrap missing: only needed when base images cannot be pulled"; fi
fi
