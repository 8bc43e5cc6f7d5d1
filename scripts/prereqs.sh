#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, only when missing:
#   - the Temporal CLI (dev server), built once from its Go module and cached outside the clone;
#   - Chromium, from Debian's packages, for the registry UI tests;
#   - python3 with its venv module, from Debian's packages, for the MLflow client and schemathesis tests.
#   - the PostgreSQL server, from Debian's packages, and SeaweedFS (S3), built from its Go module, for the scale-out tests.
# Re-running it is cheap: everything already present is left alone.
set -euo pipefail

TEMPORAL_VERSION="v1.5.1"
TOOLS_DIR="${MLOPS_TOOLS_DIR:-$HOME/.cache/mlops/bin}"

have_temporal() {
  [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ] && return 0
  command -v temporal >/dev/null 2>&1 && return 0
  [ -x "$TOOLS_DIR/temporal" ] && return 0
  return 1
}

if have_temporal; then
  echo "prereqs: temporal CLI found"
else
  if ! command -v go >/dev/null 2>&1; then
    echo "prereqs: the Temporal CLI is missing and Go is not installed." >&2
    echo "         Install Go (https://go.dev/dl/) or put a 'temporal' binary on PATH, then re-run." >&2
    exit 1
  fi
  echo "prereqs: building the Temporal CLI $TEMPORAL_VERSION into $TOOLS_DIR (a few minutes, once)"
  mkdir -p "$TOOLS_DIR"
  GOTOOLCHAIN=local GOBIN="$TOOLS_DIR" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_VERSION"
fi

if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "prereqs: chromium found"
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "prereqs: installing chromium from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "prereqs: chromium is missing; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH." >&2
  exit 1
fi

if command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "prereqs: python3 with venv found"
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "prereqs: installing python3 and python3-venv from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
else
  echo "prereqs: python3 with its venv module is missing; install it (Debian: apt-get install python3-venv)." >&2
  exit 1
fi

# PostgreSQL server for the scale-out tests (registry, production log); each test starts a throw-away cluster.
if [ -n "${MLOPS_TEST_POSTGRES_URL:-}" ] || [ -n "${PG_BIN:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "prereqs: postgresql found"
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "prereqs: installing postgresql from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  # The package starts a cluster of its own; the tests never use it.
  (command -v pg_ctlcluster >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | while read -r version name _; do
    pg_ctlcluster "$version" "$name" stop || true
  done) || true
else
  echo "prereqs: the PostgreSQL server is missing; install it (Debian: apt-get install postgresql), set PG_BIN, or MLOPS_TEST_POSTGRES_URL." >&2
  exit 1
fi

# SeaweedFS (an S3-compatible object store, Apache-2.0) for the S3 artifact tests, built once from its Go module.
SEAWEEDFS_VERSION="v0.0.0-20261109003541-7506e5f91cd6"
if [ -n "${WEED_BIN:-}" ] && [ -x "${WEED_BIN}" ] || [ -x "$TOOLS_DIR/weed" ] || command -v weed >/dev/null 2>&1; then
  echo "prereqs: SeaweedFS found"
else
  if ! command -v go >/dev/null 2>&1; then
    echo "prereqs: SeaweedFS (weed) is missing and Go is not installed; install Go or put 'weed' on PATH (WEED_BIN)." >&2
    exit 1
  fi
  echo "prereqs: building SeaweedFS $SEAWEEDFS_VERSION into $TOOLS_DIR (several minutes, once)"
  mkdir -p "$TOOLS_DIR"
  GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION"
  # Its go.mod has replace directives, which `go install pkg@version` refuses: build inside the module instead.
  (cd "$(go env GOMODCACHE)/github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" &&
    GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -o "$TOOLS_DIR/weed" ./weed)
fi
