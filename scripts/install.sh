#!/usr/bin/env bash
# Install what RelayPACS needs on Debian 12 (Python 3.11, Node 20), idempotently:
# Debian packages (Orthanc + DICOMweb, Chromium, docker-compose), a virtualenv with the
# project and its pinned dependencies, and the npm packages of the CouchDB-protocol
# server, the test PouchDB client and the PWA.  Safe to run again: it skips what is there.
#
#   scripts/install.sh            what `relaypacs up` needs
#   scripts/install.sh --test     also what the test suite needs
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WITH_TESTS=0
[[ "${1:-}" == "--test" ]] && WITH_TESTS=1

log() { printf '[install] %s\n' "$*"; }
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

# -- Debian packages -----------------------------------------------------------------------
apt_wanted=()
[[ -x /usr/sbin/Orthanc ]] || apt_wanted+=(orthanc)
[[ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]] || apt_wanted+=(orthanc-dicomweb)
command -v node >/dev/null || apt_wanted+=(nodejs npm)
if [[ $WITH_TESTS -eq 1 ]]; then
  [[ -x /usr/bin/chromium ]] || apt_wanted+=(chromium)
  command -v docker-compose >/dev/null || apt_wanted+=(docker-compose)
fi
if (( ${#apt_wanted[@]} )); then
  log "apt: ${apt_wanted[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    "${apt_wanted[@]}" >/dev/null
  # the package may start its own Orthanc on 8042 where systemd runs; ours picks its ports
fi

# -- Python --------------------------------------------------------------------------------
PY="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  log "pip install -e .[dev]"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# -- npm -----------------------------------------------------------------------------------
npm_ci() {  # npm ci in $1 when its lock file changed since the last install
  local dir="$1"
  [[ -f "$dir/package-lock.json" ]] || return 0
  local lockstamp="$dir/node_modules/.installed-$(sha256sum "$dir/package-lock.json" | cut -c1-16)"
  if [[ ! -f "$lockstamp" ]]; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$lockstamp"
  fi
}
npm_ci relaypacs/harness/couch_server
npm_ci pwa
if [[ $WITH_TESTS -eq 1 ]]; then
  npm_ci tests/node_client
fi

# the PWA the gateway serves
if [[ -f pwa/package.json ]]; then
  src_stamp="pwa/dist/.built-$(cd pwa && find src public index.html vite.config.* package-lock.json \
    -type f 2>/dev/null | sort | xargs cat | sha256sum | cut -c1-16)"
  if [[ ! -f "$src_stamp" ]]; then
    log "building the PWA"
    (cd pwa && npm run build --silent >/dev/null)
    touch "$src_stamp"
  fi
fi
log "ready"
