#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, only when missing:
#   - the Temporal CLI (dev server), built once from its Go module and cached outside the clone;
#   - Chromium, from Debian's packages, for the registry UI tests;
#   - python3 with its venv module, from Debian's packages, for the MLflow client and schemathesis tests.
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
